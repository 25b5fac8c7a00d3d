// Scrape latency of our redis_exporter against Debian's redis_exporter 1.45, on one redis-server.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { percentile } from './process-stats.js'
import { ready } from './ready.js'

const ourExporter = new URL('../../collectors/redis/dist/main.js', import.meta.url).pathname

/** Latencies of one peer, in ms. */
export interface Latencies {
  readonly median: number
  readonly p99: number
}

/** Waits (at most 20 s) for a server to print `text`. */
function printed(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`no "${text}" within 20 s: ${output}`)), 20_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes(text)) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
}

/**
 * Starts redis-server with 1,000 keys of several types, both exporters on it
 * (same flags), and scrapes them alternately, one scrape at a time, `scrapes`
 * times each after a warm-up. Returns each peer's median and p99 per flag set.
 */
export async function redisScrapeLatency(
  ports: () => Promise<number>,
  scrapes: number,
): Promise<{ label: string; ours: Latencies; theirs: Latencies }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-bench-redis-'))
  const children: ChildProcess[] = []
  try {
    const redisPort = await ports()
    const redis = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    )
    children.push(redis)
    await printed(redis, 'Ready to accept connections')
    const client = new Redis({ port: redisPort, host: '127.0.0.1', disableClientInfo: true })
    const load = client.pipeline()
    for (let i = 0; i < 250; i++)
      load
        .set(`key:string:${i}`, String(i))
        .rpush(`key:list:${i}`, 'a', 'b')
        .hset(`key:hash:${i}`, 'f', 'v')
        .sadd(`key:set:${i}`, 'x')
    await load.exec()
    client.disconnect()
    const address = `redis://127.0.0.1:${redisPort}`
    const results: { label: string; ours: Latencies; theirs: Latencies }[] = []
    // [label, flags of both (name, value), our flags, their flags]
    const setups = [
      ["defaults (INFO, CONFIG, SLOWLOG, LATENCY, and the exporter's own process metrics)", [], [], []],
      [
        'Redis metrics only (--web.disable-exporter-metrics / -redis-only-metrics)',
        [],
        ['--web.disable-exporter-metrics'],
        ['-redis-only-metrics'],
      ],
      ['defaults and --check-keys over 1,000 keys', ['check-keys', 'key:*'], [], []],
    ] as const
    for (const [label, flags, ourFlags, theirFlags] of setups) {
      const [ourPort, theirPort] = [await ports(), await ports()]
      const shared = (dash: string) => flags.map((flag, i) => (i % 2 === 0 ? `${dash}${flag}` : flag))
      const ours = spawn(
        process.execPath,
        [
          ourExporter,
          '--redis.addr',
          address,
          '--web.listen-address',
          `127.0.0.1:${ourPort}`,
          ...shared('--'),
          ...ourFlags,
        ],
        { stdio: 'ignore' },
      )
      const theirs = spawn(
        'prometheus-redis-exporter',
        ['-redis.addr', address, '-web.listen-address', `127.0.0.1:${theirPort}`, ...shared('-'), ...theirFlags],
        { stdio: 'ignore' },
      )
      children.push(ours, theirs)
      const urls = [`http://127.0.0.1:${ourPort}/metrics`, `http://127.0.0.1:${theirPort}/metrics`] as const
      await Promise.all(urls.map(ready))
      const times: [number[], number[]] = [[], []]
      for (let i = 0; i < scrapes + 20; i++) {
        for (const [peer, url] of urls.entries()) {
          const started = performance.now()
          await (await fetch(url)).text()
          if (i >= 20) times[peer]?.push(performance.now() - started)
        }
      }
      const summary = (values: number[]): Latencies => ({
        median: percentile(values, 0.5),
        p99: percentile(values, 0.99),
      })
      results.push({ label, ours: summary(times[0]), theirs: summary(times[1]) })
      ours.kill()
      theirs.kill()
    }
    return results
  } finally {
    for (const child of children) child.kill()
    rmSync(dir, { recursive: true, force: true })
  }
}
