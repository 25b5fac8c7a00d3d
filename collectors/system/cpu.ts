import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { readRequired, systemPaths } from './paths.js'
import { parseProcStat } from './proc-stat.js'

/** `node_cpu_seconds_total{cpu,mode}` and `node_cpu_guest_seconds_total{cpu,mode}` from /proc/stat. */
export const cpuCollector: CollectorDefinition = {
  name: 'cpu',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const seconds = new Desc({
      namespace: context.namespace,
      subsystem: 'cpu',
      name: 'seconds_total',
      help: 'Seconds the CPUs spent in each mode.',
      variableLabels: ['cpu', 'mode'],
      unit: 'seconds',
    })
    const guest = new Desc({
      namespace: context.namespace,
      subsystem: 'cpu',
      name: 'guest_seconds_total',
      help: 'Seconds the CPUs spent in guests (VMs) for each mode.',
      variableLabels: ['cpu', 'mode'],
      unit: 'seconds',
    })
    return {
      describe: () => [seconds, guest],
      async collect(emit) {
        for (const cpu of parseProcStat(await readRequired(paths.proc('stat'))).cpus) {
          for (const [mode, value] of Object.entries(cpu.modes))
            emit(constMetric(seconds, 'counter', value, [cpu.cpu, mode]))
          emit(constMetric(guest, 'counter', cpu.guest, [cpu.cpu, 'user']))
          emit(constMetric(guest, 'counter', cpu.guestNice, [cpu.cpu, 'nice']))
        }
      },
    }
  },
}
