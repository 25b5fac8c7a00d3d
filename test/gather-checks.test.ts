import t from 'tap'
import {
  type Collector,
  Desc,
  type Emit,
  type Metric,
  Registry,
  constHistogram,
  constMetric,
  constSummary,
  encode,
} from '../src/index.js'

/** An unchecked collector (describes nothing) that emits what `build` returns. */
function emitting(name: string, build: () => Metric[]): Collector {
  return { name, describe: () => [], collect: (emit: Emit) => build().forEach(emit) }
}

async function gatherOf(...collectors: Collector[]) {
  const registry = new Registry()
  for (const collector of collectors) registry.register(collector)
  return registry.gather()
}

const messages = (errors: readonly Error[]) => errors.map((e) => `${(e as Error & { code: string }).code} ${e.message}`)

t.test('a duplicate series is dropped and reported; the first one emitted wins', async (t) => {
  const desc = new Desc({ name: 'dup', help: 'h', variableLabels: ['a'] })
  const { families, errors, collectors } = await gatherOf(
    emitting('one', () => [
      constMetric(desc, 'gauge', 1, ['x']),
      constMetric(desc, 'gauge', 2, ['y']),
      constMetric(desc, 'gauge', 3, ['x']),
    ]),
    emitting('two', () => [constMetric(desc, 'gauge', 4, ['y'])]),
    emitting('clean', () => []),
  )
  t.same(
    collectors.map((c) => [c.name, c.success]),
    [
      ['one', false],
      ['two', false],
      ['clean', true],
    ],
    'a collector whose series were dropped did not succeed',
  )
  t.same(
    families[0]?.metrics.map((m) => [m.labelValues[0], (m as { value: number }).value]),
    [
      ['x', 1],
      ['y', 2],
    ],
  )
  t.same(messages(errors), [
    'PROMKIT_ERR_DUPLICATE_SERIES one: collected metric dup{a="x"} was collected before with the same name and label values',
    'PROMKIT_ERR_DUPLICATE_SERIES two: collected metric dup{a="y"} was collected before with the same name and label values',
  ])
})

t.test('the same series through const and variable labels is a duplicate too', async (t) => {
  const viaConst = new Desc({ name: 'mix', help: 'h', constLabels: { a: '1' } })
  const viaVariable = new Desc({ name: 'mix', help: 'h', variableLabels: ['a'] })
  const { families, errors } = await gatherOf(
    emitting('c', () => [constMetric(viaConst, 'gauge', 1), constMetric(viaVariable, 'gauge', 2, ['1'])]),
  )
  t.equal(families[0]?.metrics.length, 1)
  t.same(messages(errors), [
    'PROMKIT_ERR_DUPLICATE_SERIES c: collected metric mix{a="1"} was collected before with the same name and label values',
  ])
})

t.test('repeated problems of one kind are counted, not repeated', async (t) => {
  const desc = new Desc({ name: 'dup', help: 'h', variableLabels: ['a'] })
  const { errors } = await gatherOf(
    emitting('flood', () => Array.from({ length: 1000 }, (_, i) => constMetric(desc, 'gauge', i, [String(i % 10)]))),
  )
  t.equal(errors.length, 1)
  t.equal(errors[0]?.occurrences, 990)
})

t.test('one name with two types, two help strings or two units is a family conflict', async (t) => {
  const asGauge = new Desc({ name: 'thing_seconds', help: 'h' })
  const otherHelp = new Desc({ name: 'thing_seconds', help: 'other', constLabels: { b: '1' } })
  const withUnit = new Desc({ name: 'thing_seconds', help: 'h', constLabels: { c: '1' }, unit: 'seconds' })
  const { families, errors } = await gatherOf(
    emitting('first', () => [constMetric(asGauge, 'gauge', 1)]),
    emitting('second', () => [constMetric(asGauge, 'counter', 1, [])]),
    emitting('third', () => [constMetric(otherHelp, 'gauge', 1)]),
    emitting('fourth', () => [constMetric(withUnit, 'gauge', 1)]),
  )
  t.equal(families[0]?.metrics.length, 1)
  t.same(messages(errors), [
    'PROMKIT_ERR_FAMILY_CONFLICT second: collected metric "thing_seconds" has type "counter" but should have type "gauge" (as first collected from first)',
    'PROMKIT_ERR_FAMILY_CONFLICT third: collected metric "thing_seconds" has help "other" but should have help "h" (as first collected from first)',
    'PROMKIT_ERR_FAMILY_CONFLICT fourth: collected metric "thing_seconds" has unit "seconds" but should have unit "" (as first collected from first)',
  ])
})

