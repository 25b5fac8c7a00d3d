import { type Collector, Desc, cachedDescs, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { lines, number, readRequired, systemPaths } from './paths.js'

/**
 * Parses /proc/meminfo with node_exporter's naming: `Active(anon)` becomes
 * `Active_anon`, and a value in kB becomes bytes with a `_bytes` suffix
 * (`MemTotal_bytes`); unitless fields (`HugePages_Total`) keep their name.
 */
export function parseMeminfo(text: string): Map<string, number> {
  const fields = new Map<string, number>()
  for (const line of lines(text)) {
    const parts = line.split(/\s+/)
    const key = parts[0]?.replace(/:$/, '').replace('(', '_').replace(')', '') as string
    const value = number(parts[1], '/proc/meminfo', key)
    if (parts.length === 3) fields.set(`${key}_bytes`, value * 1024)
    else fields.set(key, value)
  }
  return fields
}

/** Every `node_memory_*` field of /proc/meminfo. */
export const meminfoCollector: CollectorDefinition = {
  name: 'meminfo',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const descFor = cachedDescs(
      (field) =>
        new Desc({
          namespace: context.namespace,
          subsystem: 'memory',
          name: field,
          help: `Memory information field ${field}.`,
        }),
    )
    return {
      // The fields depend on the kernel, so this collector is unchecked: its names are known only once read.
      describe: () => [],
      async collect(emit) {
        for (const [field, value] of parseMeminfo(await readRequired(paths.proc('meminfo'))))
          emit(constMetric(descFor(field), 'gauge', value))
      },
    }
  },
}
