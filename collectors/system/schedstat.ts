import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { lines, number, readOptional, systemPaths } from './paths.js'

/** One CPU's scheduler statistics: time running and waiting (ns), and timeslices run. */
export interface CpuSchedstat {
  readonly cpu: string
  readonly runningNanoseconds: number
  readonly waitingNanoseconds: number
  readonly timeslices: number
}

/** Parses /proc/schedstat: its `cpuN` lines, whose last three fields are running and waiting time, and timeslices. */
export function parseSchedstat(text: string): CpuSchedstat[] {
  return lines(text)
    .filter((line) => /^cpu\d+ /.test(line))
    .map((line) => {
      const fields = line.split(/\s+/)
      const cpu = (fields[0] as string).slice(3)
      if (fields.length < 10) throw new Error(`couldn't parse /proc/schedstat: cpu${cpu} has ${fields.length} fields`)
      return {
        cpu,
        runningNanoseconds: number(fields[7], '/proc/schedstat', `cpu${cpu} running`),
        waitingNanoseconds: number(fields[8], '/proc/schedstat', `cpu${cpu} waiting`),
        timeslices: number(fields[9], '/proc/schedstat', `cpu${cpu} timeslices`),
      }
    })
}

/** `node_schedstat_{running,waiting}_seconds_total{cpu}` and `node_schedstat_timeslices_total{cpu}`. */
export const schedstatCollector: CollectorDefinition = {
  name: 'schedstat',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const desc = (name: string, help: string) =>
      new Desc({ namespace: context.namespace, subsystem: 'schedstat', name, help, variableLabels: ['cpu'] })
    const running = desc('running_seconds_total', 'Number of seconds CPU spent running a process.')
    const waiting = desc('waiting_seconds_total', 'Number of seconds spent by processing waiting for this CPU.')
    const timeslices = desc('timeslices_total', 'Number of timeslices executed by CPU.')
    return {
      describe: () => [running, waiting, timeslices],
      async collect(emit) {
        const text = await readOptional(paths.proc('schedstat'))
        if (text === undefined) return context.logger.debug('no /proc/schedstat: the schedstat collector has no data')
        const stats = parseSchedstat(text)
        for (const stat of stats) emit(constMetric(running, 'counter', stat.runningNanoseconds / 1e9, [stat.cpu]))
        for (const stat of stats) emit(constMetric(waiting, 'counter', stat.waitingNanoseconds / 1e9, [stat.cpu]))
        for (const stat of stats) emit(constMetric(timeslices, 'counter', stat.timeslices, [stat.cpu]))
      },
    }
  },
}
