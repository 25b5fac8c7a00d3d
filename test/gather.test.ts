import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import {
  type CollectContext,
  type Collector,
  Desc,
  type Emit,
  Registry,
  constHistogram,
  constMetric,
  currentCollector,
  encode,
} from '../src/index.js'

/** A collector that waits `ms` (or until aborted) and emits one gauge named after itself. */
function waiting(name: string, ms: number, track?: { now: number; max: number }): Collector {
  const desc = new Desc({ name, help: `${name} help.` })
  return {
    name,
    describe: () => [desc],
    async collect(emit: Emit, { signal }) {
      if (track) track.max = Math.max(track.max, ++track.now)
      try {
        await sleep(ms, undefined, { signal })
        emit(constMetric(desc, 'gauge', ms))
      } finally {
        if (track) track.now--
      }
    },
  }
}

t.test('20 collectors of 50 ms take about ceil(20/budget) x 50 ms and never exceed the budget', async (t) => {
  for (const budget of [1, 4, 20]) {
    const registry = new Registry({ concurrency: budget })
    const track = { now: 0, max: 0 }
    for (let i = 0; i < 20; i++) registry.register(waiting(`c${String(i).padStart(2, '0')}`, 50, track))
    const started = performance.now()
    const { families, errors, collectors } = await registry.gather()
    const elapsed = performance.now() - started
    const rounds = Math.ceil(20 / budget)
    t.equal(track.max, budget, `budget ${budget}: at most ${budget} collects in flight, and all of them used`)
    t.equal(families.length, 20)
    t.same(errors, [])
    t.equal(collectors.length, 20)
    t.ok(
      collectors.every((c) => c.success && c.durationSeconds >= 0.045),
      'each collector took its 50 ms',
    )
    // Order of magnitude only: at least the rounds it must take, well under the next order.
    t.ok(elapsed >= rounds * 50 * 0.9, `budget ${budget}: ${elapsed.toFixed(0)} ms >= ${rounds} rounds of 50 ms`)
    // An order of magnitude only, so a loaded CI machine cannot fail it; the lower bound and the counter prove the
    // budget.
    t.ok(
      elapsed < rounds * 50 * 10,
      `budget ${budget}: ${elapsed.toFixed(0)} ms is within an order of magnitude of ${rounds} rounds`,
    )
  }
})

t.test('a throwing, rejecting or misbehaving collector is reported alone and the others are served', async (t) => {
  const registry = new Registry()
  const good = waiting('good', 1)
  const partial = new Desc({ name: 'partial', help: 'h' })
  registry.register(good)
  registry.register({
    name: 'thrower',
    describe: () => [],
    collect: () => {
      throw new Error('disk on fire')
    },
  })
  registry.register({
    name: 'rejecter',
    describe: () => [partial],
    async collect(emit) {
      emit(constMetric(partial, 'gauge', 1))
      throw new Error('lost connection')
    },
  })
  registry.register({ name: 'misuser', describe: () => [], collect: (emit) => emit({ name: 'not a metric' } as never) })
  registry.register({ name: 'stringly', describe: () => [], collect: () => Promise.reject('plain string') })
  registry.register({
    name: 'bad labels',
    describe: () => [],
    collect: (emit) =>
      emit(constMetric(new Desc({ name: 'l', help: 'h', variableLabels: ['a'] }), 'gauge', 1, ['\ud800'])),
  })
  const { families, errors, collectors } = await registry.gather()
  t.same(
    families.map((f) => f.name),
    ['good'],
    'what was emitted before a failure is dropped with it',
  )
  t.same(
    errors.map((e) => [e.code, e.message]),
    [
      ['PROMKIT_ERR_COLLECT_FAILED', 'thrower: collect() failed: disk on fire'],
      ['PROMKIT_ERR_COLLECT_FAILED', 'rejecter: collect() failed: lost connection'],
      [
        'PROMKIT_ERR_COLLECT_FAILED',
        'misuser: collect() failed: emitted {"name":"not a metric"}, which is not a metric built by constMetric, constHistogram or constSummary',
      ],
      ['PROMKIT_ERR_COLLECT_FAILED', 'stringly: collect() failed: "plain string"'],
      [
        'PROMKIT_ERR_INVALID_LABEL_VALUE',
        'bad labels: collect() failed: metric "l", label "a": label value "\\ud800" is not valid UTF-8 (it has a lone surrogate)',
      ],
    ],
  )
  t.same(
    collectors.map((c) => [c.name, c.success]),
    [
      ['good', true],
      ['thrower', false],
      ['rejecter', false],
      ['misuser', false],
      ['stringly', false],
      ['bad labels', false],
    ],
  )
  t.equal(
    (errors[0] as Error & { cause: Error }).cause.message,
    'disk on fire',
    'the original error is kept as the cause',
  )
})

