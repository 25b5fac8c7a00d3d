import { Session } from 'node:inspector/promises'
import fc from 'fast-check'
import t from 'tap'
import { Desc, type MetricFamily, Registry, constMetric, encode } from '../src/index.js'
import type { GatheredFamily } from '../src/families.js'
import { seriesOf } from '../src/series-cache.js'

// Label names out of alphabetical order, and a const label between them, so rank order must follow label names, not
// emission order.
const desc = new Desc({ name: 'cached', help: 'h', constLabels: { m: 'const' }, variableLabels: ['z', 'a'] })
const values = ['', 'x', 'x y', 'x"y', 'x\\y', 'x\ny', 'é', '10', '9', 'b']

/**
 * What a scrape must expose: the series sorted by label pairs in name order (a, then z), the first emitted of each
 * series kept.
 */
function expected(emitted: readonly (readonly [string, string, number])[]): string[] {
  const kept = new Map<string, readonly [string, string, number]>()
  for (const series of emitted)
    if (!kept.has(JSON.stringify(series.slice(0, 2)))) kept.set(JSON.stringify(series.slice(0, 2)), series)
  return [...kept.values()]
    .sort(([za, aa], [zb, ab]) => (aa !== ab ? (aa < ab ? -1 : 1) : za < zb ? -1 : za > zb ? 1 : 0))
    .map(([z, a, v]) => `${a}|${z}|${v}`)
}

/**
 * The registry's family as `a|z|value` rows, and its text encoded from the cached label blocks and from scratch (a copy
 * of the family the cache does not know).
 */
function exposed(family: MetricFamily | undefined): { rows: string[]; cached: string; fresh: string } {
  const metrics = family?.metrics ?? []
  const rows = metrics.map(
    (metric) => `${metric.labelValues[1]}|${metric.labelValues[0]}|${(metric as { value: number }).value}`,
  )
  const families = family === undefined ? [] : [family]
  return {
    rows,
    cached: encode(families, 'text'),
    fresh: encode(
      families.map(({ name, help, type, unit, metrics }) => ({ name, help, type, unit, metrics })),
      'text',
    ),
  }
}

t.test('over many scrapes of changing series, order, duplicates and text match a plain sort', async (t) => {
  const scrape = fc.array(fc.tuple(fc.constantFrom(...values), fc.constantFrom(...values), fc.integer()), {
    maxLength: 60,
  })
  let scrapes = 0
  await fc.assert(
    fc.asyncProperty(fc.array(scrape, { minLength: 1, maxLength: 8 }), async (sequence) => {
      const registry = new Registry()
      let emitted: (readonly [string, string, number])[] = []
      registry.register({
        name: 'c',
        describe: () => [desc],
        collect: (emit) => {
          for (const [z, a, v] of emitted) emit(constMetric(desc, 'gauge', v, [z, a]))
        },
      })
      for (const series of sequence) {
        emitted = series
        const { families, errors } = await registry.gather()
        const { rows, cached, fresh } = exposed(families[0])
        if (rows.join('\n') !== expected(series).join('\n') || cached !== fresh) return false
        if (errors.length !== (series.length === expected(series).length ? 0 : 1)) return false
        scrapes++
      }
      return true
    }),
    { numRuns: 150 },
  )
  t.ok(scrapes > 150, `${scrapes} scrapes checked`)
})

t.test('a duplicate found by rank is reported for the collector that emitted it second', async (t) => {
  const registry = new Registry()
  registry.register({
    name: 'first',
    describe: () => [desc],
    collect: (emit) => {
      for (const [z, a] of [
        ['2', 'p'],
        ['1', 'p'],
      ])
        emit(constMetric(desc, 'gauge', 1, [z as string, a as string]))
    },
  })
  registry.register({
    name: 'second',
    describe: () => [],
    collect: (emit) => emit(constMetric(desc, 'gauge', 2, ['1', 'p'])),
  })
  const { families, errors } = await registry.gather()
  t.equal(
    encode(families, 'text'),
    '# HELP cached h\n# TYPE cached gauge\ncached{a="p",m="const",z="1"} 1\ncached{a="p",m="const",z="2"} 1\n',
  )
  t.same(
    errors.map((error) => error.message),
    ['second: collected metric cached{a="p",m="const",z="1"} was collected before with the same name and label values'],
  )
})

