import { type Collector, Desc, cachedDescs, constMetric } from 'promkit'
import { type CollectorDefinition, flag } from 'promkit/exporter'
import { lines, number, readRequired, systemPaths } from './paths.js'

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
export const vmstatCollector: CollectorDefinition = {
  name: 'vmstat',
  defaultEnabled: true,
  flags: [fieldsFlag],
  create(context): Collector {
    const paths = systemPaths(context)
    const wanted = context.value(fieldsFlag)
    const descFor = cachedDescs(
      (field) =>
        new Desc({
          namespace: context.namespace,
          subsystem: 'vmstat',
          name: field,
          help: `/proc/vmstat information field ${field}.`,
        }),
    )
    return {
      // Which fields exist depends on the kernel: unchecked.
      describe: () => [],
      async collect(emit) {
        for (const [field, value] of parseVmstat(await readRequired(paths.proc('vmstat')))) {
          if (wanted.test(field)) emit(constMetric(descFor(field), 'untyped', value))
        }
      },
    }
  },
}
