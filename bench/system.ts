// A default scrape of our system_exporter and of Debian's node_exporter 1.5 on this machine, alternated: latency,
// the exporter's CPU time per scrape, and its memory.
import { type ChildProcess, spawn } from 'node:child_process'
import { cpuMs, peakRssMiB, percentile } from './process-stats.js'
import { ready } from './ready.js'

const ourExporter = new URL('../../collectors/system/dist/main.js', import.meta.url).pathname

/**
 * Scrapes each exporter gets before the measured ones. An exporter runs for days, so what counts is its steady state:
 * after 20 scrapes V8 is still optimizing ours (its slowest scrapes fell, run after run, around the 60th) and Go's
 * collector is still sizing its heap.
 */
const warmUpScrapes = 200

/** One exporter's figures. */
export interface SystemPeer {
  readonly families: number
  readonly medianMs: number
  readonly p99Ms: number
  readonly cpuMsPerScrape: number
  readonly rssMiB: number
}

/**
 * Starts both exporters with their defaults, scrapes each `scrapes` times, one scrape at a time and alternating, as
 * Prometheus would (gzip asked for and read whole), after {@link warmUpScrapes} each.
 */
export async function systemScrapes(
  ports: () => Promise<number>,
  scrapes: number,
): Promise<{ ours: SystemPeer; theirs: SystemPeer }> {
  const [ourPort, theirPort] = [await ports(), await ports()]
  const children: ChildProcess[] = [
    spawn('node', [ourExporter, `--web.listen-address=127.0.0.1:${ourPort}`], { stdio: 'ignore' }),
    spawn('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${theirPort}`], { stdio: 'ignore' }),
  ]
  try {
    const urls = [ourPort, theirPort].map((port) => `http://127.0.0.1:${port}/metrics`)
    await Promise.all(urls.map(ready))
    const scrape = async (url: string) => {
      const started = performance.now()
      const text = await (await fetch(url, { headers: { 'accept-encoding': 'gzip' } })).text()
      return { ms: performance.now() - started, text }
    }
    for (let i = 0; i < warmUpScrapes; i++) for (const url of urls) await scrape(url)
    const cpuBefore = children.map(cpuMs)
    const timings: number[][] = [[], []]
    const texts = ['', '']
    for (let i = 0; i < scrapes; i++) {
      for (const [peer, url] of urls.entries()) {
        const { ms, text } = await scrape(url)
        timings[peer]?.push(ms)
        texts[peer] = text
      }
    }
    const figures = (peer: number): SystemPeer => ({
      families: new Set(texts[peer]?.match(/^# TYPE node_\S+/gm)).size,
      medianMs: percentile(timings[peer] as number[], 0.5),
      p99Ms: percentile(timings[peer] as number[], 0.99),
      cpuMsPerScrape: (cpuMs(children[peer] as ChildProcess) - (cpuBefore[peer] as number)) / scrapes,
      rssMiB: peakRssMiB(children[peer] as ChildProcess),
    })
    return { ours: figures(0), theirs: figures(1) }
  } finally {
    for (const child of children) child.kill()
  }
}
