import { execFile } from 'node:child_process'
import { PerformanceObserver, constants } from 'node:perf_hooks'
import { promisify } from 'node:util'
import t from 'tap'
import { collectAfterScrapes } from '../../src/runtime/heap-growth.js'

const run = promisify(execFile)
const workload = new URL('../fixtures/heap-growth-workload.ts', import.meta.url).pathname

/** Full collections in a fixed workload (300k objects live, 4M promoted and dropped) at `--runtime.gc-percent`. */
async function fullCollections(percent: number): Promise<number> {
  // The parent's loader and coverage flags, so that the workload runs promkit's sources as this test does.
  const { stdout } = await run(process.execPath, [...process.execArgv, workload, String(percent)], { timeout: 60_000 })
  return Number(stdout.trim())
}

t.test('--runtime.gc-percent bounds how far the heap grows between full collections, as GOGC does', async (t) => {
  const [adaptive, tight, goDefault] = (await Promise.all([0, 10, 100].map(fullCollections))) as [
    number,
    number,
    number,
  ]
  t.ok(adaptive > 0, `V8's own factor: ${adaptive} full collections`)
  t.ok(tight > 2 * adaptive, `10%: ${tight} full collections, more than twice V8's`)
  t.ok(goDefault > adaptive && goDefault < tight, `100%: ${goDefault}, between the two`)
})

t.test('--runtime.gc-after-scrape: a full collection on the turn after the last scrape is answered', async (t) => {
  const kinds: number[] = []
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) kinds.push((entry as unknown as { detail: { kind: number } }).detail.kind)
  })
  observer.observe({ entryTypes: ['gc'] })
  const collect = collectAfterScrapes()
  collect()
  t.same(kinds, [], 'not while the answer is still being sent')
  await new Promise((resolve) => setImmediate(resolve))
  await new Promise((resolve) => setTimeout(resolve, 50))
  observer.disconnect()
  t.ok(kinds.includes(constants.NODE_PERFORMANCE_GC_MAJOR), `a full collection (kinds ${kinds.join(', ')})`)
})
