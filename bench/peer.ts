// One peer in its own process, so a measurement never shares the CPU (or the garbage collector) with
// another peer or the load generator:
// `node peer.js <promkit|promkit-handler|prom-client> <serve|memory|encode-gauges|encode-histograms> <series> [port|runs]`.
import { createServer } from 'node:http'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { Readable } from 'node:stream'
import { Registry, encodeChunks, encodeStream, metricsHandler } from 'promkit'
import { SelfMetrics, collectorOutcomes } from '../src/runtime/self-metrics.js'
import { defineExporter } from 'promkit/exporter'
import { timeFormats } from './formats.js'
import { gaugeCollector, promClientGauges, promClientHistograms, promkitGauges, promkitHistograms } from './dataset.js'

const [peer, mode, seriesText, portText] = process.argv.slice(2) as [string, string, string, string | undefined]
const series = Number(seriesText)

if (mode.startsWith('encode-')) {
  // gather+encode into the body's bytes (promkit, as client_golang's peer does) or collect()+metrics() into a string
  // (prom-client), `portText` times after warming up (at least 3 runs and 1 s, so the JIT compiler has settled, as an
  // exporter's is after its first minutes); prints the median.
  const runs = Number(portText)
  const histograms = mode === 'encode-histograms'
  const scrape: () => Promise<unknown> =
    peer === 'promkit'
      ? ((registry) => async () => [...encodeChunks((await registry.gather()).families, 'text')])(
          histograms ? promkitHistograms(series) : promkitGauges(series),
        )
      : (
          (registry) => () =>
            registry.metrics()
        )(histograms ? promClientHistograms(series) : promClientGauges(series))
  const warmUntil = performance.now() + 1000
  for (let i = 0; i < 3 || performance.now() < warmUntil; i++) await scrape()
  const times: number[] = []
  let cpuMs = 0
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    const cpuBefore = process.cpuUsage()
    await scrape()
    times.push(performance.now() - started)
    // User and system time of the whole process, the garbage collector's threads included (as Go's getrusage counts).
    const cpu = process.cpuUsage(cpuBefore)
    cpuMs += (cpu.user + cpu.system) / 1000
  }
  times.sort((a, b) => a - b)
  process.stdout.write(`${JSON.stringify({ medianMs: times[Math.floor(times.length / 2)], cpuMs: cpuMs / runs })}\n`)
} else if (mode === 'formats') {
  process.stdout.write(`${JSON.stringify(await timeFormats(series, Number(portText)))}\n`)
} else if (mode === 'self') {
  // The exporter's own metrics (self-metrics, per-collector outcomes, process and Node runtime metrics): the
  // time they add to a gather+encode of an exporter with no collectors, the two registries alternated.
  const build = { version: '0', revision: 'r', branch: 'b', date: 'd' }
  const bare = new Registry()
  const own = new Registry()
  own.registerReporter(collectorOutcomes('bench'))
  own.registerReporter(new SelfMetrics('bench', build, true))
  const timeOne = async (registry: Registry): Promise<number> => {
    const started = performance.now()
    void [...encodeChunks((await registry.gather()).families, 'text')]
    return performance.now() - started
  }
  const bareUs: number[] = []
  const ownUs: number[] = []
  for (let i = 0; i < series + 200; i++) {
    const [a, b] = [await timeOne(bare), await timeOne(own)]
    if (i >= 200) {
      bareUs.push(a * 1000)
      ownUs.push(b * 1000)
    }
  }
  const median = (values: number[]) => values.sort((x, y) => x - y)[Math.floor(values.length / 2)] as number
  process.stdout.write(`${JSON.stringify({ bareUs: median(bareUs), ownUs: median(ownUs) })}\n`)
} else if (mode === 'serve' && peer === 'promkit') {
  // The exporter runtime serving the benchmark collector (no self-metrics, so both peers serve the same series).
  await defineExporter({
    name: 'bench_exporter',
    description: 'Benchmark.',
    version: '0',
    defaultListenAddress: `127.0.0.1:${portText}`,
    namespace: '',
    envPrefix: 'BENCH',
    collectors: [{ name: 'bench', defaultEnabled: true, create: () => gaugeCollector(series) }],
  }).start(['node', 'bench', '--web.disable-exporter-metrics', '--log.level', 'error', '--web.max-requests', '0'], {})
  process.stdout.write('ready\n')
} else if (mode === 'serve' && peer === 'promkit-handler') {
  // promkit's handler on node:http, serving a registry: what the Go peer is (promhttp.HandlerFor on net/http).
  const handle = metricsHandler(promkitGauges(series))
  createServer(handle).listen(Number(portText), '127.0.0.1', () => process.stdout.write('ready\n'))
} else if (mode === 'serve') {
  const registry = promClientGauges(series)
  createServer(async (_request, response) => {
    const text = await registry.metrics()
    response.writeHead(200, { 'content-type': registry.contentType }).end(text)
  }).listen(Number(portText), '127.0.0.1', () => process.stdout.write('ready\n'))
} else {
  // memory: large scrapes, with RSS and heap sampled every 5 ms and a 1 ms timer whose delays show any blocking
  // stretch.
  // The first scrape is measured, and the third: the first meets empty caches (promkit's series cache, prom-client's
  // label hashes), later ones are what every scrape after it costs.
  const delays = monitorEventLoopDelay({ resolution: 1 })
  let rss = 0
  let heap = 0
  const sample = () => {
    const usage = process.memoryUsage()
    rss = Math.max(rss, usage.rss)
    heap = Math.max(heap, usage.heapUsed)
  }
  const sampler = setInterval(sample, 5)
  // A 1 ms timer alongside the scrape; the longest gap between its ticks is the longest blocking stretch.
  let lastTick = performance.now()
  let longestGap = 0
  const tick = setInterval(() => {
    const now = performance.now()
    longestGap = Math.max(longestGap, now - lastTick)
    lastTick = now
  }, 1)
  // The registries are built before the measurement: it covers the scrape, not setting up 1,000 descriptors.
  const promkitRegistry = peer === 'promkit' ? promkitGauges(series) : undefined
  const promClientRegistry = peer === 'promkit' ? undefined : promClientGauges(series)
  const scrape = async (): Promise<number> => {
    if (promkitRegistry === undefined)
      return (await (promClientRegistry as NonNullable<typeof promClientRegistry>).metrics()).length
    const { families } = await promkitRegistry.gather()
    let bytes = 0
    for await (const chunk of Readable.from(encodeStream(families, 'text'))) bytes += (chunk as Buffer).length
    return bytes
  }
  const measure = async () => {
    heap = 0
    delays.reset()
    delays.enable()
    // Let both take a few samples first: a block that starts before the first sample is not recorded.
    await new Promise((resolve) => setTimeout(resolve, 20))
    longestGap = 0
    const bytes = await scrape()
    // Let the 1 ms timer fire once more, so a delay caused by a synchronous stretch at the end is recorded too.
    await new Promise((resolve) => setTimeout(resolve, 20))
    delays.disable()
    sample()
    return {
      rssMiB: rss / 2 ** 20,
      heapMiB: heap / 2 ** 20,
      maxDelayMs: delays.max / 1e6,
      longestGapMs: longestGap,
      bytes,
    }
  }
  const rssBeforeMiB = process.memoryUsage().rss / 2 ** 20
  const first = await measure()
  await scrape()
  const later = await measure()
  clearInterval(sampler)
  clearInterval(tick)
  process.stdout.write(`${JSON.stringify({ rssBeforeMiB, first, later })}\n`)
}
