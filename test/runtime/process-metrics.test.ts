// Peers: promtool
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setImmediate as tick } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { Registry, encode } from '../../src/index.js'
import { fdCounter, parseProcSelfStat, processCollector, softLimit } from '../../src/runtime/process-metrics.js'
import { promtoolCheckMetrics } from '../helpers/promtool.js'

async function scrape(t: Test, procDir?: string) {
  const registry = new Registry()
  registry.register(processCollector(procDir))
  const { families, errors } = await registry.gather()
  t.same(errors, [], 'no collect error')
  return { families: new Map(families.map((family) => [family.name, family])), text: encode(families, 'text') }
}

const value = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1])

t.test('/proc/<pid>/stat and limits', async (t) => {
  // The command name may hold spaces and parentheses: fields are counted after its last ")".
  const stat = parseProcSelfStat(
    '42 (node (a) b) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 11 0 5000 1076637696 19197 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n',
  )
  t.same(stat, { virtualBytes: 1076637696, residentPages: 19197 })
  const limits =
    'Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                1048576              files\nMax address space         unlimited            unlimited            bytes\n'
  t.equal(softLimit(limits, 'Max open files'), 20000)
  t.equal(softLimit(limits, 'Max address space'), 2 ** 64 - 1, 'unlimited, as client_golang reports it')
})

t.test("process metrics with client_golang's names, from /proc/self", async (t) => {
  const { families, text } = await scrape(t)
  for (const [name, type] of [
    ['process_cpu_seconds_total', 'counter'],
    ['process_open_fds', 'gauge'],
    ['process_max_fds', 'gauge'],
    ['process_virtual_memory_bytes', 'gauge'],
    ['process_virtual_memory_max_bytes', 'gauge'],
    ['process_resident_memory_bytes', 'gauge'],
    ['process_start_time_seconds', 'gauge'],
  ])
    t.equal(families.get(name as string)?.type, type, `${name} is a ${type}`)
  const maxFds = Number(/^Max open files +(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1])
  t.equal(value(text, 'process_max_fds'), maxFds, 'the soft limit of open files')
  t.ok(
    value(text, 'process_open_fds') >= 3 && value(text, 'process_open_fds') <= readdirSync('/proc/self/fd').length + 2,
    'about as many open descriptors as /proc/self/fd lists',
  )
  t.ok(
    Math.abs(value(text, 'process_resident_memory_bytes') - process.memoryUsage().rss) < 64 * 1024 * 1024,
    "the resident size agrees with Node's rss",
  )
  t.ok(
    Math.abs(value(text, 'process_start_time_seconds') - (Date.now() / 1000 - process.uptime())) < 2,
    'the start time agrees with process.uptime()',
  )
  // process.cpuUsage() counts whole microseconds: compare in those, not in sums of floating-point seconds.
  const micros = (name: string) => Math.round(value(text, name) * 1e6)
  t.equal(
    micros('process_cpu_seconds_total'),
    micros('process_cpu_user_seconds_total') + micros('process_cpu_system_seconds_total'),
    'user plus system',
  )
  t.match(
    text,
    new RegExp(
      `^nodejs_version_info\\{major="\\d+",minor="\\d+",patch="\\d+",version="${process.version.replace(/\./g, '\\.')}"\\} 1$`,
      'm',
    ),
  )
  t.ok(value(text, 'nodejs_eventloop_lag_max_seconds') >= value(text, 'nodejs_eventloop_lag_min_seconds'))
  const lint = promtoolCheckMetrics(text)
  t.same([lint.status, lint.stderr], [0, ''], 'promtool has no finding')
})

t.test('open descriptors: counted by the size of /proc/self/fd where Linux gives it, else listed', async (t) => {
  const listed = readdirSync('/proc/self/fd').length
  // A listing opens one descriptor of its own, which it lists; a kernel before 6.2 gives the directory no size.
  const sized = statSync('/proc/self/fd').size > 0
  t.equal(fdCounter('/proc/self/fd')(), sized ? listed - 1 : listed, 'procfs: the open descriptors')
  const dir = mkdtempSync(join(tmpdir(), 'promkit-fd-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'fd'))
  for (const fd of ['0', '1', '2', '7']) writeFileSync(join(dir, 'fd', fd), '')
  t.equal(fdCounter(join(dir, 'fd'))(), 4, 'outside procfs (a fixture): its entries')
})

t.test('without /proc (not Linux): the metrics Node itself knows, and no error', async (t) => {
  const { families } = await scrape(t, '/nonexistent/proc/self')
  t.notOk(families.has('process_open_fds') || families.has('process_resident_memory_bytes'))
  t.ok(families.has('process_cpu_seconds_total') && families.has('nodejs_heap_size_used_bytes'))
})

t.test('GC pauses are recorded as they happen, by kind', async (t) => {
  const registry = new Registry()
  registry.register(processCollector())
  // About 80 MB of short-lived arrays: enough for the young generation to be collected a few times.
  for (let i = 0; i < 200; i++) new Array(50_000).fill(i)
  await tick()
  await new Promise((resolve) => setTimeout(resolve, 50))
  const gc = (await registry.gather()).families.find((family) => family.name === 'nodejs_gc_duration_seconds')
  t.equal(gc?.type, 'histogram')
  t.ok(
    (gc?.metrics.length ?? 0) >= 1 &&
      gc?.metrics.every((metric) =>
        ['major', 'minor', 'incremental', 'weakcb'].includes(metric.labelValues[0] as string),
      ),
    `kinds: ${gc?.metrics.map((metric) => metric.labelValues[0]).join(', ')}`,
  )
})
