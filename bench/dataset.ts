// The benchmark's data set, built the same way for every peer: families of 100 gauge series, 3 labels each.
import { setImmediate as nextTurn } from 'node:timers/promises'
import * as client from 'prom-client'
import { type Collector, Desc, Registry, constHistogram, constMetric } from 'promkit'

export const seriesPerFamily = 100
/** How many series the promkit collector emits before it lets the event loop run. */
const seriesPerTurn = 4096
export const histogramBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** The label values of every series, built once as an exporter keeps its targets' names: a, b and c of series i. */
function labelTable(series: number): [string, string, string][] {
  return Array.from({ length: series }, (_, i) => [
    `host-${i % 100}`,
    `region-${Math.floor(i / 100) % 7}`,
    `shard-${i}`,
  ])
}

/** promkit: a collector emitting N const gauges per scrape (values change every scrape). */
export function gaugeCollector(series: number): Collector {
  const families = Math.ceil(series / seriesPerFamily)
  const descs = Array.from(
    { length: families },
    (_, f) => new Desc({ name: `bench_family_${f}`, help: `Benchmark family ${f}.`, variableLabels: ['a', 'b', 'c'] }),
  )
  const table = labelTable(series)
  let scrape = 0
  return {
    name: 'bench',
    describe: () => descs,
    // A collector of this size lets the event loop run now and then, as README advises for big collectors.
    async collect(emit) {
      scrape++
      for (let i = 0; i < series; i++) {
        if (i > 0 && i % seriesPerTurn === 0) await nextTurn()
        emit(
          constMetric(
            descs[Math.floor(i / seriesPerFamily)] as Desc,
            'gauge',
            i + scrape,
            table[i] as [string, string, string],
          ),
        )
      }
    },
  }
}

/** promkit: a registry holding {@link gaugeCollector}, all checks on. */
export function promkitGauges(series: number): Registry {
  const registry = new Registry()
  registry.register(gaugeCollector(series))
  return registry
}

/** prom-client, idiomatically: Gauges whose collect() sets every series on each scrape. */
export function promClientGauges(series: number): client.Registry {
  const registry = new client.Registry()
  const families = Math.ceil(series / seriesPerFamily)
  const table = labelTable(series)
  let scrape = 0
  for (let f = 0; f < families; f++) {
    new client.Gauge({
      name: `bench_family_${f}`,
      help: `Benchmark family ${f}.`,
      labelNames: ['a', 'b', 'c'],
      registers: [registry],
      collect() {
        if (f === 0) scrape++
        for (let i = f * seriesPerFamily; i < Math.min(series, (f + 1) * seriesPerFamily); i++) {
          const [a, b, c] = table[i] as [string, string, string]
          this.set({ a, b, c }, i + scrape)
        }
      },
    })
  }
  return registry
}

/** Cumulative bucket counts of series i (the same numbers for both peers). */
function bucketCounts(i: number): number[] {
  return histogramBuckets.map((_, b) => (i % 13) * (b + 1))
}

/**
 * The observations behind series i, in order: each bucket's bound as often as the bucket grew, then one above all
 * buckets.
 */
function observations(i: number): number[] {
  const counts = bucketCounts(i)
  const values: number[] = []
  histogramBuckets.forEach((le, b) => {
    for (let n = b === 0 ? 0 : (counts[b - 1] as number); n < (counts[b] as number); n++) values.push(le)
  })
  values.push(100)
  return values
}

/** promkit: N const histograms per scrape, from data read once (as prom-client's histograms hold theirs). */
export function promkitHistograms(series: number): Registry {
  const families = Math.ceil(series / seriesPerFamily)
  const descs = Array.from(
    { length: families },
    (_, f) =>
      new Desc({
        name: `bench_latency_${f}_seconds`,
        help: `Benchmark histogram ${f}.`,
        variableLabels: ['a', 'b', 'c'],
      }),
  )
  const table = labelTable(series)
  const data = Array.from({ length: series }, (_, i) => {
    const counts = bucketCounts(i)
    const seen = observations(i)
    return {
      labels: table[i] as [string, string, string],
      count: seen.length,
      sum: seen.reduce((total, value) => total + value, 0),
      buckets: histogramBuckets.map((le, b) => [le, counts[b] as number] as const),
    }
  })
  const registry = new Registry()
  registry.register({
    name: 'bench',
    describe: () => descs,
    collect(emit) {
      data.forEach((series, i) => {
        emit(constHistogram(descs[Math.floor(i / seriesPerFamily)] as Desc, series, series.labels))
      })
    },
  })
  return registry
}

/** prom-client: Histograms holding the same counts (observed once at set-up; a scrape only reads them). */
export function promClientHistograms(series: number): client.Registry {
  const registry = new client.Registry()
  const families = Math.ceil(series / seriesPerFamily)
  const histograms = Array.from(
    { length: families },
    (_, f) =>
      new client.Histogram({
        name: `bench_latency_${f}_seconds`,
        help: `Benchmark histogram ${f}.`,
        labelNames: ['a', 'b', 'c'],
        buckets: histogramBuckets,
        registers: [registry],
      }),
  )
  const table = labelTable(series)
  for (let i = 0; i < series; i++) {
    const [a, b, c] = table[i] as [string, string, string]
    const histogram = histograms[Math.floor(i / seriesPerFamily)] as client.Histogram
    for (const value of observations(i)) histogram.observe({ a, b, c }, value)
  }
  return registry
}
