import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { listOptional, number, readDeviceOptional, systemPaths } from './paths.js'

/** The frequency files of a CPU's cpufreq directory (kHz), by the family that reports them in Hz. */
const frequencies = [
  ['frequency_hertz', 'cpuinfo_cur_freq', 'Current CPU thread frequency in hertz.'],
  ['frequency_max_hertz', 'cpuinfo_max_freq', 'Maximum CPU thread frequency in hertz.'],
  ['frequency_min_hertz', 'cpuinfo_min_freq', 'Minimum CPU thread frequency in hertz.'],
  ['scaling_frequency_hertz', 'scaling_cur_freq', 'Current scaled CPU thread frequency in hertz.'],
  ['scaling_frequency_max_hertz', 'scaling_max_freq', 'Maximum scaled CPU thread frequency in hertz.'],
  ['scaling_frequency_min_hertz', 'scaling_min_freq', 'Minimum scaled CPU thread frequency in hertz.'],
] as const

/**
 * node_exporter's cpufreq collector: `node_cpu_frequency{,_max,_min}_hertz{cpu}` and
 * `node_cpu_scaling_frequency{,_max,_min}_hertz{cpu}` from /sys/devices/system/cpu/cpuN/cpufreq (a file the exporter
 * may not read, `cpuinfo_cur_freq` is root's, is left out), and `node_cpu_scaling_governor{cpu,governor}`: 1 for the
 * CPU's governor, 0 for the others it could have. Nothing on a machine without cpufreq (most VMs).
 */
export const cpufreqCollector: CollectorDefinition = {
  name: 'cpufreq',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const desc = (name: string, help: string, labels: readonly string[] = []) =>
      new Desc({ namespace: context.namespace, subsystem: 'cpu', name, help, variableLabels: ['cpu', ...labels] })
    const families = frequencies.map(([name, file, help]) => [desc(name, help), file] as const)
    const governor = desc('scaling_governor', 'Current enabled CPU frequency governor.', ['governor'])
    const cpus = paths.sys('devices', 'system', 'cpu')
    const read = async (cpu: string, file: string) =>
      (
        await readDeviceOptional(paths.sys('devices', 'system', 'cpu', `cpu${cpu}`, 'cpufreq', file)).catch(
          () => undefined,
        )
      )?.trim()
    return {
      describe: () => [...families.map(([family]) => family), governor],
      async collect(emit) {
        const entries = await listOptional(cpus).catch(() => [] as string[])
        const numbered = entries
          .map((entry) => /^cpu(\d+)$/.exec(entry)?.[1])
          .filter((cpu) => cpu !== undefined)
          .sort((a, b) => Number(a) - Number(b))
        // A CPU has cpufreq when it has a governor.
        const withCpufreq: { cpu: string; current: string }[] = []
        for (const cpu of numbered) {
          const current = await read(cpu, 'scaling_governor')
          if (current !== undefined) withCpufreq.push({ cpu, current })
        }
        for (const [family, file] of families) {
          for (const { cpu } of withCpufreq) {
            const khz = await read(cpu, file)
            if (khz !== undefined) {
              emit(constMetric(family, 'gauge', number(khz, `cpu${cpu}/cpufreq/${file}`, file) * 1000, [cpu]))
            }
          }
        }
        for (const { cpu, current } of withCpufreq) {
          const available = ((await read(cpu, 'scaling_available_governors')) ?? current).split(/\s+/)
          for (const name of [...new Set(available)].sort()) {
            emit(constMetric(governor, 'gauge', name === current ? 1 : 0, [cpu, name]))
          }
        }
      },
    }
  },
}