t.test('reportError keeps what the collector emitted and reports the errors for it', async (t) => {
  const registry = new Registry()
  const up = new Desc({ name: 'target_up', help: 'h' })
  registry.register({
    name: 'target',
    describe: () => [up],
    collect(emit, { reportError }) {
      reportError(new Error('connect ECONNREFUSED 127.0.0.1:6379'))
      reportError('and a second one')
      emit(constMetric(up, 'gauge', 0))
    },
  })
  const { families, errors, collectors } = await registry.gather()
  t.equal(
    encode(families, 'text'),
    '# HELP target_up h\n# TYPE target_up gauge\ntarget_up 0\n',
    'what it emitted is served',
  )
  t.same(
    errors.map((e) => [e.code, e.message]),
    [
      [
        'PROMKIT_ERR_COLLECT_FAILED',
        'target: collect() reported: connect ECONNREFUSED 127.0.0.1:6379; "and a second one"',
      ],
    ],
  )
  t.equal(
    (errors[0] as Error & { cause: Error }).cause.message,
    'connect ECONNREFUSED 127.0.0.1:6379',
    'the first reported error is the cause',
  )
  t.same(
    collectors.map((c) => [c.name, c.success]),
    [['target', false]],
    'the collector counts as failed',
  )
})

t.test('collect() is told when the deadline falls, or Infinity without one', async (t) => {
  const seen: number[] = []
  const registry = new Registry()
  registry.register({ name: 'clock', describe: () => [], collect: (_emit, { deadline }) => void seen.push(deadline) })
  const before = Date.now()
  await registry.gather({ timeoutMs: 5000 })
  const after = Date.now()
  await registry.gather({ timeoutMs: Infinity })
  t.ok(
    (seen[0] as number) >= before + 5000 && (seen[0] as number) <= after + 5000,
    'the deadline is the gather start plus its timeout',
  )
  t.equal(seen[1], Infinity)
})

t.test('every collect() gets its context from one class, its getters on the prototype', async (t) => {
  // An object literal with a getter would make a hidden class per call, which keeps each gather's metrics alive
  // through minor garbage collections.
  const contexts: CollectContext[] = []
  const registry = new Registry()
  registry.register({ name: 'a', describe: () => [], collect: (_emit, context) => void contexts.push(context) })
  registry.register({ name: 'b', describe: () => [], collect: (_emit, context) => void contexts.push(context) })
  await registry.gather()
  await registry.gather()
  t.equal(contexts.length, 4)
  const prototype = Object.getPrototypeOf(contexts[0])
  t.not(prototype, Object.prototype)
  t.ok(
    contexts.every((context) => Object.getPrototypeOf(context) === prototype),
    'one prototype for every context',
  )
  t.same(
    contexts.map((context) => Object.keys(context)),
    [['reportError'], ['reportError'], ['reportError'], ['reportError']],
    'signal and deadline are not own properties',
  )
  t.ok(contexts.every((context) => context.signal instanceof AbortSignal && typeof context.deadline === 'number'))
})

