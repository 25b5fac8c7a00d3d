import t from 'tap'
import { Desc, descsIn } from '../src/index.js'

t.test('builds the full name from namespace, subsystem and name', async (t) => {
  t.equal(
    new Desc({ namespace: 'redis', subsystem: 'memory', name: 'used_bytes', help: 'h' }).fqName,
    'redis_memory_used_bytes',
  )
  t.equal(new Desc({ namespace: 'redis', name: 'up', help: 'h' }).fqName, 'redis_up')
  t.equal(new Desc({ name: 'up', help: 'h' }).fqName, 'up')
})

t.test('a valid descriptor has no error, sorted label names and a readable toString', async (t) => {
  const desc = new Desc({
    name: 'x',
    help: 'say "hi"',
    constLabels: { zone: 'a', app: 'b' },
    variableLabels: ['mode', 'cpu'],
  })
  t.equal(desc.error, undefined)
  t.same(desc.labelNames, ['app', 'cpu', 'mode', 'zone'])
  t.same(desc.labelSlots, [~0, 1, 0, ~1])
  t.same(desc.constValues, ['b', 'a'])
  t.equal(
    desc.toString(),
    'Desc{fqName: "x", help: "say \\"hi\\"", constLabels: {app="b",zone="a"}, variableLabels: [mode,cpu]}',
  )
  t.ok(Object.isFrozen(desc))
  t.equal(
    new Desc({ name: 'x_seconds', help: '', unit: 'seconds' }).toString(),
    'Desc{fqName: "x_seconds", help: "", constLabels: {}, variableLabels: [], unit: "seconds"}',
  )
})

const invalid: [string, ConstructorParameters<typeof Desc>[0], string, string][] = [
  [
    'metric name starting with a digit',
    { name: '1x', help: 'h' },
    'PROMKIT_ERR_INVALID_METRIC_NAME',
    'descriptor "1x": "1x" is not a valid metric name (want [a-zA-Z_:][a-zA-Z0-9_:]*)',
  ],
  [
    'empty name',
    { name: '', help: 'h' },
    'PROMKIT_ERR_INVALID_METRIC_NAME',
    'descriptor "": "" is not a valid metric name (want [a-zA-Z_:][a-zA-Z0-9_:]*)',
  ],
  [
    'dash in a namespace',
    { namespace: 'my-app', name: 'up', help: 'h' },
    'PROMKIT_ERR_INVALID_METRIC_NAME',
    'descriptor "my-app_up": "my-app_up" is not a valid metric name (want [a-zA-Z_:][a-zA-Z0-9_:]*)',
  ],
  [
    'colon in a label name',
    { name: 'x', help: 'h', variableLabels: ['a:b'] },
    'PROMKIT_ERR_INVALID_LABEL_NAME',
    'descriptor "x": "a:b" is not a valid label name (want [a-zA-Z_][a-zA-Z0-9_]*)',
  ],
  [
    'reserved label prefix',
    { name: 'x', help: 'h', constLabels: { __name: 'v' } },
    'PROMKIT_ERR_INVALID_LABEL_NAME',
    'descriptor "x": label name "__name" starts with "__", which is reserved for Prometheus',
  ],
  [
    'label both const and variable',
    { name: 'x', help: 'h', constLabels: { a: '1' }, variableLabels: ['a'] },
    'PROMKIT_ERR_DUPLICATE_LABEL_NAME',
    'descriptor "x": label "a" is named both a const and a variable label',
  ],
  [
    'variable label twice',
    { name: 'x', help: 'h', variableLabels: ['a', 'b', 'a'] },
    'PROMKIT_ERR_DUPLICATE_LABEL_NAME',
    'descriptor "x": label "a" is named twice',
  ],
  [
    'const label value with a lone surrogate',
    { name: 'x', help: 'h', constLabels: { a: '\ud800' } },
    'PROMKIT_ERR_INVALID_LABEL_VALUE',
    'descriptor "x", const label "a": label value "\\ud800" is not valid UTF-8 (it has a lone surrogate)',
  ],
  [
    'help that is not a string',
    { name: 'x', help: 7 as unknown as string },
    'PROMKIT_ERR_INVALID_HELP',
    'descriptor "x": help 7 must be a well-formed string',
  ],
  [
    'unit that is not the suffix',
    { name: 'latency', help: 'h', unit: 'seconds' },
    'PROMKIT_ERR_INVALID_UNIT',
    'descriptor "latency": unit "seconds" must be made of [a-zA-Z0-9_:] and the name must end with "_seconds" (optionally followed by "_total")',
  ],
  [
    'unit with a bad character',
    { name: 'x_a-b', help: 'h', unit: 'a-b' },
    'PROMKIT_ERR_INVALID_METRIC_NAME',
    'descriptor "x_a-b": "x_a-b" is not a valid metric name (want [a-zA-Z_:][a-zA-Z0-9_:]*)',
  ],
  [
    'unit with a bad character on a valid name',
    { name: 'x_ab', help: 'h', unit: 'a b' },
    'PROMKIT_ERR_INVALID_UNIT',
    'descriptor "x_ab": unit "a b" must be made of [a-zA-Z0-9_:] and the name must end with "_a b" (optionally followed by "_total")',
  ],
]

t.test('an invalid descriptor records an error that names the offending part, and never throws', async (t) => {
  for (const [what, options, code, message] of invalid) {
    const desc = new Desc(options)
    t.equal(desc.error?.code, code, what)
    t.equal(desc.error?.message, message, what)
  }
})

t.test('a unit may precede _total', async (t) => {
  t.equal(new Desc({ name: 'cpu_seconds_total', help: 'h', unit: 'seconds' }).error, undefined)
})

t.test('identity and dimensions', async (t) => {
  const a = new Desc({ name: 'x', help: 'h', constLabels: { b: '2', a: '1' }, variableLabels: ['v'] })
  const b = new Desc({ name: 'x', help: 'h', constLabels: { a: '1', b: '2' }, variableLabels: ['v'] })
  t.equal(a.id, b.id, 'const label order does not matter')
  t.equal(a.dimensions, b.dimensions)
  const constVsVariable1 = new Desc({ name: 'x', help: 'h', constLabels: { a: '1' } })
  const constVsVariable2 = new Desc({ name: 'x', help: 'h', variableLabels: ['a'] })
  t.not(constVsVariable1.dimensions, constVsVariable2.dimensions, 'const and variable labels are told apart')
})

t.test('descsIn lists the descriptors of a group in order, through objects, arrays and maps', async (t) => {
  const desc = (name: string) => new Desc({ name, help: 'h' })
  const [a, b, c, d] = [desc('a'), desc('b'), desc('c'), desc('d')]
  const group = { a, nested: { b, absent: undefined, list: [c] }, byName: new Map([['d', d]]) }
  t.same(
    descsIn(group).map((each) => each.fqName),
    ['a', 'b', 'c', 'd'],
  )
  t.same(descsIn({}), [])
})
