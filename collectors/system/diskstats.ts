import { type Collector, Desc, type Emit, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { deviceFilterFlags } from './device-filter.js'
import { lines, number, readOptional, readRequired, systemPaths } from './paths.js'

/** One line of /proc/diskstats: major, minor, device and its counters (11 to 17 of them, by kernel). */
export interface DiskStats {
  readonly major: string
  readonly minor: string
  readonly device: string
  readonly counters: readonly number[]
}

/** Parses /proc/diskstats. */
export function parseDiskstats(text: string): DiskStats[] {
  return lines(text).map((line) => {
    const [major, minor, device, ...rest] = line.split(/\s+/)
    if (device === undefined || rest.length < 11)
      throw new Error(
        `couldn't parse /proc/diskstats: line ${JSON.stringify(line)} has ${rest.length} counters, want at least 11`,
      )
    return {
      major: major as string,
      minor: minor as string,
      device,
      counters: rest.map((value, i) => number(value, '/proc/diskstats', `${device} field ${i + 1}`)),
    }
  })
}

/**
 * To base units: sectors are 512 bytes; times are in milliseconds (multiplied by 0.001 as node_exporter does, so the
 * values are bit-equal to its).
 */
const count = (value: number) => value
const sectors = (value: number) => value * 512
const ms = (value: number) => value * 0.001

/** node_exporter's diskstats metrics, in /proc/diskstats column order: [name, help, type, conversion]. */
const fields: readonly (readonly [string, string, 'counter' | 'gauge', (value: number) => number])[] = [
  ['reads_completed_total', 'The total number of reads completed successfully.', 'counter', count],
  ['reads_merged_total', 'The total number of reads merged.', 'counter', count],
  ['read_bytes_total', 'The total number of bytes read successfully.', 'counter', sectors],
  ['read_time_seconds_total', 'The total number of seconds spent by all reads.', 'counter', ms],
  ['writes_completed_total', 'The total number of writes completed successfully.', 'counter', count],
  ['writes_merged_total', 'The number of writes merged.', 'counter', count],
  ['written_bytes_total', 'The total number of bytes written successfully.', 'counter', sectors],
  ['write_time_seconds_total', 'This is the total number of seconds spent by all writes.', 'counter', ms],
  ['io_now', 'The number of I/Os currently in progress.', 'gauge', count],
  ['io_time_seconds_total', 'Total seconds spent doing I/Os.', 'counter', ms],
  ['io_time_weighted_seconds_total', 'The weighted # of seconds spent doing I/Os.', 'counter', ms],
  ['discards_completed_total', 'The total number of discards completed successfully.', 'counter', count],
  ['discards_merged_total', 'The total number of discards merged.', 'counter', count],
  ['discarded_sectors_total', 'The total number of sectors discarded successfully.', 'counter', count],
  ['discard_time_seconds_total', 'This is the total number of seconds spent by all discards.', 'counter', ms],
  ['flush_requests_total', 'The total number of flush requests completed successfully', 'counter', count],
  [
    'flush_requests_time_seconds_total',
    'This is the total number of seconds spent by all flush requests.',
    'counter',
    ms,
  ],
]

/** `node_disk_info`'s labels from udev, each from the first of its properties the device has. */
const udevLabels = [
  ['model', ['ID_MODEL']],
  ['path', ['ID_PATH']],
  ['revision', ['ID_REVISION']],
  ['serial', ['ID_SERIAL_SHORT', 'ID_SERIAL']],
  ['wwn', ['ID_WWN']],
] as const

/** `node_disk_filesystem_info`'s labels, from the udev properties of the filesystem (or volume) on a device. */
const filesystemLabels = [
  ['type', 'ID_FS_TYPE'],
  ['usage', 'ID_FS_USAGE'],
  ['uuid', 'ID_FS_UUID'],
  ['version', 'ID_FS_VERSION'],
] as const

/** `node_disk_device_mapper_info`'s labels, from the udev properties of a device-mapper device. */
const deviceMapperLabels = [
  ['name', 'DM_NAME'],
  ['uuid', 'DM_UUID'],
  ['vg_name', 'DM_VG_NAME'],
  ['lv_name', 'DM_LV_NAME'],
  ['lv_layer', 'DM_LV_LAYER'],
] as const

/** The ATA properties node_exporter gives of an ATA disk, each as `node_disk_ata_<name>` when the disk has it. */
const ataProperties = [
  ['rotation_rate_rpm', 'ID_ATA_ROTATION_RATE_RPM', 'ATA disk rotation rate in RPMs (0 for SSDs).'],
  ['write_cache', 'ID_ATA_WRITE_CACHE', 'ATA disk has a write cache.'],
  ['write_cache_enabled', 'ID_ATA_WRITE_CACHE_ENABLED', 'ATA disk has its write cache enabled.'],
] as const

/** The `E:KEY=value` properties of a udev data file. */
function udevProperties(text: string | undefined): Map<string, string> {
  const properties = new Map<string, string>()
  for (const line of (text ?? '').split('\n')) {
    const match = /^E:([^=]+)=(.*)$/.exec(line)
    if (match) properties.set(match[1] as string, match[2] as string)
  }
  return properties
}

const diskDevices = deviceFilterFlags(
  'diskstats',
  'diskstats devices',
  '^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$',
)

/** `node_disk_*{device}` counters and `node_disk_info`, with node_exporter's default device filter. */
export const diskstatsCollector: CollectorDefinition = {
  name: 'diskstats',
  defaultEnabled: true,
  flags: diskDevices.flags,
  create(context): Collector {
    const paths = systemPaths(context)
    const keep = diskDevices.create(context)
    const descs = fields.map(
      ([name, help]) =>
        new Desc({ namespace: context.namespace, subsystem: 'disk', name, help, variableLabels: ['device'] }),
    )
    const desc = (name: string, help: string, labels: readonly string[]) =>
      new Desc({ namespace: context.namespace, subsystem: 'disk', name, help, variableLabels: ['device', ...labels] })
    const info = desc('info', 'Info of /sys/block/<block_device>.', [
      'major',
      'minor',
      ...udevLabels.map(([label]) => label),
      'rotational',
    ])
    const filesystem = desc(
      'filesystem_info',
      'Info about disk filesystem.',
      filesystemLabels.map(([label]) => label),
    )
    const deviceMapper = desc(
      'device_mapper_info',
      'Info about disk device mapper.',
      deviceMapperLabels.map(([label]) => label),
    )
    const ata = ataProperties.map(([name, key, help]) => [key, desc(`ata_${name}`, help, [])] as const)
    const emitDisk = async (emit: Emit, disk: DiskStats) => {
      disk.counters.forEach((value, i) => {
        const field = fields[i]
        if (field) emit(constMetric(descs[i] as Desc, field[2], field[3](value), [disk.device]))
      })
      const udevFile = paths.udev(`b${disk.major}:${disk.minor}`)
      const udev = udevProperties(await readOptional(udevFile))
      const property = (...keys: readonly string[]) => keys.map((key) => udev.get(key)).find(Boolean) ?? ''
      const rotational = (await readOptional(paths.sys('block', disk.device, 'queue', 'rotational')))?.trim()
      const labels = udevLabels.map(([, keys]) => property(...keys))
      emit(constMetric(info, 'gauge', 1, [disk.device, disk.major, disk.minor, ...labels, rotational ?? '0']))
      if (property('ID_FS_TYPE') !== '')
        emit(constMetric(filesystem, 'gauge', 1, [disk.device, ...filesystemLabels.map(([, key]) => property(key))]))
      if (property('DM_NAME') !== '')
        emit(
          constMetric(deviceMapper, 'gauge', 1, [disk.device, ...deviceMapperLabels.map(([, key]) => property(key))]),
        )
      if (property('ID_ATA') !== '1') return
      for (const [key, ataDesc] of ata) {
        const value = property(key)
        if (value !== '') emit(constMetric(ataDesc, 'gauge', number(value, udevFile, key), [disk.device]))
      }
    }
    return {
      describe: () => [...descs, info, filesystem, deviceMapper, ...ata.map(([, ataDesc]) => ataDesc)],
      async collect(emit) {
        for (const disk of parseDiskstats(await readRequired(paths.proc('diskstats'))))
          if (keep(disk.device)) await emitDisk(emit, disk)
      },
    }
  },
}
