import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { number, readRequired, systemPaths } from './paths.js'

/** Parses /proc/loadavg into the 1, 5 and 15 minute load averages. */
export function parseLoadavg(text: string): [number, number, number] {
  const fields = text.trim().split(/\s+/)
  if (fields.length < 3)
    throw new Error(`couldn't parse /proc/loadavg: want at least 3 fields, got ${JSON.stringify(text.trim())}`)
  return [
    number(fields[0], '/proc/loadavg', 'load1'),
    number(fields[1], '/proc/loadavg', 'load5'),
    number(fields[2], '/proc/loadavg', 'load15'),
  ]
}

/** `node_load1`, `node_load5`, `node_load15`. */
export const loadavgCollector: CollectorDefinition = {
  name: 'loadavg',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const descs = (['1', '5', '15'] as const).map(
      (minutes) =>
        new Desc({ namespace: context.namespace, name: `load${minutes}`, help: `${minutes}m load average.` }),
    )
    return {
      describe: () => descs,
      async collect(emit) {
        const loads = parseLoadavg(await readRequired(paths.proc('loadavg')))
        loads.forEach((load, i) => {
          emit(constMetric(descs[i] as Desc, 'gauge', load))
        })
      },
    }
  },
}
