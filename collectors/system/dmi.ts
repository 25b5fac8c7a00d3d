import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { readOptional, systemPaths } from './paths.js'

/** The files of /sys/class/dmi/id that node_exporter reports, by label (`sys_vendor` is `system_vendor`). */
const fields: Readonly<Record<string, string>> = {
  bios_date: 'bios_date',
  bios_release: 'bios_release',
  bios_vendor: 'bios_vendor',
  bios_version: 'bios_version',
  board_asset_tag: 'board_asset_tag',
  board_name: 'board_name',
  board_serial: 'board_serial',
  board_vendor: 'board_vendor',
  board_version: 'board_version',
  chassis_asset_tag: 'chassis_asset_tag',
  chassis_serial: 'chassis_serial',
  chassis_vendor: 'chassis_vendor',
  chassis_version: 'chassis_version',
  product_family: 'product_family',
  product_name: 'product_name',
  product_serial: 'product_serial',
  product_sku: 'product_sku',
  product_uuid: 'product_uuid',
  product_version: 'product_version',
  system_vendor: 'sys_vendor',
}

/**
 * `node_dmi_info 1` labelled with what /sys/class/dmi/id gives (a label for each file there; serials and the UUID
 * are readable by root only, so an unprivileged exporter has fewer labels), nothing on a machine without DMI. The
 * firmware's tables do not change while the machine runs: read once, as node_exporter does.
 */
export const dmiCollector: CollectorDefinition = {
  name: 'dmi',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    /** The info metric's descriptor and label values, or undefined without DMI. */
    const readInfo = async () => {
      const labels: [string, string][] = []
      for (const [label, file] of Object.entries(fields)) {
        const value = await readOptional(paths.sys('class', 'dmi', 'id', file)).catch(() => undefined)
        if (value !== undefined) labels.push([label, value.trim()])
      }
      if (labels.length === 0) return undefined
      const desc = new Desc({
        namespace: context.namespace,
        subsystem: 'dmi',
        name: 'info',
        help: `A metric with a constant '1' value labeled by ${Object.keys(fields).join(', ')} if provided by DMI.`,
        variableLabels: labels.map(([label]) => label),
      })
      return { desc, values: labels.map(([, value]) => value) }
    }
    let info: ReturnType<typeof readInfo> | undefined
    return {
      // The label names depend on the files the machine has: unchecked.
      describe: () => [],
      async collect(emit) {
        info ??= readInfo()
        const read = await info
        if (read !== undefined) emit(constMetric(read.desc, 'gauge', 1, read.values))
      },
    }
  },
}
