import { join } from 'node:path'
import { type Collector, Desc, cachedDescs, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import {
  directoriesIn,
  isDirectory,
  listOptional,
  lines,
  number,
  readOptional,
  readRequired,
  systemPaths,
} from './paths.js'

/** One row of a kstat file of /proc/spl/kstat: its name, its kstat data type (3 int64, 4 uint64, 7 string) and data. */
export interface KstatRow {
  readonly name: string
  readonly type: string
  /** The rest of the line, inner spaces kept (a dataset's name may have them). */
  readonly data: string
}

/** The rows of a `name type data` kstat file (after its header), or an error naming the file when it has none. */
export function parseKstat(text: string, file: string): KstatRow[] {
  const all = lines(text)
  const header = all.findIndex((line) => /^name\s+type\s+data$/.test(line))
  if (header < 0) throw new Error(`couldn't parse ${file}: no "name type data" line`)
  return all.slice(header + 1).flatMap((line) => {
    const row = /^(\S+)\s+(\S+)\s+(.+)$/.exec(line)
    return row === null ? [] : [{ name: row[1] as string, type: row[2] as string, data: row[3] as string }]
  })
}

/** The numeric rows of a kstat file (int64 and uint64, as node_exporter reads), by name. */
export function kstatNumbers(rows: readonly KstatRow[], file: string): Map<string, number> {
  const numbers = new Map<string, number>()
  for (const { name, type, data } of rows) {
    if (type === '3' || type === '4') numbers.set(name, number(data, file, name))
  }
  return numbers
}

/** A pool's `io` kstat: the columns of its `nread nwritten …` header line and their values. */
export function parsePoolIo(text: string, file: string): Map<string, number> {
  const all = lines(text).map((line) => line.split(/\s+/))
  const header = all.findIndex((fields) => fields[0] === 'nread' && fields.length >= 12)
  const columns = all[header]
  const values = all[header + 1]
  if (columns === undefined || values === undefined) throw new Error(`couldn't parse ${file}: no "nread …" columns`)
  return new Map(columns.map((column, index) => [column, number(values[index], file, column)]))
}

/** The states node_exporter gives `node_zfs_zpool_state`, one series each. */
const poolStates = ['online', 'degraded', 'faulted', 'offline', 'removed', 'unavail', 'suspended']

/** node_exporter's subsystems (`node_zfs_<subsystem>_<stat>`) and the kstat file each is read from. */
const statFiles: Record<string, string> = {
  abd: 'abdstats',
  arc: 'arcstats',
  dbuf: 'dbufstats',
  dmu_tx: 'dmu_tx',
  dnode: 'dnodestats',
  fm: 'fm',
  vdev_cache: 'vdev_cache_stats',
  vdev_mirror: 'vdev_mirror_stats',
  xuio: 'xuio_stats',
  zfetch: 'zfetchstats',
  zil: 'zil',
}

/**
 * node_exporter's zfs collector, from /proc/spl/kstat/zfs: every numeric statistic of the module's kstat files as
 * `node_zfs_<subsystem>_<stat>` (untyped, help `kstat.zfs.misc.<file>.<stat>`), per pool its `io` columns
 * (`node_zfs_zpool_<column>{zpool}`), its datasets' `objset-*` statistics (`node_zfs_zpool_dataset_<stat>{zpool,
 * dataset}`) and `node_zfs_zpool_state{zpool,state}`. Nothing without the zfs module; a file a ZFS version lacks is
 * skipped.
 */
export const zfsCollector: CollectorDefinition = {
  name: 'zfs',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const base = paths.proc('spl', 'kstat', 'zfs')
    const descFor = cachedDescs((key) => {
      const [subsystem, stat, help, ...labels] = key.split('\n') as [string, string, string, ...string[]]
      return new Desc({
        namespace: context.namespace,
        subsystem: `zfs_${subsystem}`,
        name: stat.replaceAll('-', '_'),
        help,
        variableLabels: labels,
      })
    })
    const desc = (subsystem: string, stat: string, help: string, ...labels: string[]) =>
      descFor([subsystem, stat, help, ...labels].join('\n'))
    const state = desc('zpool', 'state', 'kstat.zfs.misc.state', 'zpool', 'state')
    return {
      // Unchecked: the statistics, and so the names, are those of the loaded module's version.
      describe: () => [],
      async collect(emit) {
        // Without the module, one look instead of a failed open (and its exception) per kstat file.
        if (!isDirectory(base)) return
        for (const [subsystem, file] of Object.entries(statFiles)) {
          const path = join(base, file)
          const text = await readOptional(path)
          if (text === undefined) continue
          for (const [stat, value] of kstatNumbers(parseKstat(text, path), path)) {
            emit(constMetric(desc(subsystem, stat, `kstat.zfs.misc.${file}.${stat}`), 'untyped', value))
          }
        }
        for (const pool of (await directoriesIn(base)).sort()) {
          const read = async (file: string) => {
            const path = join(base, pool, file)
            return { path, text: await readOptional(path) }
          }
          const io = await read('io')
          if (io.text !== undefined) {
            for (const [column, value] of parsePoolIo(io.text, io.path)) {
              emit(constMetric(desc('zpool', column, `kstat.zfs.misc.io.${column}`, 'zpool'), 'untyped', value, [pool]))
            }
          }
          for (const objset of (await listOptional(join(base, pool))).filter((entry) => entry.startsWith('objset-'))) {
            // Listed a moment ago: a pool exported since fails this scrape, as in node_exporter.
            const path = join(base, pool, objset)
            const rows = parseKstat(await readRequired(path), path)
            const dataset = rows.find((row) => row.name === 'dataset_name')?.data ?? ''
            for (const [stat, value] of kstatNumbers(rows, path)) {
              const statDesc = desc('zpool_dataset', stat, `kstat.zfs.misc.objset.${stat}`, 'zpool', 'dataset')
              emit(constMetric(statDesc, 'untyped', value, [pool, dataset]))
            }
          }
          const current = (await read('state')).text?.trim().toLowerCase()
          if (current === undefined) continue
          for (const name of poolStates) emit(constMetric(state, 'gauge', name === current ? 1 : 0, [pool, name]))
        }
      },
    }
  },
}