t.test('a collector that misses the deadline is dropped and its late emits are ignored', async (t) => {
  const registry = new Registry({ timeoutMs: 100 })
  const late = new Desc({ name: 'late', help: 'h' })
  let lateEmit: Emit | undefined
  let sawAbort = false
  registry.register(waiting('fast', 1))
  registry.register({
    name: 'hanging',
    describe: () => [late],
    collect(emit, { signal }) {
      lateEmit = emit
      signal.addEventListener('abort', () => (sawAbort = true))
      return new Promise(() => {})
    },
  })
  registry.register({
    name: 'slow-reject',
    describe: () => [],
    collect: () => sleep(300).then(() => Promise.reject(new Error('too late'))),
  })
  const started = performance.now()
  const { families, errors } = await registry.gather()
  t.ok(performance.now() - started < 1000, 'the gather ended at the deadline')
  t.ok(sawAbort, 'the collector saw its AbortSignal fire')
  t.same(
    families.map((f) => f.name),
    ['fast'],
  )
  t.same(
    errors.map((e) => e.message),
    [
      'hanging: collect() did not finish before the scrape deadline (100 ms)',
      'slow-reject: collect() did not finish before the scrape deadline (100 ms)',
    ],
  )
  lateEmit?.(constMetric(late, 'gauge', 1))
  await sleep(300)
  t.pass('a rejection after the deadline is not an unhandled rejection')
  registry.unregister({ name: 'hanging', describe: () => [late], collect() {} })
  t.same(
    (await registry.gather()).families.map((f) => f.name),
    ['fast'],
    'the late emit went nowhere',
  )
})

t.test('an infinite timeout waits for every collector', async (t) => {
  const registry = new Registry({ timeoutMs: Infinity })
  registry.register(waiting('patient', 30))
  const { families, errors } = await registry.gather()
  t.same([families.map((f) => f.name), errors], [['patient'], []])
})

t.test('collectors still queued at the deadline are reported as never started', async (t) => {
  const registry = new Registry({ concurrency: 1 })
  registry.register(waiting('first', 1000))
  registry.register(waiting('second', 1))
  const { errors, collectors } = await registry.gather({ timeoutMs: 50 })
  t.same(
    errors.map((e) => [e.code, e.message]),
    [
      ['PROMKIT_ERR_COLLECT_TIMEOUT', 'first: collect() did not finish before the scrape deadline (50 ms)'],
      [
        'PROMKIT_ERR_COLLECT_TIMEOUT',
        'second: collect() never started: the scrape deadline (50 ms) came while it waited for one of 1 workers',
      ],
    ],
  )
  t.same(
    collectors.map((c) => [c.name, c.success, c.durationSeconds === 0]),
    [
      ['first', false, false],
      ['second', false, true],
    ],
  )
})

t.test('a signal first asked for after the deadline is already aborted', async (t) => {
  const registry = new Registry({ timeoutMs: 50 })
  let abortedWhenAsked: boolean | undefined
  registry.register({
    name: 'late-asker',
    describe: () => [],
    async collect(_emit, context) {
      await sleep(100)
      abortedWhenAsked = context.signal.aborted
    },
  })
  await registry.gather()
  await sleep(100)
  t.equal(abortedWhenAsked, true)
})

t.test('an outside abort ends the gather like a deadline', async (t) => {
  const registry = new Registry()
  registry.register(waiting('slow', 5000))
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 20)
  const { errors } = await registry.gather({ signal: controller.signal })
  t.same(
    errors.map((e) => e.message),
    ['slow: collect() did not finish before the scrape was aborted'],
  )
  const aborted = AbortSignal.abort()
  const again = await registry.gather({ signal: aborted })
  t.same(
    again.errors.map((e) => e.message),
    ['slow: collect() never started: the scrape was aborted came while it waited for one of 16 workers'],
  )
})

t.test(
  'results keep registration order whatever order collectors finish in, and an empty registry gathers nothing',
  async (t) => {
    const registry = new Registry()
    registry.register(waiting('b_slow', 30))
    registry.register(waiting('a_fast', 1))
    const { collectors, families } = await registry.gather()
    t.same(
      collectors.map((c) => c.name),
      ['b_slow', 'a_fast'],
    )
    t.same(
      families.map((f) => f.name),
      ['a_fast', 'b_slow'],
      'families are sorted by name',
    )
    const empty = await new Registry().gather()
    t.same(empty, { families: [], errors: [], collectors: [] })
    t.equal(encode(empty.families, 'openmetrics'), '# EOF\n')
    t.equal(encode(empty.families, 'text'), '')
  },
)

