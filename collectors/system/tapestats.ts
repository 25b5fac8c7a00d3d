import { join } from 'node:path'
import { type Collector, constMetric } from 'promkit'
import { type CollectorDefinition, flag } from 'promkit/exporter'
import { type FileStat, fileStatDescs, typeByName } from './file-stats.js'
import { listOptional, number, readRequired, systemPaths } from './paths.js'

/** A tape drive's statistics, under /sys/class/scsi_tape/st<N>/stats/ (times in nanoseconds). */
const tapeStats: readonly FileStat[] = [
  ['stats/in_flight', 'io_now', 'The number of I/Os currently outstanding to this device.'],
  [
    'stats/io_ns',
    'io_time_seconds_total',
    'The amount of time spent waiting for all I/O to complete (including read and write). This includes ' +
      'tape movement commands such as seeking between file or set marks and implicit tape movement such as ' +
      'when rewind on close tape devices are used.',
  ],
  [
    'stats/other_cnt',
    'io_others_total',
    'The number of I/Os issued to the tape drive other than read or write commands. The time taken to ' +
      'complete these commands uses the following calculation ' +
      'io_time_seconds_total-read_time_seconds_total-write_time_seconds_total',
  ],
  ['stats/read_byte_cnt', 'read_bytes_total', 'The number of bytes read from the tape drive.'],
  ['stats/read_ns', 'read_time_seconds_total', 'The amount of time spent waiting for read requests to complete.'],
  ['stats/read_cnt', 'reads_completed_total', 'The number of read requests issued to the tape drive.'],
  [
    'stats/resid_cnt',
    'residual_total',
    'The number of times during a read or write we found the residual amount to be non-zero. This should ' +
      'mean that a program is issuing a read larger thean the block size on tape. For write not all data ' +
      'made it to tape.',
  ],
  ['stats/write_ns', 'write_time_seconds_total', 'The amount of time spent waiting for write requests to complete.'],
  ['stats/write_cnt', 'writes_completed_total', 'The number of write requests issued to the tape drive.'],
  ['stats/write_byte_cnt', 'written_bytes_total', 'The number of bytes written to the tape drive.'],
]

const ignoredFlag = flag.regexp('collector.tapestats.ignored-devices', {
  default: '^$',
  description: 'Regexp of devices to ignore for tapestats.',
})

/**
 * node_exporter's tapestats collector, from /sys/class/scsi_tape: per tape drive (`st<N>`; its `nst`, `a`, `l` and `m`
 * aliases are the same drive) its I/O in flight, commands, bytes and the time spent on them, in seconds.
 * `--collector.tapestats.ignored-devices` leaves drives out. Nothing without tape drives.
 */
export const tapestatsCollector: CollectorDefinition = {
  name: 'tapestats',
  defaultEnabled: true,
  flags: [ignoredFlag],
  create(context): Collector {
    const paths = systemPaths(context)
    const ignored = context.value(ignoredFlag)
    const stats = fileStatDescs(context, 'tape', tapeStats, ['device'])
    return {
      describe: () => stats.map(([, desc]) => desc),
      async collect(emit) {
        const root = paths.sys('class', 'scsi_tape')
        const drives = (await listOptional(root)).filter((entry) => /^st\d+$/.test(entry) && !ignored.test(entry))
        for (const drive of drives.sort()) {
          for (const [source, desc] of stats) {
            const file = join(root, drive, source)
            const value = number((await readRequired(file)).trim(), file, source)
            emit(constMetric(desc, typeByName(desc), source.endsWith('_ns') ? value / 1e9 : value, [drive]))
          }
        }
      },
    }
  },
}
