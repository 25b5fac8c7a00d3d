import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { EventLoopDelay } from '../../src/runtime/event-loop-delay.js'

t.test('nothing sampled: zeros, and a mean that is not a number', async (t) => {
  const delay = new EventLoopDelay()
  delay.read()
  t.same(delay.read(), { min: 0, max: 0, mean: Number.NaN, p50: 0, p90: 0, p99: 0 })
})

t.test('ticks 2, 4 and 6 ms late: their minimum, maximum, mean and percentiles, then a fresh start', async (t) => {
  const delay = new EventLoopDelay()
  // The first tick sets when the next is due (10 ms later); what it recorded is read away.
  delay.sample(1_000)
  delay.read()
  delay.sample(1_012)
  delay.sample(1_026)
  delay.sample(1_042)
  const reading = delay.read()
  t.same([reading.min, reading.max, reading.mean], [0.002, 0.006, 0.004])
  // Percentiles to two significant figures: the top of the histogram bucket each falls in.
  t.ok(reading.p50 >= 0.004 && reading.p50 < 0.00404, `p50 ${reading.p50}`)
  t.ok(reading.p90 >= 0.006 && reading.p90 < 0.00606, `p90 ${reading.p90}`)
  t.equal(reading.p99, reading.p90)
  t.same(delay.read().max, 0, 'each read starts again')
})

t.test('a tick never counts as early', async (t) => {
  const delay = new EventLoopDelay()
  delay.sample(1_000)
  delay.read()
  delay.sample(1_009.5)
  t.equal(delay.read().max, 0.000001, 'one microsecond, the least recorded')
})

t.test('its timer sees the loop blocked', async (t) => {
  const delay = new EventLoopDelay()
  await sleep(30)
  delay.read()
  const until = performance.now() + 50
  while (performance.now() < until) {
    // Blocks the event loop for 50 ms.
  }
  await sleep(30)
  const { max } = delay.read()
  t.ok(max >= 0.04, `the longest delay, ${max} s, holds most of the 50 ms block`)
})
