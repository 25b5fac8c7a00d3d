import { join } from 'node:path'
import { type Collector, Desc, cachedDescs, constMetric } from 'promkit'
import { type CollectorDefinition, flag } from 'promkit/exporter'
import { listOptional, number, readDeviceOptional, systemPaths } from './paths.js'

const zoneLabelFlag = flag.boolean('collector.rapl.enable-zone-label', {
  description: 'Write one node_rapl_joules_total family with a rapl_zone label instead of a family per zone.',
})

/**
 * A zone's name without its index, and the index: `package-0` is `package` 0; a name without one (`dram`, `core`)
 * takes how many zones of that name came before, as procfs numbers them.
 */
function indexAndName(seen: Map<string, number>, raw: string): [number, string] {
  const parts = raw.split('-')
  if (parts.length === 2 && /^\d+$/.test(parts[1] as string)) return [Number(parts[1]), parts[0] as string]
  return [seen.get(raw) ?? 0, raw]
}

/** The characters a metric name cannot have, replaced by `_` as node_exporter's SanitizeMetricName does. */
const unsafe = /[^a-zA-Z0-9_:]/g

/**
 * `node_rapl_<zone>_joules_total{index,path}`: the energy counter of each RAPL zone in /sys/class/powercap (package,
 * core, uncore, dram, psys), in joules, as node_exporter names it; with `--collector.rapl.enable-zone-label`, one
 * `node_rapl_joules_total{index,path,rapl_zone}`. A zone directory without a `name` is skipped.
 */
export const raplCollector: CollectorDefinition = {
  name: 'rapl',
  defaultEnabled: true,
  flags: [zoneLabelFlag],
  create(context): Collector {
    const paths = systemPaths(context)
    const zoneLabel = context.value(zoneLabelFlag)
    const joules = new Desc({
      namespace: context.namespace,
      subsystem: 'rapl',
      name: 'joules_total',
      help: 'Current RAPL value in joules',
      variableLabels: ['index', 'path', 'rapl_zone'],
    })
    const perZone = cachedDescs(
      (zone) =>
        new Desc({
          namespace: context.namespace,
          subsystem: 'rapl',
          name: `${zone}_joules_total`.replace(unsafe, '_'),
          help: `Current RAPL ${zone} value in joules`,
          variableLabels: ['index', 'path'],
        }),
    )
    const dir = paths.sys('class', 'powercap')
    return {
      // Unchecked: the zones, and so the names, are known only from the files.
      describe: () => (zoneLabel ? [joules] : []),
      async collect(emit) {
        const seen = new Map<string, number>()
        for (const entry of (await listOptional(dir)).sort()) {
          const raw = (await readDeviceOptional(join(dir, entry, 'name')))?.trim()
          if (raw === undefined) continue
          const [index, zone] = indexAndName(seen, raw)
          seen.set(zone, index + 1)
          // Readable by root only on kernels patched for CVE-2020-8694: the error says EACCES and the file.
          const file = join(dir, entry, 'energy_uj')
          const value = number((await readDeviceOptional(file))?.trim(), file, 'energy_uj') / 1e6
          const path = join(dir, entry)
          if (zoneLabel) emit(constMetric(joules, 'counter', value, [String(index), path, zone]))
          else emit(constMetric(perZone(zone), 'counter', value, [String(index), path]))
        }
      },
    }
  },
}
