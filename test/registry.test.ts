import t from 'tap'
import { AlreadyRegisteredError, type Collector, Desc, type Emit, Registry, constMetric } from '../src/index.js'
import { refuses } from './helpers/refuses.js'

/** A collector that describes the given descriptors and emits one gauge per descriptor without variable labels. */
function collectorOf(name: string, ...descs: Desc[]): Collector {
  return {
    name,
    describe: () => descs,
    collect(emit: Emit) {
      for (const desc of descs) if (desc.variableLabels.length === 0) emit(constMetric(desc, 'gauge', 1))
    },
  }
}

const up = (constLabels?: Record<string, string>) => new Desc({ name: 'up', help: 'Up.', constLabels })

t.test('an invalid descriptor surfaces at register, naming the collector and the part', async (t) => {
  const registry = new Registry()
  refuses(
    t,
    () => registry.register(collectorOf('bad', new Desc({ name: 'ok', help: 'h', variableLabels: ['__x'] }))),
    'PROMKIT_ERR_INVALID_LABEL_NAME',
    'registering bad: descriptor "ok": label name "__x" starts with "__", which is reserved for Prometheus',
  )
  refuses(
    t,
    () => registry.register({ name: 'liar', describe: () => ['up' as unknown as Desc], collect() {} }),
    'PROMKIT_ERR_INVALID_OPTION',
    'registering liar: describe() returned "up", which is not a Desc',
  )
})

t.test('the same name and const label values twice is refused, showing the existing owner', async (t) => {
  const registry = new Registry()
  registry.register(collectorOf('first', up({ instance: 'a' })))
  registry.register(collectorOf('second', up({ instance: 'b' })))
  refuses(
    t,
    () => registry.register(collectorOf('third', up({ instance: 'a' }), new Desc({ name: 'other', help: 'o' }))),
    'PROMKIT_ERR_DUPLICATE_DESCRIPTOR',
    'registering third: descriptor Desc{fqName: "up", help: "Up.", constLabels: {instance="a"}, variableLabels: []} already exists with the same fully-qualified name and const label values (registered by first)',
  )
  const { families } = await registry.gather()
  t.same(
    families.map((f) => f.metrics.length),
    [2],
    'the refused collector was not half-registered',
  )
})

t.test('one name must keep one help, unit and label set, printing both descriptors', async (t) => {
  const registry = new Registry()
  registry.register(collectorOf('first', new Desc({ name: 'x', help: 'one', constLabels: { a: '1' } })))
  refuses(
    t,
    () => registry.register(collectorOf('second', new Desc({ name: 'x', help: 'two', constLabels: { a: '2' } }))),
    'PROMKIT_ERR_DESCRIPTOR_CONFLICT',
    'registering second: descriptor Desc{fqName: "x", help: "two", constLabels: {a="2"}, variableLabels: []} has different label names, help or unit than the previously registered Desc{fqName: "x", help: "one", constLabels: {a="1"}, variableLabels: []}',
  )
  refuses(
    t,
    () => registry.register(collectorOf('third', new Desc({ name: 'x', help: 'one', variableLabels: ['a'] }))),
    'PROMKIT_ERR_DESCRIPTOR_CONFLICT',
    'registering third: descriptor Desc{fqName: "x", help: "one", constLabels: {}, variableLabels: [a]} has different label names, help or unit than the previously registered Desc{fqName: "x", help: "one", constLabels: {a="1"}, variableLabels: []}',
  )
  refuses(
    t,
    () =>
      registry.register(
        collectorOf(
          'fourth',
          new Desc({ name: 'y', help: 'h' }),
          new Desc({ name: 'y', help: 'h', constLabels: { b: '1' } }),
        ),
      ),
    'PROMKIT_ERR_DESCRIPTOR_CONFLICT',
    'registering fourth: descriptor Desc{fqName: "y", help: "h", constLabels: {b="1"}, variableLabels: []} has different label names, help or unit than the previously registered Desc{fqName: "y", help: "h", constLabels: {}, variableLabels: []}',
  )
  registry.register(collectorOf('fifth', new Desc({ name: 'x', help: 'one', constLabels: { a: '2' } })))
  t.pass('same help and label names with other const values is fine')
})

t.test('the name check lasts for the registry lifetime, even after unregistering', async (t) => {
  const registry = new Registry()
  const first = collectorOf('first', new Desc({ name: 'x', help: 'one' }))
  registry.register(first)
  t.equal(registry.unregister(first), true)
  refuses(
    t,
    () => registry.register(collectorOf('second', new Desc({ name: 'x', help: 'two' }))),
    'PROMKIT_ERR_DESCRIPTOR_CONFLICT',
    'registering second: descriptor Desc{fqName: "x", help: "two", constLabels: {}, variableLabels: []} has different label names, help or unit than the previously registered Desc{fqName: "x", help: "one", constLabels: {}, variableLabels: []}',
  )
  registry.register(collectorOf('third', new Desc({ name: 'x', help: 'one' })))
  t.pass('the same descriptor can come back')
})

