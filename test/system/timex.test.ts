// Peers: prometheus-node-exporter
// The timex collector: the kernel clock read with adjtimex(2) through koffi, side by side with Debian's
// node_exporter 1.5 on this machine, and what it does when the clock cannot be read.
import { Registry, encode, parseText } from 'promkit'
import t from 'tap'
import { AdjtimexError, type TimexReading, clockReading, timexCollectorReading } from '../../collectors/system/timex.js'
import { get, startExporter } from '../helpers/exporter-process.js'
import { startNodeExporter, systemContext, systemExporter } from '../helpers/system.js'

/** The families that do not move between two reads a moment apart (the errors grow, the offset wanders). */
const steady = /^node_timex_(sync_status|status|loop_time_constant|tick_seconds|tai_offset_seconds|pps_.*)$/

t.test(
  'side by side with node_exporter 1.5: the same families, and the same values where the clock is steady',
  async (t) => {
    const ours = await startExporter(t, systemExporter, ['--collector.disable-defaults', '--collector.timex'])
    const theirText = await (
      await fetch(await startNodeExporter(t, ['--collector.disable-defaults', '--collector.timex']))
    ).text()
    const timex = (text: string) => parseText(text).filter(({ name }) => name.startsWith('node_timex_'))
    const mine = timex((await get(`${ours.base}/metrics`)).text)
    const theirsFamilies = timex(theirText)
    t.same(
      mine.map(({ name, help, type }) => [name, help, type]).sort(),
      theirsFamilies.map(({ name, help, type }) => [name, help, type]).sort(),
    )
    const values = (families: ReturnType<typeof timex>) =>
      Object.fromEntries(
        families.filter(({ name }) => steady.test(name)).map(({ name, metrics }) => [name, metrics[0]?.value]),
      )
    t.same(values(mine), values(theirsFamilies))
  },
)

/** The timex collector's exposition with the clock read by `read`, and what it logged. */
async function collect(read: () => TimexReading): Promise<{ text: string; logged: string[] }> {
  const logged: string[] = []
  const registry = new Registry()
  registry.register(await timexCollectorReading(read).create(systemContext('/', {}, logged)))
  const { families, errors } = await registry.gather()
  if (errors.length > 0) throw errors[0]
  return { text: encode(families, 'text'), logged }
}

t.test('a clock that cannot be read: no data without permission, an error otherwise', async (t) => {
  t.throws(() => clockReading(-1, {}, () => 22), new AdjtimexError(22))
  const denied = await collect(() => clockReading(-1, {}, () => 1))
  t.equal(denied.text, '')
  t.match(denied.logged.join(''), /not allowed to read the clock: no timex data/)
  await t.rejects(
    collect(() => clockReading(-1, {}, () => 22)),
    { message: /adjtimex failed \(errno 22\)/ },
  )
  await t.rejects(
    collect(() => {
      throw new Error('libc.so.6: cannot open shared object file')
    }),
    { message: /cannot open shared object file/ },
  )
})

t.test('nanosecond resolution and an unsynchronized clock', async (t) => {
  const fields = ['offset', 'freq', 'maxerror', 'esterror', 'constant', 'tick', 'ppsfreq', 'jitter', 'shift']
  const counters = ['stabil', 'jitcnt', 'calcnt', 'errcnt', 'stbcnt', 'tai']
  const zeros = Object.fromEntries([...fields, ...counters].map((field) => [field, 0]))
  const clock = { ...zeros, state: 5, status: 0x2000 | 0x40, offset: 1500, jitter: 2000, tick: 10000 } as TimexReading
  const { text } = await collect(() => clock)
  t.match(text, /^node_timex_sync_status 0$/m)
  t.match(text, /^node_timex_offset_seconds 0\.0000015$/m)
  t.match(text, /^node_timex_pps_jitter_seconds 0\.000002$/m)
  const synced = await collect(() => ({ ...clock, state: 0, status: 0 }))
  t.match(synced.text, /^node_timex_sync_status 1$/m)
  t.match(synced.text, /^node_timex_offset_seconds 0\.0015$/m, 'microseconds without STA_NANO')
})
