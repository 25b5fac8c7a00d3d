import { statfs } from 'node:fs/promises'
import { type Collector, Desc, type Emit, constMetric, withTimeLimit } from 'promkit'
import { type CollectorDefinition, flag } from 'promkit/exporter'
import { lines, readOptional, readRequired, systemPaths } from './paths.js'

/** One line of /proc/1/mounts. */
export interface Mount {
  readonly device: string
  readonly mountPoint: string
  readonly fsType: string
  readonly readOnly: boolean
}

/** /proc/mounts escapes space, tab, newline and backslash in paths as octal (`\040`). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)))
}

/** Parses /proc/1/mounts (or /proc/mounts). */
export function parseMounts(text: string): Mount[] {
  return lines(text).map((line) => {
    const [device, mountPoint, fsType, options] = line.split(/\s+/)
    if (options === undefined)
      throw new Error(`couldn't parse mounts: line ${JSON.stringify(line)} has fewer than 4 fields`)
    return {
      device: unescapeMountField(device as string),
      mountPoint: unescapeMountField(mountPoint as string),
      fsType: fsType as string,
      readOnly: options.split(',').includes('ro'),
    }
  })
}

/**
 * statfs calls that missed the mount timeout hold one of libuv's four threads
 * each until the mount answers. With this many stuck, no statfs is started
 * (every mount reports device_error 1) until one answers, so hung mounts
 * cannot take the threads every other file read needs. For the same reason
 * mounts are asked one at a time (a statfs takes microseconds).
 */
const maxStuckStatfs = 2

const defaultMountPointsExclude = '^/(dev|proc|run|sys|mnt|media|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)'
const defaultFsTypesExclude = `^(${[
  'autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay',
  'proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs',
].join('|')})$`

const filesystemFlags = {
  mountPointsExclude: flag.regexp('collector.filesystem.mount-points-exclude', {
    default: defaultMountPointsExclude,
    description: 'Regexp of mount points to exclude.',
  }),
  fsTypesExclude: flag.regexp('collector.filesystem.fs-types-exclude', {
    default: defaultFsTypesExclude,
    description: 'Regexp of filesystem types to exclude.',
  }),
  mountTimeout: flag.duration('collector.filesystem.mount-timeout', {
    default: '5s',
    description: 'How long to wait for a mount to answer statfs before marking it stuck.',
  }),
}

/**
 * `node_filesystem_*{device,fstype,mountpoint}` through statfs, with
 * node_exporter's exclude flags. A mount whose statfs does not answer within
 * `--collector.filesystem.mount-timeout` is reported with `device_error` 1 and
 * skipped until that statfs returns, so a hung NFS server never hangs a scrape.
 */
export const filesystemCollector: CollectorDefinition = {
  name: 'filesystem',
  defaultEnabled: true,
  flags: Object.values(filesystemFlags),
  create(context): Collector {
    const paths = systemPaths(context)
    const mountPointsExclude = context.value(filesystemFlags.mountPointsExclude)
    const fsTypesExclude = context.value(filesystemFlags.fsTypesExclude)
    const timeoutMs = context.value(filesystemFlags.mountTimeout)
    const labels = ['device', 'fstype', 'mountpoint']
    const desc = (name: string, help: string, unit?: string) =>
      new Desc({ namespace: context.namespace, subsystem: 'filesystem', name, help, variableLabels: labels, unit })
    const size = desc('size_bytes', 'Filesystem size in bytes.', 'bytes')
    const free = desc('free_bytes', 'Filesystem free space in bytes.', 'bytes')
    const avail = desc('avail_bytes', 'Filesystem space available to non-root users in bytes.', 'bytes')
    const files = desc('files', 'Filesystem total file nodes.')
    const filesFree = desc('files_free', 'Filesystem total free file nodes.')
    const readOnly = desc('readonly', 'Filesystem read-only status.')
    const deviceError = desc('device_error', 'Whether an error occurred while getting statistics for the given device.')
    const stuck = new Set<string>()

    const collectMount = async (emit: Emit, mount: Mount) => {
      const values = [mount.device, mount.fsType, mount.mountPoint]
      emit(constMetric(readOnly, 'gauge', mount.readOnly ? 1 : 0, values))
      const path = paths.root(mount.mountPoint)
      if (stuck.has(path)) {
        context.logger.debug({ mountpoint: mount.mountPoint }, 'mount point is still stuck; skipping it')
        return emit(constMetric(deviceError, 'gauge', 1, values))
      }
      if (stuck.size >= maxStuckStatfs) {
        context.logger.debug(
          { mountpoint: mount.mountPoint, stuck: [...stuck] },
          `${stuck.size} mount points are stuck; no statfs is started until one answers`,
        )
        return emit(constMetric(deviceError, 'gauge', 1, values))
      }
      const pending = statfs(path)
      try {
        const stats = await withTimeLimit(pending, timeoutMs, () => undefined)
        if (stats === undefined) {
          stuck.add(path)
          void pending.finally(() => stuck.delete(path)).catch(() => {})
          context.logger.warn(
            { mountpoint: mount.mountPoint },
            `statfs did not answer in ${timeoutMs} ms; marking the mount point stuck`,
          )
          return emit(constMetric(deviceError, 'gauge', 1, values))
        }
        emit(constMetric(deviceError, 'gauge', 0, values))
        emit(constMetric(size, 'gauge', stats.blocks * stats.bsize, values))
        emit(constMetric(free, 'gauge', stats.bfree * stats.bsize, values))
        emit(constMetric(avail, 'gauge', stats.bavail * stats.bsize, values))
        emit(constMetric(files, 'gauge', stats.files, values))
        emit(constMetric(filesFree, 'gauge', stats.ffree, values))
      } catch (error) {
        context.logger.debug({ mountpoint: mount.mountPoint, err: (error as Error).message }, 'statfs failed')
        emit(constMetric(deviceError, 'gauge', 1, values))
      }
    }

    return {
      describe: () => [size, free, avail, files, filesFree, readOnly, deviceError],
      async collect(emit) {
        const text = (await readOptional(paths.proc('1', 'mounts'))) ?? (await readRequired(paths.proc('mounts')))
        const seen = new Set<string>()
        const mounts = parseMounts(text).filter((mount) => {
          const key = JSON.stringify([mount.device, mount.mountPoint])
          if (mountPointsExclude.test(mount.mountPoint) || fsTypesExclude.test(mount.fsType) || seen.has(key))
            return false
          seen.add(key)
          return true
        })
        for (const mount of mounts) await collectMount(emit, mount)
      },
    }
  },
}
