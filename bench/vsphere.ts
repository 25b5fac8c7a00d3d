// Scrape time and memory of our vsphere_exporter against govmomi's vcsim: the default inventory, and 2,000 VMs on
// 100 hosts. vmware_exporter cannot run here (Python, not packaged); its figures against the same vcsim inventory,
// measured on this kind of machine, are in issue #15: 9.3–10.4 s and 177 MB a scrape at 2,000 VMs.
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { type VcsimOptions, launchVcsim } from '../test/helpers/vsphere.js'
import { median, peakRssMiB } from './process-stats.js'
import { ready } from './ready.js'
import { timedScrape } from './scrape.js'

const ourExporter = new URL('../../collectors/vsphere/dist/main.js', import.meta.url).pathname
/** The command `npx vsphere_exporter` runs, whose `#!` line sets the process up as the Docker image does. */
const shippedCommand = new URL('../../collectors/vsphere/bin/vsphere_exporter.js', import.meta.url).pathname
const password = 'bench-password'

/**
 * One measured inventory: how long after start the session was set up (login, views, counter table), the first
 * scrape after that, later ones, memory, series.
 */
export interface VsphereScrapes {
  readonly label: string
  readonly vms: number
  readonly series: number
  /** The median time from the exporter's start until its session was set up, over the runs. */
  readonly setUpMs: number
  /** The median first scrape over the runs, and the fastest and slowest. */
  readonly firstMs: number
  readonly firstRangeMs: readonly [number, number]
  readonly medianMs: number
  readonly maxMs: number
  readonly rssMiB: number
}

/** Milliseconds from now until `exporter` logs that its vCenter session is set up (at most 60 s, and while it runs). */
function sessionSetUp(exporter: ChildProcess, label: string): Promise<number> {
  const started = performance.now()
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: no session after 60 s: ${output}`)), 60_000)
    exporter.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${label}: the exporter exited (${code}) before its session was set up: ${output}`))
    })
    exporter.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (!output.includes('msg="vCenter session set up"')) return
      clearTimeout(timer)
      resolve(performance.now() - started)
    })
  })
}

async function measure(
  label: string,
  ports: () => Promise<number>,
  inventory: Omit<VcsimOptions, 'password'>,
  scrapes: number,
  command: readonly [string, ...string[]],
): Promise<VsphereScrapes> {
  const vcsim = await launchVcsim({ password, ...inventory })
  const port = await ports()
  let exporter: ChildProcess | undefined
  try {
    exporter = spawn(
      command[0],
      [...command.slice(1), '--web.listen-address', `127.0.0.1:${port}`, '--log.level', 'info'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          ...process.env,
          VSPHERE_HOST: vcsim.url,
          VSPHERE_USER: 'monitor@vsphere.local',
          VSPHERE_PASSWORD: password,
        },
      },
    )
    const setUp = await sessionSetUp(exporter, label)
    await ready(`http://127.0.0.1:${port}/healthz`)
    const scrape = async () => {
      const scraped = await timedScrape(`http://127.0.0.1:${port}/metrics`)
      if (!scraped.text.includes('\nvsphere_up 1\n')) throw new Error(`${label}: vCenter was not read`)
      return scraped
    }
    const first = await scrape()
    const times: number[] = []
    let text = first.text
    for (let i = 0; i < scrapes; i++) {
      const result = await scrape()
      times.push(result.ms)
      text = result.text
    }
    return {
      label,
      setUpMs: setUp,
      vms: Number(/^vsphere_objects\{type="VirtualMachine"\} (\d+)$/m.exec(text)?.[1]),
      series: text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length,
      firstMs: first.ms,
      firstRangeMs: [first.ms, first.ms],
      medianMs: median(times),
      maxMs: Math.max(...times),
      rssMiB: peakRssMiB(exporter),
    }
  } finally {
    exporter?.kill()
    await vcsim.stop()
  }
}

/**
 * An inventory measured from `runs` fresh starts of vcsim and the exporter, as a process has one first scrape: the
 * medians of the session's setting up, of the first and of later scrapes (with the first's range), the slowest
 * scrape and the highest peak RSS.
 */
async function measureRuns(
  label: string,
  ports: () => Promise<number>,
  inventory: Omit<VcsimOptions, 'password'>,
  scrapes: number,
  runs: number,
  command: readonly [string, ...string[]] = [process.execPath, ourExporter],
): Promise<VsphereScrapes> {
  const measured: VsphereScrapes[] = []
  for (let run = 0; run < runs; run++) measured.push(await measure(label, ports, inventory, scrapes, command))
  const firsts = measured.map(({ firstMs }) => firstMs)
  return {
    ...(measured[0] as VsphereScrapes),
    setUpMs: median(measured.map(({ setUpMs }) => setUpMs)),
    firstMs: median(firsts),
    firstRangeMs: [Math.min(...firsts), Math.max(...firsts)],
    medianMs: median(measured.map(({ medianMs }) => medianMs)),
    maxMs: Math.max(...measured.map(({ maxMs }) => maxMs)),
    rssMiB: Math.max(...measured.map(({ rssMiB }) => rssMiB)),
  }
}

/**
 * What the `#!` line of `npx vsphere_exporter` sets, as the Docker image does (`MALLOC_ARENA_MAX=1 node
 * --max-semi-space-size=8`): read from the command, so that the bench says what it measured.
 */
export const shippedSettings = (
  /^#!\/usr\/bin\/env -S (.*)$/m.exec(readFileSync(shippedCommand, 'utf8'))?.[1] ?? ''
).replace(/\bnode /, '')

/**
 * vcsim's default inventory (4 VMs, 4 hosts), and 2,000 VMs on 100 standalone hosts with Node's defaults and as
 * `npx vsphere_exporter` runs (with {@link shippedSettings}), each from 3 fresh starts.
 */
export async function vsphereScrapes(ports: () => Promise<number>): Promise<VsphereScrapes[]> {
  const large = { standaloneHosts: 100, clusters: 0, vms: 20 }
  return [
    await measureRuns('default inventory', ports, {}, 10, 3),
    await measureRuns("2,000 VMs on 100 hosts, Node's defaults", ports, large, 5, 3),
    await measureRuns(
      `2,000 VMs on 100 hosts, ${shippedSettings} (as npx vsphere_exporter and the image run it)`,
      ports,
      large,
      5,
      3,
      [shippedCommand],
    ),
  ]
}
