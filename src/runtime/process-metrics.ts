import { existsSync, openSync, readFileSync, readSync, readdirSync, statSync, statfsSync } from 'node:fs'
import { PerformanceObserver, constants } from 'node:perf_hooks'
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8'
import type { Emit, SyncCollector } from '../collector.js'
import { constHistogram, constMetric } from '../const-metric.js'
import { Desc } from '../desc.js'
import { type DelayReading, EventLoopDelay } from './event-loop-delay.js'

/** What /proc/<pid>/limits says for no limit, as client_golang reports it (procfs reads it as the largest uint64). */
const unlimited = 2 ** 64 - 1

/** The fields of /proc/<pid>/stat the process metrics use. */
export interface ProcStat {
  readonly virtualBytes: number
  readonly residentPages: number
}

/**
 * Parses /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses, so fields are counted after its
 * last `)`.
 */
export function parseProcSelfStat(text: string): ProcStat {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  // Field N of proc(5) is fields[N - 3]: vsize 23, rss 24.
  return { virtualBytes: Number(fields[20]), residentPages: Number(fields[21]) }
}

/** The soft limit of one row of /proc/<pid>/limits (`Max open files`), `unlimited` as client_golang has it. */
export function softLimit(limits: string, row: string): number {
  const soft = new RegExp(`^${row} +(\\S+)`, 'm').exec(limits)?.[1]
  return soft === 'unlimited' ? unlimited : Number(soft)
}

/** GC kinds as prom-client labels them. */
const gcKinds: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
}
/** prom-client's buckets for GC pauses, in seconds. */
const gcBuckets = [0.001, 0.01, 0.1, 1, 2, 5]

/** procfs' magic number (statfs f_type), PROC_SUPER_MAGIC. */
const procfsType = 0x9fa0

/**
 * How many file descriptors are open, from a `/proc/<pid>/fd` directory:
 * Linux 6.2 and later give the count as the directory's size, one stat
 * (about 5 µs) instead of listing it (15 to 30 µs), as recent
 * prometheus/procfs reads it; older kernels, and a directory outside procfs,
 * are listed (which counts the descriptor the listing opens).
 */
export function fdCounter(fdDir: string): () => number {
  const bySize = statfsSync(fdDir).type === procfsType && statSync(fdDir).size > 0
  return bySize ? () => statSync(fdDir).size : () => readdirSync(fdDir).length
}

/**
 * The process metrics of client_golang's process collector, with its names
 * and help (`process_cpu_seconds_total`, `process_open_fds`, `process_max_fds`,
 * `process_virtual_memory_bytes`, `process_virtual_memory_max_bytes`,
 * `process_resident_memory_bytes`, `process_start_time_seconds`, the last five
 * from `procDir`, /proc/self by default, when it exists), and Node's runtime
 * metrics with prom-client's names where they mean the same. A scrape reads
 * /proc/<pid>/stat, lists the open descriptors and reads values Node already
 * keeps: the event-loop delay histogram and GC pauses are recorded as they
 * happen, not measured at scrape time. The histogram's standard deviation is
 * left out: computing it costs about 0.2 ms, more than everything else here.
 */
