// Probes per second and probe latency of our probe_exporter against Debian's blackbox_exporter 0.23, both probing
// the same loopback HTTP target (in a process of its own) with the same module.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { ready } from './ready.js'

const ourExporter = new URL('../../collectors/probe/dist/main.js', import.meta.url).pathname
const modules =
  'modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n'
const target = `
const server = require('node:http').createServer((request, response) => response.end('hello promkit\\n'))
server.listen(Number(process.argv[1]), '127.0.0.1', () => console.log('ready'))
`

/** One peer's throughput and latency at one concurrency. */
export interface ProbeLoad {
  readonly connections: number
  readonly ours: { rps: number; p50: number; p99: number }
  readonly blackbox: { rps: number; p50: number; p99: number }
}

async function load(url: string, connections: number) {
  await autocannon({ url, connections, duration: 2 })
  const result = await autocannon({ url, connections, duration: 5 })
  if (result.non2xx > 0) throw new Error(`${url}: ${result.non2xx} answers were not 200`)
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 }
}

/** Probes at 1 and 8 connections, the peers taking turns. */
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
    const query = `/probe?target=${encodeURIComponent(`http://127.0.0.1:${targetPort}/`)}&module=http_2xx`
    const [ours, theirs] = [`http://127.0.0.1:${ourPort}${query}`, `http://127.0.0.1:${theirPort}${query}`]
    await Promise.all([ready(ours), ready(theirs)])
    const loads: ProbeLoad[] = []
    for (const connections of [1, 8])
      loads.push({ connections, ours: await load(ours, connections), blackbox: await load(theirs, connections) })
    return loads
  } finally {
    for (const child of children) child.kill()
    rmSync(dir, { recursive: true, force: true })
  }
}
