import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { readRequired, systemPaths } from './paths.js'
import { parseProcStat } from './proc-stat.js'

/** Boot time, context switches, forks, interrupts and runnable/blocked processes from /proc/stat. */
export const statCollector: CollectorDefinition = {
  name: 'stat',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const desc = (name: string, help: string, unit?: string) =>
      new Desc({ namespace: context.namespace, name, help, unit })
    const bootTime = desc('boot_time_seconds', 'Node boot time, in unixtime.', 'seconds')
    const contextSwitches = desc('context_switches_total', 'Total number of context switches.')
    const forks = desc('forks_total', 'Total number of forks.')
    const interrupts = desc('intr_total', 'Total number of interrupts serviced.')
    const running = desc('procs_running', 'Number of processes in runnable state.')
    const blocked = desc('procs_blocked', 'Number of processes blocked waiting for I/O to complete.')
    return {
      describe: () => [bootTime, contextSwitches, forks, interrupts, running, blocked],
      async collect(emit) {
        const stat = parseProcStat(await readRequired(paths.proc('stat')))
        emit(constMetric(bootTime, 'gauge', stat.bootTime))
        emit(constMetric(contextSwitches, 'counter', stat.contextSwitches))
        emit(constMetric(forks, 'counter', stat.forks))
        emit(constMetric(interrupts, 'counter', stat.interrupts))
        emit(constMetric(running, 'gauge', stat.procsRunning))
        emit(constMetric(blocked, 'gauge', stat.procsBlocked))
      },
    }
  },
}
