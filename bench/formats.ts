// The exposition formats side by side on the same gathered families: promkit's text encoder, its protobuf writer,
// and the same protobuf written with protobufjs (the well-kept library the hand-written writer was measured against).
import protobuf from 'protobufjs'
import { type MetricFamily, encode, encodeProtobuf } from 'promkit'
import { labelValueAt } from '../src/series-cache.js'
import { promkitGauges } from './dataset.js'
import { median } from './process-stats.js'

const schema = new URL('../../test/fixtures/metrics.proto', import.meta.url).pathname
const metricTypes = { counter: 0, gauge: 1, summary: 2, untyped: 3, histogram: 4 } as const

/** Gauge families as protobufjs writes them: message objects built from the families, then encoded, delimited. */
function protobufjsEncoder(): (families: readonly MetricFamily[]) => Uint8Array {
  const family = protobuf.loadSync(schema).lookupType('io.prometheus.client.MetricFamily')
  return (families) => {
    const writer = protobuf.Writer.create()
    for (const { name, help, type, metrics } of families) {
      const metric = metrics.map((m) => ({
        label: m.desc.labelNames.map((label, i) => ({ name: label, value: labelValueAt(m.desc, m.labelValues, i) })),
        gauge: { value: m.type === 'gauge' ? m.value : 0 },
      }))
      family.encodeDelimited({ name, help, type: metricTypes[type], metric }, writer)
    }
    return writer.finish()
  }
}

/** Median encode times (ms) and sizes (bytes) of one gather of `series` gauges in each format, the three alternated. */
export async function timeFormats(series: number, runs: number) {
  const { families } = await promkitGauges(series).gather()
  const viaLibrary = protobufjsEncoder()
  const encoders = {
    text: () => encode(families, 'text').length,
    protobuf: () => encodeProtobuf(families).length,
    protobufjs: () => viaLibrary(families).length,
  }
  const times: Record<keyof typeof encoders, number[]> = { text: [], protobuf: [], protobufjs: [] }
  const bytes: Record<keyof typeof encoders, number> = { text: 0, protobuf: 0, protobufjs: 0 }
  for (let run = 0; run < runs + 3; run++) {
    for (const [format, encoder] of Object.entries(encoders) as [keyof typeof encoders, () => number][]) {
      const started = performance.now()
      bytes[format] = encoder()
      if (run >= 3) times[format].push(performance.now() - started)
    }
  }
  return {
    textMs: median(times.text),
    protobufMs: median(times.protobuf),
    protobufjsMs: median(times.protobufjs),
    textBytes: Buffer.byteLength(encode(families, 'text')),
    protobufBytes: bytes.protobuf,
    protobufjsBytes: bytes.protobufjs,
  }
}