t.test('a register() during a gather takes effect at the next gather', async (t) => {
  const registry = new Registry()
  registry.register(waiting('first', 20))
  const pending = registry.gather()
  registry.register(waiting('second', 1))
  t.same(
    (await pending).collectors.map((c) => c.name),
    ['first'],
  )
  t.same(
    (await registry.gather()).collectors.map((c) => c.name),
    ['first', 'second'],
  )
})

t.test('include runs only the named collectors', async (t) => {
  const registry = new Registry()
  for (const name of ['cpu', 'disk', 'net']) registry.register(waiting(name, 1))
  const { collectors } = await registry.gather({ include: (name) => name !== 'disk' })
  t.same(
    collectors.map((c) => c.name),
    ['cpu', 'net'],
  )
})

t.test('currentCollector names the collector whose collect() left a promise behind', async (t) => {
  const registry = new Registry()
  const seen: (string | undefined)[] = []
  registry.register({
    name: 'leaky',
    describe: () => [],
    collect() {
      setTimeout(() => seen.push(currentCollector()), 1)
    },
  })
  await registry.gather()
  await sleep(20)
  t.same(seen, ['leaky'])
  t.equal(currentCollector(), undefined)
})

t.test('families emitted per object, interleaved, and families from several sources, with kept metrics', async (t) => {
  const power = new Desc({ name: 'vm_power', help: 'Power.', variableLabels: ['vm'] })
  const cpus = new Desc({ name: 'vm_cpus', help: 'CPUs.', variableLabels: ['vm'] })
  const boot = new Desc({ name: 'vm_boot', help: 'Boot.', variableLabels: ['vm'] })
  const latency = new Desc({ name: 'vm_latency_seconds', help: 'Latency.', variableLabels: ['vm'] })
  const perVm = (vms: readonly string[]): Collector => ({
    describe: () => [power, cpus, boot, latency],
    collect: async (emit) => {
      for (const vm of vms) {
        emit(constMetric(power, 'gauge', 1, [vm]))
        emit(constMetric(cpus, 'gauge', vm.length, [vm]))
        // Kept whole: a timestamp, and a histogram's buckets.
        emit(constMetric(boot, 'gauge', 100, [vm], { timestampMs: 1_000 }))
        emit(constHistogram(latency, { count: 1, sum: 0.5, buckets: [[1, 1]] }, [vm]))
      }
    },
  })
  const registry = new Registry()
  registry.register({ ...perVm(['b', 'c']), name: 'first' } as Collector)
  // The second describes nothing (an unchecked collector), as two collectors may not describe the same descriptors.
  registry.register({ ...perVm(['a', 'dd']), name: 'second', describe: () => [] } as Collector)
  const text = encode((await registry.gather()).families, 'text')
  const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))
  t.same(samples, [
    'vm_boot{vm="a"} 100 1000',
    'vm_boot{vm="b"} 100 1000',
    'vm_boot{vm="c"} 100 1000',
    'vm_boot{vm="dd"} 100 1000',
    'vm_cpus{vm="a"} 1',
    'vm_cpus{vm="b"} 1',
    'vm_cpus{vm="c"} 1',
    'vm_cpus{vm="dd"} 2',
    ...['a', 'b', 'c', 'dd'].flatMap((vm) => [
      `vm_latency_seconds_bucket{vm="${vm}",le="1"} 1`,
      `vm_latency_seconds_bucket{vm="${vm}",le="+Inf"} 1`,
      `vm_latency_seconds_sum{vm="${vm}"} 0.5`,
      `vm_latency_seconds_count{vm="${vm}"} 1`,
    ]),
    'vm_power{vm="a"} 1',
    'vm_power{vm="b"} 1',
    'vm_power{vm="c"} 1',
    'vm_power{vm="dd"} 1',
  ])
})
