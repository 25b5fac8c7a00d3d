import { Session } from 'node:inspector/promises'
import t from 'tap'
import { Desc, Registry, constMetric, encode } from '../src/index.js'
import { ownedString } from '../src/owned-string.js'

const mebibyte = 1024 * 1024

/** The heap in use after a full collection, in MiB. */
async function liveHeapMiB(session: Session): Promise<number> {
  await session.post('HeapProfiler.collectGarbage')
  return process.memoryUsage().heapUsed / mebibyte
}

t.test('a cached label value cut from a large text does not keep the text alive', async (t) => {
  const session = new Session()
  session.connect()
  t.teardown(() => session.disconnect())
  const desc = new Desc({ name: 'sensor_state', help: 'A sensor.', variableLabels: ['name'] })
  const registry = new Registry()
  // The value is cut from a 64 MiB text, as a name parsed from a large answer is.
  let answer: string | undefined = `${'x'.repeat(64 * mebibyte)}${Math.random()}`
  let name: string | undefined = answer.slice(1000, 1040)
  registry.register({
    describe: () => [desc],
    collect: async (emit) => {
      if (name !== undefined) emit(constMetric(desc, 'gauge', 1, [name]))
    },
  })
  const before = await liveHeapMiB(session)
  const exposition = encode((await registry.gather()).families, 'text')
  answer = undefined
  name = undefined
  const after = await liveHeapMiB(session)
  t.match(exposition, `sensor_state{name="${'x'.repeat(40)}"} 1`)
  t.ok(before - after > 60, `the text is collected once dropped (${before.toFixed(0)} → ${after.toFixed(0)} MiB)`)
})

t.test('owned strings are equal to what they copy', async (t) => {
  const long = `${'y'.repeat(100)}"\\\n\u2028é`
  t.equal(ownedString(long.slice(3)), long.slice(3))
  t.equal(ownedString('short'), 'short')
  t.equal(ownedString(''), '')
})
