import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { lines, readRequired, systemPaths } from './paths.js'

/** One CPU's line of /proc/net/softnet_stat. */
export interface SoftnetStat {
  readonly cpu: string
  readonly processed: number
  readonly dropped: number
  readonly timeSqueezed: number
  readonly cpuCollision: number
  readonly receivedRps: number
  readonly flowLimitCount: number
  /** The backlog's length (Linux 5.10 and later; 0 before). */
  readonly backlogLength: number
}

/**
 * Parses /proc/net/softnet_stat: a line of hexadecimal columns per CPU. The CPU is the 13th column where the kernel
 * writes it (Linux 5.10 and later), else the line's position, as node_exporter reads it.
 */
export function parseSoftnet(text: string): SoftnetStat[] {
  return lines(text).map((line, index) => {
    const columns = line.split(/\s+/).map((column) => Number.parseInt(column, 16))
    if (columns.length < 11 || columns.some(Number.isNaN)) {
      throw new Error(`couldn't parse /proc/net/softnet_stat: line ${index + 1} is not 11 or more hexadecimal columns`)
    }
    const at = (column: number) => columns[column] ?? 0
    return {
      cpu: String(columns.length >= 13 ? at(12) : index),
      processed: at(0),
      dropped: at(1),
      timeSqueezed: at(2),
      cpuCollision: at(8),
      receivedRps: at(9),
      flowLimitCount: at(10),
      backlogLength: at(11),
    }
  })
}

/** `node_softnet_*{cpu}` from /proc/net/softnet_stat, node_exporter's names. */
export const softnetCollector: CollectorDefinition = {
  name: 'softnet',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const desc = (name: string, help: string) =>
      new Desc({ namespace: context.namespace, subsystem: 'softnet', name, help, variableLabels: ['cpu'] })
    const families = [
      [desc('processed_total', 'Number of processed packets'), 'counter', (s: SoftnetStat) => s.processed],
      [desc('dropped_total', 'Number of dropped packets'), 'counter', (s: SoftnetStat) => s.dropped],
      [
        desc('times_squeezed_total', 'Number of times processing packets ran out of quota'),
        'counter',
        (s: SoftnetStat) => s.timeSqueezed,
      ],
      [
        desc('cpu_collision_total', 'Number of collision occur while obtaining device lock while transmitting'),
        'counter',
        (s: SoftnetStat) => s.cpuCollision,
      ],
      [
        desc('received_rps_total', 'Number of times cpu woken up received_rps'),
        'counter',
        (s: SoftnetStat) => s.receivedRps,
      ],
      [
        desc('flow_limit_count_total', 'Number of times flow limit has been reached'),
        'counter',
        (s: SoftnetStat) => s.flowLimitCount,
      ],
      [desc('backlog_len', 'Softnet backlog status'), 'gauge', (s: SoftnetStat) => s.backlogLength],
    ] as const
    return {
      describe: () => families.map(([family]) => family),
      async collect(emit) {
        const stats = parseSoftnet(await readRequired(paths.proc('net', 'softnet_stat')))
        for (const [family, type, read] of families) {
          for (const stat of stats) emit(constMetric(family, type, read(stat), [stat.cpu]))
        }
      },
    }
  },
}
