// Probes per second and probe latency of our probe_exporter against Debian's blackbox_exporter 0.23, both probing
// the same loopback targets with the same modules: an HTTP server (in a process of its own) and Debian's dnsmasq.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { type Load, medianLoad } from './process-stats.js'
import { ready } from './ready.js'

const ourExporter = new URL('../../collectors/probe/dist/main.js', import.meta.url).pathname
const modules = `modules:
  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
  dns_a:
    prober: dns
    timeout: 5s
    dns:
      query_name: www.example.test
      query_type: A
      preferred_ip_protocol: ip4
`
const dnsmasq = '/usr/sbin/dnsmasq'
const target = `
const server = require('node:http').createServer((request, response) => response.end('hello promkit\\n'))
server.listen(Number(process.argv[1]), '127.0.0.1', () => console.log('ready'))
`

/** Both peers' throughput and latency for one prober at one concurrency: each figure's median of 3 alternated rounds. */
export interface ProbeLoad {
  readonly prober: 'http' | 'dns'
  readonly connections: number
  readonly ours: Load
  readonly blackbox: Load
}

async function load(url: string, connections: number): Promise<Load> {
  await autocannon({ url, connections, duration: 2 })
  const result = await autocannon({ url, connections, duration: 5 })
  if (result.non2xx > 0) throw new Error(`${url}: ${result.non2xx} answers were not 200`)
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 }
}

/** dnsmasq on `port`, answering for www.example.test from its own records. */
function startDnsmasq(dir: string, port: number): ChildProcess {
  const config = join(dir, 'dnsmasq.conf')
  const lines = ['listen-address=127.0.0.1', 'bind-interfaces', 'no-resolv', 'no-hosts', 'no-daemon', 'log-facility=-']
  writeFileSync(config, [`port=${port}`, ...lines, 'host-record=www.example.test,127.0.0.5', ''].join('\n'))
  return spawn(dnsmasq, [`--conf-file=${config}`, `--pid-file=${join(dir, 'dnsmasq.pid')}`], { stdio: 'ignore' })
}

/**
 * Probes of HTTP and (when Debian's dnsmasq is there) DNS at 1 and 8 connections, the peers taking turns; a probe
 * that does not succeed stops the bench.
 */
export async function probeLoads(ports: () => Promise<number>): Promise<ProbeLoad[]> {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-probe-bench-'))
  const file = join(dir, 'blackbox.yml')
  writeFileSync(file, modules)
  const children: ChildProcess[] = []
  try {
    const targetPort = await ports()
    const server = spawn(process.execPath, ['-e', target, String(targetPort)], { stdio: ['ignore', 'pipe', 'ignore'] })
    children.push(server)
    await new Promise((resolve) => server.stdout?.once('data', resolve))
    const probed: { prober: ProbeLoad['prober']; query: string }[] = [
      { prober: 'http', query: `target=${encodeURIComponent(`http://127.0.0.1:${targetPort}/`)}&module=http_2xx` },
    ]
    if (existsSync(dnsmasq)) {
      const dnsPort = await ports()
      children.push(startDnsmasq(dir, dnsPort))
      probed.push({ prober: 'dns', query: `target=127.0.0.1:${dnsPort}&module=dns_a` })
    }
    const [ourPort, theirPort] = [await ports(), await ports()]
    children.push(
      spawn(
        process.execPath,
        [
          ourExporter,
          '--config.file',
          file,
          '--web.listen-address',
          `127.0.0.1:${ourPort}`,
          '--web.allowed-targets',
          '*',
        ],
        { stdio: 'ignore' },
      ),
      spawn('prometheus-blackbox-exporter', ['--config.file', file, '--web.listen-address', `127.0.0.1:${theirPort}`], {
        stdio: 'ignore',
      }),
    )
    const loads: ProbeLoad[] = []
    for (const { prober, query } of probed) {
      const [ours, theirs] = [
        `http://127.0.0.1:${ourPort}/probe?${query}`,
        `http://127.0.0.1:${theirPort}/probe?${query}`,
      ]
      await Promise.all([succeeds(ours), succeeds(theirs)])
      for (const connections of [1, 8]) {
        const rounds: { ours: Load[]; blackbox: Load[] } = { ours: [], blackbox: [] }
        for (let round = 0; round < 3; round++) {
          rounds.ours.push(await load(ours, connections))
          rounds.blackbox.push(await load(theirs, connections))
        }
        loads.push({ prober, connections, ours: medianLoad(rounds.ours), blackbox: medianLoad(rounds.blackbox) })
      }
    }
    return loads
  } finally {
    for (const child of children) child.kill()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Waits until a peer answers the probe, then checks that the probe succeeds (a failing one would be timed). */
async function succeeds(url: string): Promise<void> {
  await ready(url)
  const text = await (await fetch(url)).text()
  if (!/^probe_success 1$/m.test(text)) throw new Error(`${url}: the probe does not succeed:\n${text}`)
}
