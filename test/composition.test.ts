import t from 'tap'
import {
  type AlreadyRegisteredError,
  type Collector,
  Desc,
  type Emit,
  type Gatherer,
  Registry,
  cachedDescs,
  constMetric,
  encode,
  mergeGatherers,
  wrapRegisterer,
} from '../src/index.js'
import { refuses } from './helpers/refuses.js'

const requests = new Desc({ name: 'requests_total', help: 'Requests.', variableLabels: ['code'] })

function requestsCollector(name = 'requests'): Collector & { closed: number } {
  return {
    name,
    closed: 0,
    describe: () => [requests],
    collect: (emit: Emit) => emit(constMetric(requests, 'counter', 5, ['200'])),
    close() {
      this.closed++
    },
  }
}

t.test('wrapRegisterer adds a prefix and const labels to what a collector describes and emits', async (t) => {
  const registry = new Registry({ pedantic: true })
  const primary = wrapRegisterer(registry, { prefix: 'db_', constLabels: { instance: 'primary' } })
  const replica = wrapRegisterer(registry, { prefix: 'db_', constLabels: { instance: 'replica' } })
  primary.register(requestsCollector())
  replica.register(requestsCollector())
  const { families, errors } = await registry.gather()
  t.same(errors, [], 'pedantic checks pass: emitted metrics match the wrapped descriptors')
  t.equal(
    encode(families, 'text'),
    [
      '# HELP db_requests_total Requests.',
      '# TYPE db_requests_total counter',
      'db_requests_total{code="200",instance="primary"} 5',
      'db_requests_total{code="200",instance="replica"} 5',
      '',
    ].join('\n'),
  )
})

t.test("wrapping keeps the checks and hands back the user's collector", async (t) => {
  const registry = new Registry()
  const wrapped = wrapRegisterer(registry, { constLabels: { instance: 'a' } })
  const original = requestsCollector('original')
  wrapped.register(original)
  try {
    wrapped.register(requestsCollector('again'))
    t.fail('expected AlreadyRegisteredError')
  } catch (error) {
    t.equal((error as AlreadyRegisteredError).existing, original)
    t.equal((error as AlreadyRegisteredError).attempted.name, 'again')
  }
  refuses(
    t,
    () => wrapRegisterer(registry, { constLabels: { code: 'x' } }).register(requestsCollector()),
    'PROMKIT_ERR_DUPLICATE_LABEL_NAME',
    'wrapping Desc{fqName: "requests_total", help: "Requests.", constLabels: {}, variableLabels: [code]} with const label "code": the descriptor already has a label of that name',
  )
  refuses(
    t,
    () => wrapRegisterer(registry, { prefix: '9' }).register(requestsCollector()),
    'PROMKIT_ERR_INVALID_METRIC_NAME',
    'registering requests: descriptor "9requests_total": "9requests_total" is not a valid metric name (want [a-zA-Z_:][a-zA-Z0-9_:]*)',
  )
  t.equal(wrapped.unregister(original), true)
  t.equal(wrapped.unregister(original), false)
  t.same((await registry.gather()).families, [])
})

t.test('wrapped unchecked collectors can be unregistered, and close() reaches the inner collector', async (t) => {
  const registry = new Registry()
  const wrapped = wrapRegisterer(registry, { prefix: 'x_' })
  const free = new Desc({ name: 'free', help: 'h' })
  const unchecked: Collector = { describe: () => [], collect: (emit) => emit(constMetric(free, 'gauge', 1)) }
  wrapped.register(unchecked)
  t.same(
    (await registry.gather()).families.map((f) => f.name),
    ['x_free'],
  )
  refuses(
    t,
    () => wrapped.register(unchecked),
    'PROMKIT_ERR_ALREADY_REGISTERED',
    'registering anonymous: a collector with the same descriptors (anonymous) is already registered',
  )
  t.equal(wrapped.unregister(unchecked), true)
  const closable = requestsCollector()
  wrapped.register(closable)
  t.equal(wrapped.unregister(requestsCollector()), true, 'checked collectors unregister by descriptors')
  const inner = requestsCollector()
  const probe = new Registry()
  let wrapper: Collector | undefined
  wrapRegisterer({ register: (c) => (wrapper = c), unregister: () => false }, { prefix: 'p_' }).register(inner)
  await wrapper?.close?.()
  t.equal(inner.closed, 1)
  const noClose: Collector = { describe: () => [], collect() {} }
  wrapRegisterer({ register: (c) => (wrapper = c), unregister: () => false }, {}).register(noClose)
  t.equal(await wrapper?.close?.(), undefined)
  t.same((await probe.gather()).families, [])
})

t.test('unchecked wrapped collectors that emit a clashing label fail at collect time', async (t) => {
  const registry = new Registry()
  wrapRegisterer(registry, { constLabels: { code: 'x' } }).register({
    name: 'u',
    describe: () => [],
    collect: (emit) => emit(constMetric(requests, 'counter', 1, ['200'])),
  })
  const { errors } = await registry.gather()
  t.same(
    errors.map((e) => e.message),
    [
      'u: collect() failed: wrapping Desc{fqName: "requests_total", help: "Requests.", constLabels: {}, variableLabels: [code]} with const label "code": the descriptor already has a label of that name',
    ],
  )
})