t.test("names that collide with another family's samples are refused", async (t) => {
  const d = (name: string) => new Desc({ name, help: 'h' })
  const histogram = (name: string) => constHistogram(d(name), { count: 1, sum: 1, buckets: [] })
  const summary = (name: string) => constSummary(d(name), { count: 1, sum: 1, quantiles: [] })
  const gauge = (name: string) => constMetric(d(name), 'gauge', 1)
  const counter = (name: string) => constMetric(d(name), 'counter', 1)
  const cases: [Metric, Metric, string][] = [
    [
      histogram('h'),
      gauge('h_bucket'),
      'gauge "h_bucket" collides with histogram "h" (from first) on the sample name "h_bucket"',
    ],
    [
      gauge('h_count'),
      histogram('h'),
      'histogram "h" collides with gauge "h_count" (from first) on the sample name "h_count"',
    ],
    [summary('s'), gauge('s_sum'), 'gauge "s_sum" collides with summary "s" (from first) on the sample name "s_sum"'],
    [
      counter('c'),
      gauge('c_total'),
      'gauge "c_total" collides with counter "c" (from first) on the sample name "c_total"',
    ],
    [counter('c_total'), gauge('c'), 'gauge "c" collides with counter "c_total" (from first) on the sample name "c"'],
    [
      counter('c_total'),
      counter('c'),
      'counter "c" collides with counter "c_total" (from first) on the sample name "c"',
    ],
  ]
  for (const [first, second, message] of cases) {
    const { families, errors } = await gatherOf(
      emitting('first', () => [first]),
      emitting('second', () => [second]),
    )
    t.same(
      families.map((f) => f.name),
      [first.desc.fqName],
    )
    t.same(messages(errors), [`PROMKIT_ERR_NAME_COLLISION second: ${message}`])
  }
  const fine = await gatherOf(
    emitting('ok', () => [gauge('h_bucket'), gauge('h_count'), counter('x_total'), gauge('x_created')]),
  )
  t.same(fine.errors, [], 'suffixes alone are fine when no family owns the base name')
})

t.test('le on a histogram and quantile on a summary are refused', async (t) => {
  const withLe = new Desc({ name: 'h', help: 'h', variableLabels: ['le'] })
  const withQuantile = new Desc({ name: 's', help: 'h', constLabels: { quantile: '0.5' } })
  const { families, errors } = await gatherOf(
    emitting('c', () => [
      constHistogram(withLe, { count: 1, sum: 1, buckets: [] }, ['1']),
      constSummary(withQuantile, { count: 1, sum: 1, quantiles: [] }),
      constMetric(withLe, 'gauge', 1, ['fine on a gauge']),
    ]),
  )
  t.same(
    families.map((f) => [f.name, f.type]),
    [['h', 'gauge']],
  )
  t.same(messages(errors), [
    'PROMKIT_ERR_RESERVED_LABEL c: histogram "h" has a label named "le", which the histogram sets itself',
    'PROMKIT_ERR_RESERVED_LABEL c: summary "s" has a label named "quantile", which the summary sets itself',
  ])
})

t.test('pedantic mode refuses metrics from descriptors the collector did not describe', async (t) => {
  const described = new Desc({ name: 'described', help: 'h' })
  const hidden = new Desc({ name: 'hidden', help: 'h' })
  const collector: Collector = {
    name: 'sneaky',
    describe: () => [described],
    collect: (emit) => [constMetric(described, 'gauge', 1), constMetric(hidden, 'gauge', 2)].forEach(emit),
  }
  const lenient = new Registry()
  lenient.register(collector)
  t.same(
    (await lenient.gather()).families.map((f) => f.name),
    ['described', 'hidden'],
    'without pedantic mode, undescribed metrics pass',
  )
  const pedantic = new Registry({ pedantic: true })
  pedantic.register(collector)
  pedantic.register(emitting('unchecked', () => [constMetric(new Desc({ name: 'free', help: 'h' }), 'gauge', 3)]))
  const { families, errors } = await pedantic.gather()
  t.same(
    families.map((f) => f.name),
    ['described', 'free'],
    'unchecked collectors are not held to a description',
  )
  t.same(messages(errors), [
    'PROMKIT_ERR_UNDESCRIBED_METRIC sneaky: collected metric "hidden" has descriptor Desc{fqName: "hidden", help: "h", constLabels: {}, variableLabels: []} that the collector did not describe',
  ])
})

t.test('series are sorted by label pairs, across descriptors with different label sets', async (t) => {
  const byRegion = new Desc({ name: 'm', help: 'h', variableLabels: ['region', 'az'] })
  const withExtra = new Desc({ name: 'm', help: 'h', constLabels: { az: 'z' }, variableLabels: ['b'] })
  const bare = new Desc({ name: 'm', help: 'h', constLabels: { region: 'us' } })
  const { families, errors } = await gatherOf(
    emitting('c', () => [
      constMetric(byRegion, 'gauge', 1, ['eu', 'b']),
      constMetric(withExtra, 'gauge', 2, ['x']),
      constMetric(byRegion, 'gauge', 3, ['eu', 'a']),
      constMetric(bare, 'gauge', 4),
      constMetric(withExtra, 'gauge', 5, ['w']),
    ]),
  )
  t.same(errors, [])
  t.equal(
    encode(families, 'text'),
    [
      '# HELP m h',
      '# TYPE m gauge',
      'm{az="a",region="eu"} 3',
      'm{az="b",region="eu"} 1',
      'm{az="z",b="w"} 5',
      'm{az="z",b="x"} 2',
      'm{region="us"} 4',
      '',
    ].join('\n'),
  )
})
