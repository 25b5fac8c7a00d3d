// Peers: promtool
import { readFileSync } from 'node:fs'
import t from 'tap'
import { type TextFormat, Registry, encode } from '../src/index.js'
import { parseExposition } from './helpers/exposition-parser.js'
import { GoldenCollector } from './helpers/golden-collector.js'
import { promtoolCheckMetrics } from './helpers/promtool.js'

const golden: Record<TextFormat, string> = {
  text: readFileSync(new URL('golden/exposition.txt', import.meta.url), 'utf8'),
  openmetrics: readFileSync(new URL('golden/exposition.om.txt', import.meta.url), 'utf8'),
}

async function goldenFamilies() {
  const registry = new Registry()
  registry.register(new GoldenCollector())
  const { families, errors } = await registry.gather()
  return { families, errors }
}

// Both encoders run through the same cases.
for (const format of ['text', 'openmetrics'] as const) {
  t.test(`${format}: every metric type, escaping and number form, exactly as written by hand`, async (t) => {
    const { families, errors } = await goldenFamilies()
    t.same(errors, [])
    t.equal(encode(families, format), golden[format])
  })

  t.test(`${format}: the golden exposition parses back to the collected values`, async (t) => {
    const parsed = parseExposition(golden[format], format)
    const sample = (name: string, labels: Record<string, string>) =>
      parsed.samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))
    t.equal(sample('app_temperature_celsius', { room: 'kitchen "main" \\ back\nline' })?.value, 21.5)
    t.equal(sample('app_temperature_celsius', { room: 'Zürich ☃ 🌡' })?.value, -3.25)
    t.equal(sample('app_special_values', { kind: 'big' })?.value, 1e21)
    t.equal(sample('app_special_values', { kind: 'small' })?.value, 1.5e-7)
    t.equal(sample('app_special_values', { kind: 'neg_inf' })?.value, -Infinity)
    t.ok(Number.isNaN(sample('app_special_values', { kind: 'nan' })?.value))
    t.equal(
      sample('app_latency_seconds_bucket', { route: '/api', le: format === 'text' ? '1e+06' : '1e+06' })?.value,
      9,
    )
    const help = parsed.help.get('app_temperature_celsius')
    t.equal(help, 'Temperature "inside" \\ the room\nmeasured by ünïcode sensors ☃.')
    const queue = sample('app_queue_length', {})
    t.equal(queue?.timestamp, format === 'text' ? 1700000000123 : 1700000000.123)
    if (format === 'openmetrics') {
      t.same(sample('app_http_requests_total', { code: '200', method: 'GET', service: 'api' })?.exemplar, {
        labels: { trace_id: 'abc123' },
        value: 0.25,
        timestamp: 1700000000.123,
      })
      t.equal(parsed.unit.get('app_latency_seconds'), 'seconds')
      t.equal(parsed.type.get('app_untyped_thing'), 'unknown')
      t.ok(parsed.sawEof)
    }
  })
}

t.test('promtool check metrics accepts the text golden with no lint finding', async (t) => {
  const result = promtoolCheckMetrics(golden.text)
  t.equal(result.stderr, '')
  t.equal(result.status, 0)
})
