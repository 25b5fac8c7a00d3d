import { join } from 'node:path'
import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { listOptional, number, readOptional, systemPaths } from './paths.js'

/** A watchdog's numeric attributes node_exporter gives, by file, with the metric name's suffix (`_seconds` or none). */
const numeric = [
  ['access_cs0', ''],
  ['bootstatus', ''],
  ['fw_version', ''],
  ['nowayout', ''],
  ['pretimeout', '_seconds'],
  ['timeleft', '_seconds'],
  ['timeout', '_seconds'],
] as const

/** The text attributes that label `node_watchdog_info`, empty when the driver has not the file. */
const textual = ['identity', 'options', 'pretimeout_governor', 'state', 'status'] as const

/**
 * node_exporter's watchdog collector (a default since 1.12), from /sys/class/watchdog: per watchdog its timeout, time
 * left and pretimeout in seconds, boot status, firmware version, nowayout and access_cs0, and `node_watchdog_info`
 * (identity, options, state, status, pretimeout governor). Nothing without a watchdog.
 */
export const watchdogCollector: CollectorDefinition = {
  name: 'watchdog',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const desc = (name: string, help: string, labels: readonly string[]) =>
      new Desc({ namespace: context.namespace, subsystem: 'watchdog', name, help, variableLabels: labels })
    const values = numeric.map(
      ([file, suffix]) =>
        [file, desc(`${file}${suffix}`, `Value of /sys/class/watchdog/<watchdog>/${file}`, ['name'])] as const,
    )
    const info = desc('info', 'Info of /sys/class/watchdog/<watchdog>', ['name', ...textual])
    return {
      describe: () => [...values.map(([, valueDesc]) => valueDesc), info],
      async collect(emit) {
        const root = paths.sys('class', 'watchdog')
        for (const watchdog of (await listOptional(root)).sort()) {
          const read = async (file: string) => (await readOptional(join(root, watchdog, file)))?.trim()
          for (const [file, valueDesc] of values) {
            const text = await read(file)
            if (text !== undefined)
              emit(constMetric(valueDesc, 'gauge', number(text, join(root, watchdog, file), file), [watchdog]))
          }
          const labels = await Promise.all(textual.map(async (file) => (await read(file)) ?? ''))
          emit(constMetric(info, 'gauge', 1, [watchdog, ...labels]))
        }
      },
    }
  },
}
