import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { number, readRequired, systemPaths } from './paths.js'

/** Parses /proc/sys/fs/file-nr: allocated, unused (always 0 since Linux 2.6), maximum. */
export function parseFileNr(text: string): { allocated: number; maximum: number } {
  const fields = text.trim().split(/\s+/)
  if (fields.length !== 3)
    throw new Error(`couldn't parse /proc/sys/fs/file-nr: want 3 fields, got ${JSON.stringify(text.trim())}`)
  return {
    allocated: number(fields[0], '/proc/sys/fs/file-nr', 'allocated'),
    maximum: number(fields[2], '/proc/sys/fs/file-nr', 'maximum'),
  }
}

/** `node_filefd_allocated` and `node_filefd_maximum`. */
export const filefdCollector: CollectorDefinition = {
  name: 'filefd',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const allocated = new Desc({
      namespace: context.namespace,
      subsystem: 'filefd',
      name: 'allocated',
      help: 'File descriptor statistics: allocated.',
    })
    const maximum = new Desc({
      namespace: context.namespace,
      subsystem: 'filefd',
      name: 'maximum',
      help: 'File descriptor statistics: maximum.',
    })
    return {
      describe: () => [allocated, maximum],
      async collect(emit) {
        const counts = parseFileNr(await readRequired(paths.proc('sys', 'fs', 'file-nr')))
        emit(constMetric(allocated, 'gauge', counts.allocated))
        emit(constMetric(maximum, 'gauge', counts.maximum))
      },
    }
  },
}