export function processCollector(procDir = '/proc/self'): SyncCollector {
  const desc = (name: string, help: string, unit?: string, variableLabels?: string[]) =>
    new Desc({ name, help, unit, variableLabels })
  const cpu = desc('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', 'seconds')
  const cpuUser = desc('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', 'seconds')
  const cpuSystem = desc('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', 'seconds')
  const openFds = desc('process_open_fds', 'Number of open file descriptors.')
  const maxFds = desc('process_max_fds', 'Maximum number of open file descriptors.')
  const virtual = desc('process_virtual_memory_bytes', 'Virtual memory size in bytes.', 'bytes')
  const virtualMax = desc(
    'process_virtual_memory_max_bytes',
    'Maximum amount of virtual memory available in bytes.',
    'bytes',
  )
  const resident = desc('process_resident_memory_bytes', 'Resident memory size in bytes.', 'bytes')
  const start = desc('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', 'seconds')
  const heapTotal = desc('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', 'bytes')
  const heapUsed = desc('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', 'bytes')
  const external = desc('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', 'bytes')
  const space = (what: string) =>
    desc(`nodejs_heap_space_size_${what}_bytes`, `Process heap space size ${what} from Node.js in bytes.`, 'bytes', [
      'space',
    ])
  const spaces = { total: space('total'), used: space('used'), available: space('available') }
  const resources = desc(
    'nodejs_active_resources',
    'Resources keeping the event loop alive, by type (process.getActiveResourcesInfo()).',
    undefined,
    ['type'],
  )
  const lag = (what: string, help: string) =>
    desc(
      `nodejs_eventloop_lag_${what}_seconds`,
      `${help} event loop delay in seconds, since the last scrape.`,
      'seconds',
    )
  const lags = [
    [lag('min', 'The minimum recorded'), 'min'],
    [lag('max', 'The maximum recorded'), 'max'],
    [lag('mean', 'The mean of the recorded'), 'mean'],
    [lag('p50', 'The 50th percentile of the recorded'), 'p50'],
    [lag('p90', 'The 90th percentile of the recorded'), 'p90'],
    [lag('p99', 'The 99th percentile of the recorded'), 'p99'],
  ] as const satisfies readonly (readonly [Desc, keyof DelayReading])[]
  const gc = desc(
    'nodejs_gc_duration_seconds',
    'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
    'seconds',
    ['kind'],
  )
  const versionInfo = new Desc({
    name: 'nodejs_version_info',
    help: 'Node.js version info.',
    variableLabels: ['version', 'major', 'minor', 'patch'],
  })
  const [major, minor, patch] = process.versions.node.split('.') as [string, string, string]

  const startSeconds = Math.round(Date.now() / 1000 - process.uptime())
  const fromProc = existsSync(`${procDir}/stat`)
  // Read once: they change only when something outside calls prlimit on the process.
  const limits = fromProc ? readFileSync(`${procDir}/limits`, 'utf8') : ''
  const fdLimit = softLimit(limits, 'Max open files')
  const addressSpaceLimit = softLimit(limits, 'Max address space')
  // Kept open and read from its start on every scrape: the kernel writes the file anew for each read, and a scrape
  // saves opening and closing it.
  const statFile = fromProc ? openSync(`${procDir}/stat`, 'r') : -1
  const countFds = fromProc ? fdCounter(`${procDir}/fd`) : undefined
  const statBytes = Buffer.alloc(4096)
  const delay = new EventLoopDelay()
  const pauses = new Map<string, { counts: number[]; count: number; sum: number }>()
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // A 'gc' entry's detail says its kind (@types/node does not declare detail on PerformanceEntry).
      const kind = gcKinds[(entry as unknown as { detail: { kind: number } }).detail.kind] as string
      const seconds = entry.duration / 1000
      const pause = pauses.get(kind) ?? { counts: gcBuckets.map(() => 0), count: 0, sum: 0 }
      gcBuckets.forEach((bound, i) => {
        pause.counts[i] = (pause.counts[i] as number) + (seconds <= bound ? 1 : 0)
      })
      pause.count++
      pause.sum += seconds
      pauses.set(kind, pause)
    }
  })
  observer.observe({ entryTypes: ['gc'] })

  return {
    name: 'process',
    describe: () => [
      cpu,
      cpuUser,
      cpuSystem,
      openFds,
      maxFds,
      virtual,
      virtualMax,
      resident,
      start,
      heapTotal,
      heapUsed,
      external,
      ...Object.values(spaces),
      resources,
      ...lags.map(([d]) => d),
      gc,
      versionInfo,
    ],
    collect(emit: Emit) {
      const usage = process.cpuUsage()
      emit(constMetric(cpu, 'counter', (usage.user + usage.system) / 1e6))
      emit(constMetric(cpuUser, 'counter', usage.user / 1e6))
      emit(constMetric(cpuSystem, 'counter', usage.system / 1e6))
      emit(constMetric(start, 'gauge', startSeconds))
      if (fromProc) {
        const stat = parseProcSelfStat(
          statBytes.toString('latin1', 0, readSync(statFile, statBytes, 0, statBytes.length, 0)),
        )
        emit(constMetric(openFds, 'gauge', (countFds as () => number)()))
        emit(constMetric(maxFds, 'gauge', fdLimit))
        emit(constMetric(virtual, 'gauge', stat.virtualBytes))
        emit(constMetric(virtualMax, 'gauge', addressSpaceLimit))
        emit(constMetric(resident, 'gauge', stat.residentPages * 4096))
      }
      const heap = getHeapStatistics()
      emit(constMetric(heapTotal, 'gauge', heap.total_heap_size))
      emit(constMetric(heapUsed, 'gauge', heap.used_heap_size))
      emit(constMetric(external, 'gauge', heap.external_memory))
      for (const heapSpace of getHeapSpaceStatistics()) {
        const name = heapSpace.space_name.replace(/_space$/, '')
        emit(constMetric(spaces.total, 'gauge', heapSpace.space_size, [name]))
        emit(constMetric(spaces.used, 'gauge', heapSpace.space_used_size, [name]))
        emit(constMetric(spaces.available, 'gauge', heapSpace.space_available_size, [name]))
      }
      const byType = new Map<string, number>()
      for (const type of process.getActiveResourcesInfo()) byType.set(type, (byType.get(type) ?? 0) + 1)
      for (const [type, count] of byType) emit(constMetric(resources, 'gauge', count, [type]))
      const delays = delay.read()
      for (const [lagDesc, field] of lags) emit(constMetric(lagDesc, 'gauge', delays[field]))
      for (const [kind, pause] of pauses) {
        emit(
          constHistogram(
            gc,
            {
              count: pause.count,
              sum: pause.sum,
              buckets: gcBuckets.map((bound, i) => [bound, pause.counts[i] as number]),
            },
            [kind],
          ),
        )
      }
      emit(constMetric(versionInfo, 'gauge', 1, [process.version, major, minor, patch]))
    },
  }
}