t.test('registering the same collector twice gives AlreadyRegisteredError carrying both', async (t) => {
  const registry = new Registry()
  const original = collectorOf('original', up(), new Desc({ name: 'y', help: 'h' }))
  const twin = collectorOf('twin', new Desc({ name: 'y', help: 'h' }), up(), up())
  registry.register(original)
  try {
    registry.register(twin)
    t.fail('expected AlreadyRegisteredError')
  } catch (error) {
    t.ok(error instanceof AlreadyRegisteredError)
    const already = error as AlreadyRegisteredError
    t.equal(already.existing, original, 'the caller can reuse the registered collector')
    t.equal(already.attempted, twin)
    t.equal(already.code, 'PROMKIT_ERR_ALREADY_REGISTERED')
    t.equal(already.message, 'registering twin: a collector with the same descriptors (original) is already registered')
  }
})

t.test('unchecked collectors skip register-time checks but not twice-registration', async (t) => {
  const registry = new Registry()
  const unchecked: Collector = { describe: () => [], collect: (emit) => emit(constMetric(up(), 'gauge', 1)) }
  registry.register(unchecked)
  registry.register(collectorOf('checked', new Desc({ name: 'up', help: 'Different help.' })))
  refuses(
    t,
    () => registry.register(unchecked),
    'PROMKIT_ERR_ALREADY_REGISTERED',
    'registering anonymous: a collector with the same descriptors (anonymous) is already registered',
  )
  t.equal(registry.unregister(unchecked), true)
  t.equal(registry.unregister(unchecked), false)
})

t.test('unregister matches by descriptors and frees their ids', async (t) => {
  const registry = new Registry()
  registry.register(collectorOf('a', up()))
  t.equal(registry.unregister(collectorOf('a-again', up())), true, 'an equal set of descriptors matches')
  t.equal(registry.unregister(collectorOf('a-again', up())), false)
  registry.register(collectorOf('b', up()))
  const { families } = await registry.gather()
  t.equal(families[0]?.metrics.length, 1)
})

t.test('options are validated', async (t) => {
  refuses(
    t,
    () => new Registry({ concurrency: 0 }),
    'PROMKIT_ERR_INVALID_OPTION',
    'concurrency must be a positive integer, got 0',
  )
  refuses(
    t,
    () => new Registry({ concurrency: 1.5 }),
    'PROMKIT_ERR_INVALID_OPTION',
    'concurrency must be a positive integer, got 1.5',
  )
  refuses(
    t,
    () => new Registry({ timeoutMs: -1 }),
    'PROMKIT_ERR_INVALID_OPTION',
    'timeoutMs must be a positive number of milliseconds up to 2147483647 (or Infinity), got -1',
  )
  refuses(
    t,
    () => new Registry({ timeoutMs: 2 ** 31 }),
    'PROMKIT_ERR_INVALID_OPTION',
    'timeoutMs must be a positive number of milliseconds up to 2147483647 (or Infinity), got 2147483648',
  )
  t.equal(new Registry({ timeoutMs: Infinity }).timeoutMs, Infinity, 'Infinity: no deadline, as documented')
  const registry = new Registry({ timeoutMs: Infinity, concurrency: 2, pedantic: true })
  t.same([registry.timeoutMs, registry.concurrency, registry.pedantic], [Infinity, 2, true])
  const defaults = new Registry()
  t.same([defaults.timeoutMs, defaults.concurrency, defaults.pedantic], [10_000, 16, false])
})

t.test('collector names: explicit, class name, or anonymous', async (t) => {
  class DiskCollector implements Collector {
    describe() {
      return [new Desc({ name: 'disk', help: 'h' })]
    }
    collect() {}
  }
  const registry = new Registry()
  registry.register(new DiskCollector())
  refuses(
    t,
    () => registry.register(new DiskCollector()),
    'PROMKIT_ERR_ALREADY_REGISTERED',
    'registering DiskCollector: a collector with the same descriptors (DiskCollector) is already registered',
  )
})

t.test('errorMessage follows the cause chain, Go style, without repeating what the message says', async (t) => {
  const { errorMessage } = await import('../src/errors.js')
  const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
  t.equal(
    errorMessage(new TypeError('fetch failed', { cause: new Error('other side closed', { cause: reset }) })),
    'fetch failed: other side closed: read ECONNRESET',
  )
  t.equal(
    errorMessage(new Error('cannot connect: read ECONNRESET', { cause: reset })),
    'cannot connect: read ECONNRESET',
    'a cause already in the message is not repeated',
  )
  t.equal(errorMessage(new Error('failed', { cause: 'a string' })), 'failed: "a string"')
  t.equal(errorMessage('thrown text'), '"thrown text"')
  let deep: Error = new Error('level 9')
  for (let level = 8; level >= 0; level--) deep = new Error(`level ${level}`, { cause: deep })
  t.equal(errorMessage(deep), 'level 0: level 1: level 2: level 3: level 4: level 5', 'at most five causes deep')
})
