// Peers: go client-golang
import { execFileSync } from 'node:child_process'
import t from 'tap'
import {
  type Collector,
  Desc,
  Registry,
  constHistogram,
  constMetric,
  constNativeHistogram,
  constSummary,
  encodeProtobuf,
  nativeBucketsOf,
} from '../src/index.js'
import { goPeerBinary } from './helpers/go-build.js'
import { decodeFamilies } from './helpers/protobuf.js'

// client_golang 1.14 (Debian's) encodes the families of test/peers/client-golang/main.go; promkit encodes the same
// data; both are decoded by protobufjs and must be the same messages.

const observations = [0, 1e-300, 0.0001, 0.3, 1, 1.5, 2, 3, 7, 100, 1e6, -0.5, -2, -2, Infinity]
const at = 1_700_000_000_123

function demo(): Collector {
  const room = new Desc({
    name: 'demo_temperature_celsius',
    help: 'Room temperature.',
    variableLabels: ['room'],
    constLabels: { site: 'lab' },
  })
  const requests = new Desc({ name: 'demo_requests_total', help: 'Requests served.', variableLabels: ['code'] })
  const other = new Desc({ name: 'demo_other', help: 'An untyped value.' })
  const latency = new Desc({ name: 'demo_latency_seconds', help: 'Request latency.', variableLabels: ['path'] })
  const size = new Desc({ name: 'demo_size_bytes', help: 'Response sizes.' })
  const native = new Desc({ name: 'demo_native_seconds', help: 'A native histogram with classic buckets alongside.' })
  return {
    describe: () => [room, requests, other, latency, size, native],
    collect(emit) {
      emit(constMetric(room, 'gauge', 21.5, ['kitchen "main" \\ back\nline']))
      emit(constMetric(room, 'gauge', -3.25, ['garage'], { timestampMs: at }))
      emit(
        constMetric(requests, 'counter', 1027, ['200'], {
          exemplar: { labels: { trace_id: 'abc123' }, value: 0.67, timestampMs: at },
        }),
      )
      emit(constMetric(requests, 'counter', 3, ['500']))
      emit(constMetric(other, 'untyped', Number.NaN))
      const exemplars = [
        { labels: { trace_id: 'def' }, value: 0.3, timestampMs: at },
        { labels: { trace_id: 'slow' }, value: 7, timestampMs: at },
      ]
      const buckets: [number, number][] = [
        [0.1, 2],
        [0.5, 6],
        [1, 9],
      ]
      emit(constHistogram(latency, { count: 10, sum: 4.5, buckets, exemplars }, ['/']))
      emit(
        constSummary(size, {
          count: 5,
          sum: 100.5,
          quantiles: [
            [0.5, 10],
            [0.9, 30],
          ],
        }),
      )
      const classic: [number, number][] = [1, 2, 4].map((bound) => [
        bound,
        observations.filter((value) => value <= bound).length,
      ])
      emit(constNativeHistogram(native, { ...nativeBucketsOf(observations, { schema: 3 }), buckets: classic }))
    },
  }
}

t.test('promkit and client_golang encode the same families to the same protobuf messages', async (t) => {
  const bin = goPeerBinary('client-golang-protobuf', [
    new URL('peers/client-golang/', import.meta.url),
    new URL('../../test/peers/client-golang/', import.meta.url),
  ])
  const theirs = decodeFamilies(execFileSync(bin, { maxBuffer: 1 << 20 }))
  const registry = new Registry()
  registry.register(demo())
  const { families, errors } = await registry.gather()
  t.same(errors, [])
  const ours = decodeFamilies(encodeProtobuf(families))
  t.equal(ours.length, 6, 'six families')
  t.same(
    ours.map((family) => family.name),
    theirs.map((family) => family.name),
    'the same families, in the same order',
  )
  for (const [i, family] of ours.entries()) t.same(family, theirs[i], `${family.name}: the same message`)
  const native = ours.find((family) => family.name === 'demo_native_seconds') as {
    metric: { histogram: { schema: number; positiveSpan: unknown[]; zeroCount: number } }[]
  }
  t.equal(native.metric[0]?.histogram.schema, 3, 'the native histogram is there, at schema 3')
  t.equal(native.metric[0]?.histogram.zeroCount, 2, 'with 0 and 1e-300 in its zero bucket')
})
