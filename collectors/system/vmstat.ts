import { flag } from 'promkit/exporter'
import { fieldsCollector } from './fields-collector.js'
import { lines, number, readRequired } from './paths.js'

/** Parses /proc/vmstat: `name value` lines. */
export function parseVmstat(text: string): Map<string, number> {
  const fields = new Map<string, number>()
  for (const line of lines(text)) {
    const [name, value] = line.split(/\s+/)
    fields.set(name as string, number(value, '/proc/vmstat', name as string))
  }
  return fields
}

const fieldsFlag = flag.regexp('collector.vmstat.fields', {
  default: '^(oom_kill|pgpg|pswp|pg.*fault).*',
  description: 'Regexp of fields to return for vmstat collector.',
})

/** `node_vmstat_<field>` (untyped, as node_exporter has them) for the fields `--collector.vmstat.fields` matches. */
export const vmstatCollector = fieldsCollector({
  name: 'vmstat',
  subsystem: 'vmstat',
  fields: fieldsFlag,
  help: (field) => `/proc/vmstat information field ${field}.`,
  read: async (paths) => parseVmstat(await readRequired(paths.proc('vmstat'))),
})
