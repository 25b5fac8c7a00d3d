import { type Collector, Desc, constHistogram, constMetric, constSummary, type Emit } from '../../src/index.js'

// One collector that emits every metric type and every tricky value the encoders must handle.
// test/golden/exposition.txt and exposition.om.txt are its expected output, written by hand.

const requests = new Desc({
  namespace: 'app',
  name: 'http_requests_total',
  help: 'HTTP requests.',
  variableLabels: ['method', 'code'],
  constLabels: { service: 'api' },
})
const latency = new Desc({
  namespace: 'app',
  name: 'latency_seconds',
  help: 'Request latency.',
  variableLabels: ['route'],
  unit: 'seconds',
})
const queue = new Desc({ namespace: 'app', name: 'queue_length', help: 'Jobs waiting.' })
const rpc = new Desc({ namespace: 'app', name: 'rpc_duration_seconds', help: 'RPC latency.' })
const special = new Desc({
  namespace: 'app',
  name: 'special_values',
  help: 'Values that need care when written.',
  variableLabels: ['kind'],
})
const temperature = new Desc({
  namespace: 'app',
  name: 'temperature_celsius',
  help: 'Temperature "inside" \\ the room\nmeasured by ünïcode sensors ☃.',
  variableLabels: ['room'],
  unit: 'celsius',
})
const untyped = new Desc({ namespace: 'app', name: 'untyped_thing', help: 'Something of unknown type.' })

export const goldenDescs = [requests, latency, queue, rpc, special, temperature, untyped]

/** Emits the golden metrics, deliberately out of order. */
export class GoldenCollector implements Collector {
  readonly name = 'golden'
  describe(): Desc[] {
    return goldenDescs
  }
  collect(emit: Emit): void {
    emit(constMetric(untyped, 'untyped', 42))
    emit(constMetric(temperature, 'gauge', 21.5, ['kitchen "main" \\ back\nline']))
    emit(constMetric(temperature, 'gauge', -3.25, ['Zürich ☃ 🌡']))
    emit(constMetric(requests, 'counter', 2, ['POST', '500']))
    emit(
      constMetric(requests, 'counter', 10, ['GET', '200'], {
        exemplar: { labels: { trace_id: 'abc123' }, value: 0.25, timestampMs: 1700000000123 },
      }),
    )
    emit(
      constHistogram(
        latency,
        {
          count: 10,
          sum: 12.5,
          buckets: [
            [0.005, 1],
            [0.1, 4],
            [1, 7],
            [1e6, 9],
          ],
          exemplars: [{ labels: { trace_id: 'xyz' }, value: 0.05 }],
        },
        ['/api'],
      ),
    )
    emit(constMetric(queue, 'gauge', 7, [], { timestampMs: 1700000000123 }))
    emit(
      constSummary(rpc, {
        count: 100,
        sum: 3.4,
        quantiles: [
          [0.99, 0.2],
          [0.5, 0.012],
          [0.9, 0.05],
        ],
      }),
    )
    const values: [string, number][] = [
      ['nan', NaN],
      ['pos_inf', Infinity],
      ['neg_inf', -Infinity],
      ['big', 1e21],
      ['small', 1.5e-7],
      ['negative_zero', -0],
      ['integer', 123456789],
      ['fraction', 0.1],
    ]
    for (const [kind, value] of values) emit(constMetric(special, 'gauge', value, [kind]))
  }
}