t.test('mergeGatherers serves several registries as one scrape, with the same checks', async (t) => {
  const a = new Registry()
  const b = new Registry()
  const up = new Desc({ name: 'up', help: 'Up.', variableLabels: ['job'] })
  a.register({ name: 'a', describe: () => [up], collect: (emit) => emit(constMetric(up, 'gauge', 1, ['a'])) })
  b.register({
    name: 'b',
    describe: () => [up],
    collect: (emit) => [constMetric(up, 'gauge', 1, ['b']), constMetric(up, 'gauge', 0, ['a'])].forEach(emit),
  })
  const other = new Desc({ name: 'up', help: 'Different.' })
  const c = new Registry()
  c.register({ name: 'c', describe: () => [other], collect: (emit) => emit(constMetric(other, 'gauge', 1)) })
  const failing: Gatherer = { gather: () => Promise.reject(new Error('remote registry unreachable')) }
  const failingOddly: Gatherer = { gather: () => Promise.reject(42) }
  const broken = new Registry()
  broken.register({ name: 'broken', describe: () => [], collect: () => Promise.reject(new Error('nope')) })
  const merged = mergeGatherers([a, b, c, failing, failingOddly, broken])
  const { families, errors, collectors } = await merged.gather()
  t.equal(encode(families, 'text'), '# HELP up Up.\n# TYPE up gauge\nup{job="a"} 1\nup{job="b"} 1\n')
  t.same(
    errors.map((e) => e.message),
    [
      'broken: collect() failed: nope',
      'gatherer #4: gather() failed: remote registry unreachable',
      'gatherer #5: gather() failed: 42',
      'gatherer #3: collected metric "up" has help "Different." but should have help "Up." (as first collected from gatherer #1)',
      'gatherer #2: collected metric up{job="a"} was collected before with the same name and label values',
    ],
    'errors of the gatherers come first, then what the merge found',
  )
  t.same(
    collectors.map((o) => [o.name, o.success]),
    [
      ['a', true],
      ['b', true],
      ['c', true],
      ['broken', false],
    ],
  )
})

t.test('cachedDescs builds each descriptor once', async (t) => {
  let built = 0
  const descFor = cachedDescs((field) => {
    built++
    return new Desc({ name: `field_${field}`, help: 'h' })
  })
  t.equal(descFor('a'), descFor('a'), 'the same descriptor object for the same key')
  t.not(descFor('a'), descFor('b'))
  t.equal(built, 2)
})

t.test('mergeGatherers passes a checked family with unique names through untouched', async (t) => {
  const big = new Registry()
  const series = new Desc({ name: 'big_series', help: 'h', variableLabels: ['i'] })
  big.register({
    name: 'big',
    describe: () => [series],
    collect: (emit) => {
      for (const i of ['b', 'a', 'c']) emit(constMetric(series, 'gauge', 1, [i]))
    },
  })
  const small = new Registry()
  const up = new Desc({ name: 'up', help: 'Up.' })
  small.register({ name: 'small', describe: () => [up], collect: (emit) => emit(constMetric(up, 'gauge', 1)) })
  const first = new Registry()
  const early = new Desc({ name: 'aa_first', help: 'First by name.' })
  first.register({ name: 'first', describe: () => [early], collect: (emit) => emit(constMetric(early, 'gauge', 1)) })
  const bigResult = await big.gather()
  const merged = await mergeGatherers([first, small, { gather: async () => bigResult }]).gather()
  t.equal(merged.families[1], bigResult.families[0], 'the same family object: not checked and sorted again')
  t.same(
    merged.families.map((f) => f.name),
    ['aa_first', 'big_series', 'up'],
    "in name order, whatever the gatherers' order",
  )
  t.same(merged.errors, [])
})

t.test('mergeGatherers still checks everything of a gatherer that is not a registry', async (t) => {
  const desc = new Desc({ name: 'handmade', help: 'h', variableLabels: ['i'] })
  const metrics = [
    constMetric(desc, 'gauge', 1, ['b']),
    constMetric(desc, 'gauge', 2, ['a']),
    constMetric(desc, 'gauge', 3, ['b']),
  ]
  const handmade: Gatherer = {
    gather: async () => ({
      families: [{ name: 'handmade', help: 'h', type: 'gauge', unit: '', metrics }],
      errors: [],
      collectors: [],
    }),
  }
  const merged = await mergeGatherers([handmade]).gather()
  t.same(
    merged.families[0]?.metrics.map((m) => m.labelValues[0]),
    ['a', 'b'],
    'sorted, the duplicate dropped',
  )
  t.same(
    merged.errors.map((e) => e.message),
    ['gatherer #1: collected metric handmade{i="b"} was collected before with the same name and label values'],
  )
})
