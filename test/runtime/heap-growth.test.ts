import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import t from 'tap'

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
