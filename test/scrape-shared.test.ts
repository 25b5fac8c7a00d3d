import t from 'tap'
import { ScrapeShared } from '../src/index.js'

/** A collect context of one scrape. */
const scrape = () => ({ signal: new AbortController().signal, deadline: Date.now() + 1000, reportError: () => {} })

/** A read that ends when told to, counting how often it started. */
function pendingReads() {
  const ends: ((value: number) => void)[] = []
  const read = () => new Promise<number>((resolve) => ends.push(resolve))
  return { read, ends }
}

t.test('the collectors of one scrape share its read; every scrape reads again', async (t) => {
  const { read, ends } = pendingReads()
  const shared = new ScrapeShared(read)
  const first = scrape()
  const a = shared.get(first)
  t.equal(shared.get(first), a, 'one read for one scrape')
  const b = shared.get(scrape())
  t.not(b, a, 'another scrape, overlapping, reads again')
  t.equal(ends.length, 2)
  ends[0]?.(1)
  ends[1]?.(2)
  t.same(await Promise.all([a, b]), [1, 2])
})

t.test(
  'overlapping: a scrape during a read shares it; after it ends, and after it fails, a new one starts',
  async (t) => {
    let started = 0
    const outcomes: (() => Promise<number>)[] = [
      () => Promise.resolve(1),
      () => Promise.reject(new Error('target down')),
      () => Promise.resolve(3),
    ]
    const shared = new ScrapeShared(() => (outcomes[started++] as () => Promise<number>)(), true)
    const a = shared.get(scrape())
    t.equal(shared.get(scrape()), a, 'a scrape during the read shares it')
    t.equal(await a, 1)
    await t.rejects(shared.get(scrape()), { message: 'target down' }, 'a new read after the first ended')
    t.equal(await shared.get(scrape()), 3, 'and another after that one failed')
    t.equal(started, 3)
  },
)
