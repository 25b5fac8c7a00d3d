import t from 'tap'
import {
  type Collector,
  Desc,
  Registry,
  type ScrapeReporter,
  type ScrapeSummary,
  constMetric,
  encode,
} from '../src/index.js'
import { refuses } from './helpers/refuses.js'

const gauge = (name: string, value = 1): Collector => {
  const desc = new Desc({ name, help: `${name}.` })
  return { name, describe: () => [desc], collect: (emit) => emit(constMetric(desc, 'gauge', value)) }
}

/** A reporter that keeps every summary it is given and emits one gauge per collector with its success. */
function successReporter(seen: ScrapeSummary[]): ScrapeReporter {
  const success = new Desc({
    name: 'collector_ok',
    help: 'Whether a collector succeeded.',
    variableLabels: ['collector'],
  })
  return {
    name: 'outcomes',
    describe: () => [success],
    report(emit, summary) {
      seen.push(summary)
      for (const outcome of summary.collectors)
        emit(constMetric(success, 'gauge', outcome.success ? 1 : 0, [outcome.name]))
    },
  }
}

t.test(
  'a reporter runs once per gather, after the collectors, and sees what the gather-time checks found',
  async (t) => {
    const registry = new Registry()
    const seen: ScrapeSummary[] = []
    registry.registerReporter(successReporter(seen))
    registry.register(gauge('a_value'))
    // Unchecked, and emitting a series a_value already has: the gather-time check drops it and fails the collector.
    const copyDesc = new Desc({ name: 'a_value', help: 'a_value.' })
    registry.register({
      name: 'copycat',
      describe: () => [],
      collect: (emit) => emit(constMetric(copyDesc, 'gauge', 2)),
    })
    const { families, errors, collectors } = await registry.gather()
    t.equal(
      encode(families, 'text'),
      [
        '# HELP a_value a_value.',
        '# TYPE a_value gauge',
        'a_value 1',
        '# HELP collector_ok Whether a collector succeeded.',
        '# TYPE collector_ok gauge',
        'collector_ok{collector="a_value"} 1',
        'collector_ok{collector="copycat"} 0',
        '',
      ].join('\n'),
    )
    t.same(
      errors.map((error) => error.code),
      ['PROMKIT_ERR_DUPLICATE_SERIES'],
    )
    t.same(
      collectors.map((outcome) => outcome.name),
      ['a_value', 'copycat'],
      'the reporter is not one of the collectors',
    )
    t.equal(seen.length, 1)
    t.same(
      seen[0]?.errors.map((error) => error.code),
      ['PROMKIT_ERR_DUPLICATE_SERIES'],
    )
    t.ok((seen[0]?.durationSeconds ?? -1) >= 0)
  },
)

t.test('include chooses collectors only: reporters always run', async (t) => {
  const registry = new Registry()
  const seen: ScrapeSummary[] = []
  registry.registerReporter(successReporter(seen))
  registry.register(gauge('a_value'))
  registry.register(gauge('b_value'))
  const { families } = await registry.gather({ include: (name) => name === 'b_value' })
  t.same(
    families.map((family) => family.name),
    ['b_value', 'collector_ok'],
  )
  t.same(
    seen[0]?.collectors.map((outcome) => outcome.name),
    ['b_value'],
  )
})

t.test('reporters are checked like collectors, and a failing one costs only its own metrics', async (t) => {
  const registry = new Registry()
  registry.register(gauge('a_value'))
  const clash = new Desc({ name: 'a_value', help: 'Another help.' })
  refuses(
    t,
    () => registry.registerReporter({ describe: () => [clash], report() {} }),
    'PROMKIT_ERR_DESCRIPTOR_CONFLICT',
    'registering reporter: descriptor Desc{fqName: "a_value", help: "Another help.", constLabels: {}, variableLabels: []} has different label names, help or unit than the previously registered Desc{fqName: "a_value", help: "a_value.", constLabels: {}, variableLabels: []}',
  )
  const broken = new Desc({ name: 'broken_total', help: 'Never served.' })
  registry.registerReporter({
    name: 'broken',
    describe: () => [broken],
    report(emit) {
      emit(constMetric(broken, 'counter', 1))
      throw new Error('out of numbers')
    },
  })
  const { families, errors } = await registry.gather()
  t.same(
    families.map((family) => family.name),
    ['a_value'],
  )
  t.same(
    errors.map((error) => [error.code, error.message]),
    [['PROMKIT_ERR_COLLECT_FAILED', 'broken: report() failed: out of numbers']],
  )
})

t.test("a reported family that an unchecked collector's names already use is dropped and reported", async (t) => {
  const registry = new Registry()
  const seen: ScrapeSummary[] = []
  registry.registerReporter(successReporter(seen))
  const histogramLike = new Desc({ name: 'collector_ok_count', help: 'Sneaky.' })
  const plain = new Desc({ name: 'z_last', help: 'Last.' })
  registry.register({
    name: 'sneaky',
    describe: () => [],
    collect: (emit) => {
      emit(constMetric(histogramLike, 'gauge', 1))
      emit(constMetric(plain, 'gauge', 1))
    },
  })
  const { families, errors } = await registry.gather()
  t.same(
    families.map((family) => family.name),
    ['collector_ok', 'collector_ok_count', 'z_last'],
    'two gauges claim only their own names, merged in order',
  )
  t.same(
    errors.map((error) => error.message),
    [],
  )
  const counter = new Desc({ name: 'collector_ok', help: 'Taken first.' })
  registry.register({ name: 'first', describe: () => [], collect: (emit) => emit(constMetric(counter, 'counter', 3)) })
  const second = await registry.gather()
  t.same(
    second.families.map((family) => family.name),
    ['collector_ok', 'collector_ok_count', 'z_last'],
  )
  t.same(
    second.errors.map((error) => [error.code, error.message]),
    [
      [
        'PROMKIT_ERR_NAME_COLLISION',
        'outcomes: gauge "collector_ok" collides with counter "collector_ok" (from a collector) on the sample name "collector_ok"',
      ],
    ],
  )
})
