import { join } from 'node:path'
import { type Collector, constMetric } from 'promkit'
import { type CollectorDefinition, flag } from 'promkit/exporter'
import { type FileStat, fileStatDescs, typeByName } from './file-stats.js'
import { listOptional, lines, number, readRequired, systemPaths } from './paths.js'

/** A cache set's files (under /sys/fs/bcache/<uuid>/) and their metrics. */
const setStats: readonly FileStat[] = [
  ['average_key_size', 'average_key_size_sectors', 'Average data per key in the btree (sectors).'],
  ['btree_cache_size', 'btree_cache_size_bytes', 'Amount of memory currently used by the btree cache.'],
  [
    'cache_available_percent',
    'cache_available_percent',
    'Percentage of cache device without dirty data, usable for writeback (may contain clean cached data).',
  ],
  ['congested', 'congested', 'Congestion.'],
  [
    'root_usage_percent',
    'root_usage_percent',
    'Percentage of the root btree node in use (tree depth increases if too high).',
  ],
  ['tree_depth', 'tree_depth', 'Depth of the btree.'],
  [
    'internal/active_journal_entries',
    'active_journal_entries',
    'Number of journal entries that are newer than the index.',
  ],
  ['internal/btree_nodes', 'btree_nodes', 'Total nodes in the btree.'],
  ['internal/btree_read_average_duration_us', 'btree_read_average_duration_seconds', 'Average btree read duration.'],
  [
    'internal/cache_read_races',
    'cache_read_races_total',
    'Counts instances where while data was being read from the cache, the bucket was reused and invalidated - i.e. ' +
      'where the pointer was stale after the read completed.',
  ],
]

/** A backing device's files (under bdev<N>/). */
const backingStats: readonly FileStat[] = [
  ['dirty_data', 'dirty_data_bytes', 'Amount of dirty data for this backing device in the cache.'],
  ['stats_total/bypassed', 'bypassed_bytes_total', 'Amount of IO (both reads and writes) that has bypassed the cache.'],
  ['stats_total/cache_bypass_hits', 'cache_bypass_hits_total', 'Hits for IO intended to skip the cache.'],
  ['stats_total/cache_bypass_misses', 'cache_bypass_misses_total', 'Misses for IO intended to skip the cache.'],
  ['stats_total/cache_hits', 'cache_hits_total', 'Hits counted per individual IO as bcache sees them.'],
  [
    'stats_total/cache_miss_collisions',
    'cache_miss_collisions_total',
    'Instances where data insertion from cache miss raced with write (data already present).',
  ],
  ['stats_total/cache_misses', 'cache_misses_total', 'Misses counted per individual IO as bcache sees them.'],
  ['stats_total/cache_readaheads', 'cache_readaheads_total', 'Count of times readahead occurred.'],
]

/** The lines of a backing device's writeback_rate_debug. */
const writebackStats: readonly FileStat[] = [
  ['target', 'dirty_target_bytes', 'Current dirty data target threshold for this backing device in bytes.'],
  ['change', 'writeback_change', 'Last writeback rate change step for this backing device.'],
  ['rate', 'writeback_rate', 'Current writeback rate for this backing device in bytes.'],
  ['integral', 'writeback_rate_integral_term', 'Current result of integral controller, part of writeback rate'],
  [
    'proportional',
    'writeback_rate_proportional_term',
    'Current result of proportional controller, part of writeback rate',
  ],
]

/** A cache device's files (under cache<N>/). */
const cacheStats: readonly FileStat[] = [
  ['io_errors', 'io_errors', 'Number of errors that have occurred, decayed by io_error_halflife.'],
  [
    'metadata_written',
    'metadata_written_bytes_total',
    'Sum of all non data writes (btree writes and all other metadata).',
  ],
  ['written', 'written_bytes_total', 'Sum of all data that has been written to the cache.'],
]

/** The lines of a cache device's priority_stats (with --collector.bcache.priorityStats). */
const priorityStats: readonly FileStat[] = [
  ['Unused', 'priority_stats_unused_percent', "The percentage of the cache that doesn't contain any data."],
  ['Metadata', 'priority_stats_metadata_percent', "Bcache's metadata overhead."],
]

/** The unit letters of the kernel's bch_hprint, each 1024 times the one before. */
const units = 'kMGTPEZY'

/**
 * A number as bcache writes it (bch_hprint: `1.1M`, `427.5k`, `-3.2k`, `512`), as node_exporter's procfs reads it:
 * the digit after the point counts tenths of 1024ths (`.5` is 512/1024), the result is truncated to an integer.
 */
