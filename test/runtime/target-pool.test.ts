import t from 'tap'
import type { PromkitError } from '../../src/errors.js'
import { TargetPool } from '../../src/runtime/target-pool.js'

/** A connection that records when it is closed. */
function recorder(closed: string[]) {
  return (name: string) => () => ({ name, close: () => void closed.push(name) })
}

t.test('one connection per key, reused; the least recently used free one makes room', async (t) => {
  const closed: string[] = []
  const open = recorder(closed)
  const pool = new TargetPool(2, 60_000)
  const get = (key: string) => {
    const scrape = pool.scope()
    const connection = scrape.connections.get(key, open(key))
    scrape.release()
    return connection
  }
  t.equal(get('a'), get('a'), 'the same key is the same connection')
  get('b')
  get('a')
  get('c')
  t.same(closed, ['b'], 'b was used least recently, so it made room for c')
  t.same(pool.stats, { open: 2, evicted: 1, refused: 0 })
  pool.close()
  t.same(closed.sort(), ['a', 'b', 'c'])
  t.same(pool.stats, { open: 0, evicted: 1, refused: 0 })
})

t.test('a connection held by a running scrape is never closed; when all are held, the scrape is refused', async (t) => {
  const closed: string[] = []
  const open = recorder(closed)
  const pool = new TargetPool(1, 0)
  const running = pool.scope()
  running.connections.get('a', open('a'))
  await new Promise((resolve) => setTimeout(resolve, 5))
  const other = pool.scope()
  const error = t.throws(() => other.connections.get('b', open('b'))) as PromkitError
  t.same(
    [error.code, error.message],
    ['PROMKIT_ERR_POOL_FULL', 'all 1 target connections are in use by scrapes (--multi-target.max-connections)'],
  )
  t.same(closed, [], 'not closed while held, even past the idle time')
  t.same(pool.stats, { open: 1, evicted: 0, refused: 1 })
  running.release()
  other.connections.get('b', open('b'))
  t.same(closed, ['a'], 'once released, it is closed as idle to make room')
  t.same(pool.stats, { open: 1, evicted: 0, refused: 1 })
})
