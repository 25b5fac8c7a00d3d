// npm run soak: the system exporter under a long run of scrapes (memory sampled) and under a
// wrong-password flood (an authorised scrape's latency measured). Loopback only; every loop is
// bounded in count and in time. Writes its section of bench/RESULTS.md (npm run bench keeps it).
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import bcrypt from 'bcryptjs'
import { freePort } from './free-port.js'
import { percentile } from './process-stats.js'
import { soakHeading } from './soak-heading.js'

const resultsFile = new URL('../../bench/RESULTS.md', import.meta.url).pathname
const systemExporter = new URL('../../collectors/system/dist/main.js', import.meta.url).pathname
const scrapes = 10_000
const sampleEvery = 1_000
const floodClients = 20
const floodSeconds = 10
/** A soak that has not finished in this long stops where it is. */
const soakLimitMs = 10 * 60_000

const lines: string[] = []
const out = (line = '') => {
  lines.push(line)
  process.stdout.write(`${line}\n`)
}
const ms = (value: number) => `${value.toFixed(1)} ms`

/** Starts the system exporter and resolves when it listens. */
async function start(args: string[]): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort()
  const child = spawn(process.execPath, [systemExporter, '--web.listen-address', `127.0.0.1:${port}`, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  await new Promise<void>((resolve, reject) => {
    let log = ''
    const timer = setTimeout(() => reject(new Error(`the exporter did not start: ${log}`)), 20_000)
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString()
      if (log.includes(' listening on ')) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  return { child, base: `http://127.0.0.1:${port}` }
}

function rssMiB(pid: number): number {
  const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
  return kib / 1024
}

async function timed(url: string, headers: Record<string, string> = {}): Promise<{ status: number; ms: number }> {
  const started = performance.now()
  const response = await fetch(url, { headers })
  await response.arrayBuffer()
  return { status: response.status, ms: performance.now() - started }
}

async function soak(): Promise<void> {
  const { child, base } = await start([])
  const samples: [number, number][] = [[0, rssMiB(child.pid as number)]]
  const durations: number[] = []
  let failed = 0
  const until = Date.now() + soakLimitMs
  for (let scrape = 1; scrape <= scrapes && Date.now() < until; scrape++) {
    const { status, ms: took } = await timed(`${base}/metrics`)
    durations.push(took)
    if (status !== 200) failed++
    if (scrape % sampleEvery === 0) samples.push([scrape, rssMiB(child.pid as number)])
  }
  child.kill('SIGTERM')
  out(
    `${durations.length.toLocaleString('en')} sequential scrapes of the system exporter (real /proc, every default collector), RSS read from /proc/<pid>/status every ${sampleEvery.toLocaleString('en')}:`,
  )
  out()
  out(`| after scrapes | ${samples.map(([n]) => n.toLocaleString('en')).join(' | ')} |`)
  out(`|---|${samples.map(() => '---').join('|')}|`)
  out(`| RSS | ${samples.map(([, rss]) => `${rss.toFixed(0)} MiB`).join(' | ')} |`)
  out()
  out(
    `Scrape latency median ${ms(percentile(durations, 0.5))}, p99 ${ms(percentile(durations, 0.99))}; answers other than 200: ${failed}.`,
  )
}

async function flood(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-soak-'))
  const password = 'authorised-Pa55'
  writeFileSync(join(dir, 'web.yml'), `basic_auth_users:\n  prometheus: ${bcrypt.hashSync(password, 10)}\n`)
  const { child, base } = await start(['--web.config.file', join(dir, 'web.yml')])
  const basic = (secret: string) => ({
    authorization: `Basic ${Buffer.from(`prometheus:${secret}`).toString('base64')}`,
  })
  const authorised = async (count: number) => {
    const durations: number[] = []
    for (let i = 0; i < count; i++) durations.push((await timed(`${base}/metrics`, basic(password))).ms)
    return durations
  }
  await authorised(5)
  const quiet = await authorised(100)
  let stop = false
  let refused = 0
  let guesses = 0
  const attackers = Array.from({ length: floodClients }, async (_, client) => {
    while (!stop) {
      const { status } = await timed(`${base}/metrics`, basic(`guess-${client}-${guesses++}`))
      if (status === 401) refused++
    }
  })
  const during: number[] = []
  const end = Date.now() + floodSeconds * 1000
  while (Date.now() < end) during.push(...(await authorised(1)))
  stop = true
  await Promise.all(attackers)
  child.kill('SIGTERM')
  rmSync(dir, { recursive: true, force: true })
  out(
    `Basic auth with a cost-10 bcrypt hash. ${floodClients} clients sent ${guesses.toLocaleString('en')} wrong passwords, each new (so none was answered from the cache), for ${floodSeconds} s (${refused.toLocaleString('en')} refused with 401); meanwhile one client scraped with the right password:`,
  )
  out()
  out('| authorised scrapes | count | median | p99 |')
  out('|---|---|---|---|')
  out(`| without the flood | ${quiet.length} | ${ms(percentile(quiet, 0.5))} | ${ms(percentile(quiet, 0.99))} |`)
  out(`| during the flood | ${during.length} | ${ms(percentile(during, 0.5))} | ${ms(percentile(during, 0.99))} |`)
}

out(soakHeading)
out()
out(`Run ${new Date().toISOString().slice(0, 10)} with \`npm run soak\`.`)
out()
await soak()
out()
await flood()
const previous = readFileSync(resultsFile, 'utf8')
const at = previous.indexOf(soakHeading)
writeFileSync(resultsFile, `${(at < 0 ? previous : previous.slice(0, at)).trimEnd()}\n\n${lines.join('\n')}\n`)