t.test('a gather that emits fewer or more series than the last one exposes exactly those', async (t) => {
  const sized = new Desc({ name: 'sized', help: 'h', variableLabels: ['i'] })
  const registry = new Registry()
  let counts = [3, 1, 4, 0, 2]
  registry.register({
    name: 'sized',
    describe: () => [sized],
    collect: (emit) => {
      const [count = 0, ...rest] = counts
      counts = rest
      for (let i = 0; i < count; i++) emit(constMetric(sized, 'gauge', i + 0.5, [String(i)]))
    },
  })
  const lines = async () =>
    encode((await registry.gather()).families, 'text')
      .split('\n')
      .slice(2, -1)
  t.same(await lines(), ['sized{i="0"} 0.5', 'sized{i="1"} 1.5', 'sized{i="2"} 2.5'])
  t.equal(seriesOf(sized).emittedCount, 3, 'the next gather makes its columns this long')
  t.same(await lines(), ['sized{i="0"} 0.5'])
  t.same(await lines(), ['sized{i="0"} 0.5', 'sized{i="1"} 1.5', 'sized{i="2"} 2.5', 'sized{i="3"} 3.5'])
  t.same(await lines(), [])
  t.same(await lines(), ['sized{i="0"} 0.5', 'sized{i="1"} 1.5'])
})

t.test('series that stop being emitted are dropped from the cache, so label churn does not grow it', async (t) => {
  const churning = new Desc({ name: 'pods', help: 'h', variableLabels: ['pod'] })
  const registry = new Registry()
  let generation = 0
  registry.register({
    name: 'pods',
    describe: () => [churning],
    collect: (emit) => {
      generation++
      for (let i = 0; i < 50; i++) emit(constMetric(churning, 'gauge', i, [`pod-${generation}-${i}`]))
    },
  })
  let largest = 0
  for (let i = 0; i < 40; i++) {
    const { families } = await registry.gather()
    t.equal(families[0]?.metrics.length, 50)
    largest = Math.max(largest, seriesOf(churning).size)
  }
  // 50 live series; at most the latest two scrapes' worth plus a margin of 64 stay.
  t.ok(largest <= 2 * 50 + 64, `the cache held at most ${largest} series`)
  t.equal(encode((await registry.gather()).families, 'text').split('\n')[2], `pods{pod="pod-41-0"} 0`)
})

t.test(
  'overlapping gathers of one large collector agree, and the cache is swept only when both are done',
  async (t) => {
    const wide = new Desc({ name: 'wide', help: 'h', variableLabels: ['i'] })
    const registry = new Registry()
    let offset = 0
    registry.register({
      name: 'wide',
      describe: () => [wide],
      collect: (emit) => {
        offset += 10_000
        // Descending and shifted by 10,000 each scrape: every scrape adds new series and leaves old ones unseen.
        for (let i = 20_000; i > 0; i--) emit(constMetric(wide, 'gauge', 1, [String(offset + i).padStart(8, '0')]))
      },
    })
    const [first, second] = await Promise.all([registry.gather(), registry.gather()])
    const firstValues = first.families[0]?.metrics.map((metric) => metric.labelValues[0]) ?? []
    t.same(firstValues, [...firstValues].sort())
    t.equal(firstValues.length, 20_000)
    t.same(
      second.families[0]?.metrics.map((metric) => metric.labelValues[0]),
      firstValues.map((value) => String(Number(value) + 10_000).padStart(8, '0')),
    )
    for (let i = 0; i < 3; i++) await registry.gather()
    t.ok(seriesOf(wide).size <= 2 * 20_000 + 64, `${seriesOf(wide).size} series cached`)
  },
)

t.test(
  'families with the same labels cache them once; a constant label that another makes variable stays apart',
  async (t) => {
    const vm = ['name', 'host']
    const cpu = new Desc({ name: 'vm_cpu', help: 'h', variableLabels: vm })
    const memory = new Desc({ name: 'vm_memory', help: 'h', variableLabels: vm })
    const fixedHost = new Desc({ name: 'vm_disk', help: 'h', constLabels: { host: 'h1' }, variableLabels: ['name'] })
    const registry = new Registry()
    registry.register({
      describe: () => [cpu, memory, fixedHost],
      collect: async (emit) => {
        // The constant label's family first: its values are a prefix of the others'.
        emit(constMetric(fixedHost, 'gauge', 3, ['vm-with-a-long-name']))
        emit(constMetric(cpu, 'gauge', 1, ['vm-with-a-long-name', 'h1']))
        emit(constMetric(memory, 'gauge', 2, ['vm-with-a-long-name', 'h1']))
      },
    })
    const { families } = await registry.gather()
    const [cpuSeries, disk, memorySeries] = families.map((family) => (family as GatheredFamily).columns.series[0])
    t.equal(cpuSeries?.labels, '{host="h1",name="vm-with-a-long-name"} ')
    t.ok(cpuSeries?.labels === memorySeries?.labels && cpuSeries?.values === memorySeries?.values, 'shared')
    t.equal(disk?.labels, cpuSeries?.labels, 'the same block from a constant label')
    t.same(disk?.values, ['vm-with-a-long-name'], 'but its own values')
    t.same(cpuSeries?.values, ['vm-with-a-long-name', 'h1'])
    t.equal(
      encode(families, 'openmetrics')
        .split('\n')
        .filter((line) => line.startsWith('vm_disk{')).length,
      1,
    )
  },
)