export function dehumanize(text: string, file: string): number {
  const parts = /^(-?)(\d+)(?:\.(\d+))?([kMGTPEZY]?)$/.exec(text.trim())
  if (parts === null) throw new Error(`couldn't parse ${file}: ${JSON.stringify(text.trim())} is not a bcache number`)
  const [, sign, whole, fraction, unit] = parts as unknown as [string, string, string, string | undefined, string]
  const scale = unit === '' ? 1 : 1024 ** (units.indexOf(unit) + 1)
  const mantissa =
    Number(whole) + (fraction === undefined ? 0 : unit === '' ? Number(`0.${fraction}`) : Number(fraction) / 10.24)
  return (sign === '-' ? -1 : 1) * Math.trunc(mantissa * scale)
}

/** The `<key>: <value>` lines of writeback_rate_debug or priority_stats: each key's last field. */
export function parseKeyedLines(text: string): Map<string, string> {
  return new Map(
    lines(text).flatMap((line) => {
      const parts = /^([^:]+):\s*(?:.*\s)?(\S+)$/.exec(line)
      return parts === null ? [] : [[parts[1] as string, parts[2] as string] as const]
    }),
  )
}

/** node_exporter's `--collector.bcache.priorityStats`, under a name promkit's rules allow (the exporter aliases it). */
export const priorityFlag = flag.boolean('collector.bcache.priority-stats', {
  description: "Expose expensive priority stats (reads each cache device's priority_stats).",
})

/**
 * node_exporter's bcache collector, from /sys/fs/bcache: per cache set (`uuid`) its btree and journal statistics, per
 * backing device (`backing_device`) its dirty data, hit and miss totals and writeback controller, per cache device
 * (`cache_device`) its errors and bytes written, and with `--collector.bcache.priorityStats` its unused and metadata
 * percentages. Nothing without bcache.
 */
export const bcacheCollector: CollectorDefinition = {
  name: 'bcache',
  defaultEnabled: true,
  flags: [priorityFlag],
  create(context): Collector {
    const paths = systemPaths(context)
    const withPriority = context.value(priorityFlag)
    const descsOf = (stats: readonly FileStat[], labels: string[]) => fileStatDescs(context, 'bcache', stats, labels)
    const set = descsOf(setStats, ['uuid'])
    const backing = descsOf(backingStats, ['backing_device', 'uuid'])
    const writeback = descsOf(writebackStats, ['backing_device', 'uuid'])
    const cache = descsOf(cacheStats, ['cache_device', 'uuid'])
    const priority = descsOf(priorityStats, ['cache_device', 'uuid'])
    const readNumber = async (file: string) => dehumanize(await readRequired(file), file)
    /** A file of key lines, and a reader of each key's value that names the file and key when one is missing. */
    const keyedFile = async (file: string) => {
      const values = parseKeyedLines(await readRequired(file))
      return (key: string, suffix: RegExp) => {
        const value = values.get(key)?.replace(suffix, '')
        if (value === undefined) throw new Error(`couldn't parse ${file}: no "${key}:" line`)
        return value
      }
    }
    const devices = async (dir: string, prefix: string) =>
      (await listOptional(dir)).filter((entry) => new RegExp(`^${prefix}\\d`).test(entry)).sort()
    return {
      describe: () => [...set, ...backing, ...writeback, ...cache, ...priority].map(([, desc]) => desc),
      async collect(emit) {
        const root = paths.sys('fs', 'bcache')
        for (const uuid of (await listOptional(root)).filter((entry) => entry.includes('-')).sort()) {
          const dir = join(root, uuid)
          for (const [source, desc] of set) {
            const value = await readNumber(join(dir, source))
            // The kernel names the file _us; node_exporter reads it as nanoseconds, and so does this.
            const seconds = source.endsWith('duration_us') ? value * 1e-9 : value
            emit(constMetric(desc, typeByName(desc), seconds, [uuid]))
          }
          for (const device of await devices(dir, 'bdev')) {
            for (const [source, desc] of backing) {
              emit(constMetric(desc, typeByName(desc), await readNumber(join(dir, device, source)), [device, uuid]))
            }
            const debugFile = join(dir, device, 'writeback_rate_debug')
            const debug = await keyedFile(debugFile)
            for (const [line, desc] of writeback) {
              emit(constMetric(desc, 'gauge', dehumanize(debug(line, /\/sec$/), debugFile), [device, uuid]))
            }
          }
          for (const device of await devices(dir, 'cache')) {
            for (const [source, desc] of cache) {
              emit(constMetric(desc, typeByName(desc), await readNumber(join(dir, device, source)), [device, uuid]))
            }
            if (!withPriority) continue
            const priorityFile = join(dir, device, 'priority_stats')
            const percentages = await keyedFile(priorityFile)
            for (const [line, desc] of priority) {
              emit(constMetric(desc, 'gauge', number(percentages(line, /%$/), priorityFile, line), [device, uuid]))
            }
          }
        }
      },
    }
  },
}
