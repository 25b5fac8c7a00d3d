import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { withTimeLimit } from '../src/index.js'

t.test('withTimeLimit: the work, or what late() gives once the time is up', async (t) => {
  t.equal(await withTimeLimit(Promise.resolve('done'), 1000, () => 'late'), 'done')
  t.equal(await withTimeLimit(sleep(1000, 'done'), 10, () => 'late'), 'late')
  t.equal(await withTimeLimit(sleep(50, 'done'), -5, () => 'late'), 'late', 'no time left: late at once')
  t.equal(await withTimeLimit(sleep(20, 'done'), Infinity, () => 'late'), 'done', 'no deadline: waits for the work')
  t.equal(
    await withTimeLimit(sleep(20, 'done'), 2 ** 31, () => 'late'),
    'done',
    'a limit past what a timer can wait is no limit, not a timer that fires at once',
  )
  let lateCalls = 0
  t.equal(await withTimeLimit(Promise.resolve('done'), 50, () => ++lateCalls), 'done')
  await sleep(60)
  t.equal(lateCalls, 0, 'late() is not called when the work finished in time')
  await t.rejects(
    withTimeLimit(Promise.reject(new Error('refused')), 1000, () => 'late'),
    { message: 'refused' },
    "a failure before the time is up is the work's own",
  )
  const slowFailure = sleep(30).then(() => Promise.reject(new Error('too late to matter')))
  t.equal(await withTimeLimit(slowFailure, 5, () => 'late'), 'late')
  await sleep(40)
  t.pass('a failure after the time is up is not left unhandled')
  await t.rejects(
    withTimeLimit(sleep(1000), 5, () => {
      throw new Error('given up')
    }),
    { message: 'given up' },
    'late() throwing fails the wait with its error',
  )
})