t.test('the label sets of series no longer cached are not kept', async (t) => {
  const session = new Session()
  session.connect()
  t.teardown(() => session.disconnect())
  const liveHeapMiB = async () => {
    await session.post('HeapProfiler.collectGarbage')
    return process.memoryUsage().heapUsed / 1024 / 1024
  }
  const churning = new Desc({ name: 'jobs', help: 'h', variableLabels: ['job'] })
  let generation = 0
  const registry = new Registry()
  registry.register({
    describe: () => [churning],
    collect: async (emit) => {
      // 100 new series a gather, each label set 2 KiB: 20 MiB over the test if the table kept them.
      for (let i = 0; i < 100; i++) emit(constMetric(churning, 'gauge', i, [`${'j'.repeat(2048)}-${generation}-${i}`]))
      generation++
    },
  })
  const before = await liveHeapMiB()
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 10; i++) await registry.gather()
    await liveHeapMiB()
  }
  const after = await liveHeapMiB()
  t.ok(after - before < 8, `${(after - before).toFixed(1)} MiB kept after 10,000 label sets came and went`)
})

t.test(
  'a new series looks its labels up in at most 8 kin descriptors; kin that are gone are skipped and pruned',
  async (t) => {
    const session = new Session()
    session.connect()
    t.teardown(() => session.disconnect())
    /** The cached series of each of `descs`, each emitting the object labels given, in one registry's gather. */
    const gathered = async (emitted: readonly [Desc, string][]) => {
      const registry = new Registry()
      registry.register({
        describe: () => [...new Set(emitted.map(([desc]) => desc))],
        collect: async (emit) => {
          for (const [desc, object] of emitted) emit(constMetric(desc, 'gauge', 1, [object]))
        },
      })
      const { families } = await registry.gather()
      return new Map(families.map((family) => [family.name, (family as GatheredFamily).columns.series]))
    }
    const kinDesc = (name: string) => new Desc({ name, help: 'h', variableLabels: ['kin_object'] })
    // 64 descriptors gathered once and dropped: gone after a collection, and pruned when the 65th joins.
    for (let i = 0; i < 64; i++) await gathered([[kinDesc(`kin_gone_${i}`), 'object-long-enough-0']])
    await session.post('HeapProfiler.collectGarbage')
    const live = Array.from({ length: 9 }, (_, i) => kinDesc(`kin_live_${i}`))
    const asking = kinDesc('kin_asking')
    const series = await gathered([
      ...live.map((desc, i) => [desc, `object-long-enough-${i}`] as [Desc, string]),
      [asking, 'object-long-enough-0'],
      [asking, 'object-long-enough-8'],
    ])
    const [first, ninth] = [series.get('kin_live_0')?.[0], series.get('kin_live_8')?.[0]]
    const [withFirst, withNinth] = series.get('kin_asking') ?? []
    t.equal(withFirst?.values, first?.values, "the first live kin's values, the gone ones skipped")
    t.not(withNinth?.values, ninth?.values, 'the ninth kin is not looked at')
    t.same(withNinth?.values, ['object-long-enough-8'])
  },
)

t.test(
  "one object's families, emitted one after another, share its label block only where their constant labels agree",
  async (t) => {
    const family = (name: string, env: string) =>
      new Desc({ name, help: 'h', constLabels: { env }, variableLabels: ['object'] })
    const [upA, sizeA, upB, sizeB] = [
      family('up_a', 'a'),
      family('size_a', 'a'),
      family('up_b', 'b'),
      family('size_b', 'b'),
    ]
    // A constant label's name as another's variable one: same label names, another layout.
    const variableEnv = new Desc({ name: 'up_any', help: 'h', variableLabels: ['object', 'env'] })
    const registry = new Registry()
    registry.register({
      describe: () => [upA, sizeA, upB, sizeB, variableEnv],
      collect: (emit) => {
        for (const object of ['x', 'y']) {
          for (const desc of [upA, sizeA, upB, sizeB]) emit(constMetric(desc, 'gauge', 1, [object]))
          emit(constMetric(variableEnv, 'gauge', 1, [object, 'c']))
        }
      },
    })
    const { families } = await registry.gather()
    const series = new Map(families.map((each) => [each.name, (each as GatheredFamily).columns.series]))
    t.same(
      [...series].map(([name, of]) => `${name} ${of.map((each) => each.labels).join('')}`),
      [
        'size_a {env="a",object="x"} {env="a",object="y"} ',
        'size_b {env="b",object="x"} {env="b",object="y"} ',
        'up_a {env="a",object="x"} {env="a",object="y"} ',
        'up_any {env="c",object="x"} {env="c",object="y"} ',
        'up_b {env="b",object="x"} {env="b",object="y"} ',
      ],
    )
    t.equal(series.get('size_a')?.[1]?.labels, series.get('up_a')?.[1]?.labels, 'one block for one object and layout')
    t.equal(series.get('size_b')?.[0]?.values, series.get('up_b')?.[0]?.values, 'and one array of values')
  },
)
