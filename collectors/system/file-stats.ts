import { Desc, type ScalarType } from 'promkit'
import type { ExporterContext } from 'promkit/exporter'

/**
 * A statistic a collector reads from one file (or one line) of sysfs: where, relative to the device's directory, its
 * metric's name within the subsystem, and its help.
 */
export type FileStat = readonly [source: string, name: string, help: string]

/** The descriptor of each of these statistics, `<namespace>_<subsystem>_<name>` with these labels, by source. */
export function fileStatDescs(
  context: ExporterContext,
  subsystem: string,
  stats: readonly FileStat[],
  labels: readonly string[],
): (readonly [source: string, desc: Desc])[] {
  return stats.map(
    ([source, name, help]) =>
      [source, new Desc({ namespace: context.namespace, subsystem, name, help, variableLabels: labels })] as const,
  )
}

/** A counter when its name ends in `_total`, as node_exporter's sysfs collectors name them; a gauge otherwise. */
export function typeByName(desc: Desc): ScalarType {
  return desc.fqName.endsWith('_total') ? 'counter' : 'gauge'
}
