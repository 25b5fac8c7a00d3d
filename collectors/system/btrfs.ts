import { join } from 'node:path'
import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { directoriesIn, lines, listOptional, number, readOptional, readRequired, systemPaths } from './paths.js'

/** The block group types of a btrfs filesystem, each a directory of /sys/fs/btrfs/<uuid>/allocation. */
const blockGroupTypes = ['data', 'metadata', 'system']

/**
 * How many bytes of disk a byte of a profile takes on a filesystem of `devices` devices (raid5 keeps one device's
 * worth of parity, raid6 two); 0 for a profile not known here.
 */
export function allocationRatio(profile: string, devices: number): number {
  if (profile === 'single' || profile === 'raid0') return 1
  if (profile === 'dup' || profile === 'raid1' || profile === 'raid10') return 2
  if (profile === 'raid1c3') return 3
  if (profile === 'raid1c4') return 4
  if (profile === 'raid5') return devices / (devices - 1)
  if (profile === 'raid6') return devices / (devices - 2)
  return 0
}

/** A filesystem's `commit_stats`: `commits`, `last_commit_ms`, `max_commit_ms`, `total_commit_ms`, by name. */
export function parseCommitStats(text: string, file: string): Map<string, number> {
  return new Map(
    lines(text).map((line) => {
      const [name, value] = line.split(/\s+/) as [string, string | undefined]
      return [name, number(value, file, name)]
    }),
  )
}

/**
 * node_exporter's btrfs collector, from /sys/fs/btrfs: per filesystem (`uuid`) `node_btrfs_info{label}`, its global
 * reserve, per block group type its reserved bytes and per profile (`mode`) its size, use and allocation ratio, its
 * devices' sizes, and its commit statistics. The statistics node_exporter reads by ioctl from a mounted filesystem
 * (device errors, unused bytes) are not read. Nothing without btrfs.
 */
export const btrfsCollector: CollectorDefinition = {
  name: 'btrfs',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const desc = (name: string, help: string, labels: string[] = []) =>
      new Desc({ namespace: context.namespace, subsystem: 'btrfs', name, help, variableLabels: ['uuid', ...labels] })
    const info = desc('info', 'Filesystem information', ['label'])
    const globalReserve = desc('global_rsv_size_bytes', 'Size of global reserve.')
    const reserved = desc('reserved_bytes', 'Amount of space reserved for a data type', ['block_group_type'])
    const profile = ['block_group_type', 'mode']
    const size = desc('size_bytes', 'Amount of space allocated for a layout/data type', profile)
    const used = desc('used_bytes', 'Amount of used space by a layout/data type', profile)
    const ratio = desc('allocation_ratio', 'Data allocation ratio for a layout/data type', profile)
    const deviceSize = desc('device_size_bytes', 'Size of a device that is part of the filesystem.', ['device'])
    const commits = desc('commits_total', 'The total number of commits that have occurred.')
    const lastCommit = desc('last_commit_seconds', 'Duration of the most recent commit, in seconds.')
    const maxCommit = desc('max_commit_seconds', 'Duration of the slowest commit, in seconds.')
    const commitTime = desc('commit_seconds_total', 'Sum of the duration of all commits, in seconds.')
    return {
      describe: () => [
        info,
        globalReserve,
        reserved,
        size,
        used,
        ratio,
        deviceSize,
        commits,
        lastCommit,
        maxCommit,
        commitTime,
      ],
      async collect(emit) {
        const root = paths.sys('fs', 'btrfs')
        for (const uuid of (await listOptional(root)).filter((entry) => entry.includes('-')).sort()) {
          const file = (...parts: string[]) => join(root, uuid, ...parts)
          const read = async (...parts: string[]) =>
            number((await readRequired(file(...parts))).trim(), file(...parts), 'its value')
          emit(constMetric(info, 'gauge', 1, [uuid, ((await readOptional(file('label'))) ?? '').trim()]))
          emit(constMetric(globalReserve, 'gauge', await read('allocation', 'global_rsv_size'), [uuid]))
          const devices = (await listOptional(file('devices'))).sort()
          for (const type of blockGroupTypes) {
            emit(constMetric(reserved, 'gauge', await read('allocation', type, 'bytes_reserved'), [uuid, type]))
            for (const mode of (await directoriesIn(file('allocation', type))).sort()) {
              const labels = [uuid, type, mode]
              emit(constMetric(size, 'gauge', await read('allocation', type, mode, 'total_bytes'), labels))
              emit(constMetric(used, 'gauge', await read('allocation', type, mode, 'used_bytes'), labels))
              emit(constMetric(ratio, 'gauge', allocationRatio(mode, devices.length), labels))
            }
          }
          for (const device of devices) {
            // The kernel counts a device's size in 512-byte sectors.
            emit(constMetric(deviceSize, 'gauge', (await read('devices', device, 'size')) * 512, [uuid, device]))
          }
          const statsFile = file('commit_stats')
          const statsText = await readOptional(statsFile)
          const stats = statsText === undefined ? new Map<string, number>() : parseCommitStats(statsText, statsFile)
          const stat = (name: string) => stats.get(name) ?? 0
          emit(constMetric(commits, 'counter', stat('commits'), [uuid]))
          emit(constMetric(lastCommit, 'gauge', stat('last_commit_ms') / 1000, [uuid]))
          emit(constMetric(maxCommit, 'gauge', stat('max_commit_ms') / 1000, [uuid]))
          emit(constMetric(commitTime, 'counter', stat('total_commit_ms') / 1000, [uuid]))
        }
      },
    }
  },
}
