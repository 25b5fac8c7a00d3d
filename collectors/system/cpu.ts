import { join } from 'node:path'
import { type Collector, Desc, type Metric, constMetric } from 'promkit'
import { type CollectorDefinition, type ExporterContext, flag } from 'promkit/exporter'
import { type SystemPaths, numberedEntries, readOptional, readRequired, systemPaths } from './paths.js'
import { parseProcStat } from './proc-stat.js'

/** The processors of /proc/cpuinfo, each its `key: value` fields by key. */
export function parseCpuinfo(text: string): Map<string, string>[] {
  return text
    .split(/\n\s*\n/)
    .map((block) => {
      const fields = new Map<string, string>()
      for (const line of block.split('\n')) {
        const split = line.indexOf(':')
        if (split > 0) fields.set(line.slice(0, split).trim(), line.slice(split + 1).trim())
      }
      return fields
    })
    .filter((fields) => fields.has('processor'))
}

/** A kernel CPU list (`1,3-5,9`) as its CPU numbers. */
export function parseCpuList(text: string): number[] {
  return text
    .trim()
    .split(',')
    .filter((part) => part !== '')
    .flatMap((part) => {
      const [first, last = first] = part.split('-').map(Number) as [number, number?]
      return Array.from({ length: last - first + 1 }, (_, i) => first + i)
    })
}

const infoFlag = flag.boolean('collector.cpu.info', { description: 'Enables metric cpu_info' })
const flagsIncludeFlag = flag.regexp('collector.cpu.info.flags-include', {
  description: 'Filter the `flags` field in cpuInfo with a value that must be a regular expression',
})
const bugsIncludeFlag = flag.regexp('collector.cpu.info.bugs-include', {
  description: 'Filter the `bugs` field in cpuInfo with a value that must be a regular expression',
})

/**
 * With `--collector.cpu.info`, node_exporter's metrics of /proc/cpuinfo: `node_cpu_info` per processor, its frequency,
 * and the first processor's `flags` and `bugs` that the include regexps match, one series each.
 */
function cpuinfoMetrics(context: ExporterContext, paths: SystemPaths) {
  const desc = (name: string, help: string, labels: string[]) =>
    new Desc({ namespace: context.namespace, subsystem: 'cpu', name, help, variableLabels: labels })
  const fields = ['vendor_id', 'cpu family', 'model', 'model name', 'microcode', 'stepping', 'cache size']
  const info = desc('info', 'CPU information from /proc/cpuinfo.', [
    'package',
    'core',
    'cpu',
    'vendor',
    'family',
    'model',
    'model_name',
    'microcode',
    'stepping',
    'cachesize',
  ])
  const frequency = desc('frequency_hertz', 'CPU frequency in hertz from /proc/cpuinfo.', ['package', 'core', 'cpu'])
  const listed = [
    [
      'flags',
      context.value(flagsIncludeFlag),
      desc('flag_info', 'The `flags` field of CPU information from /proc/cpuinfo taken from the first core.', ['flag']),
    ],
    [
      'bugs',
      context.value(bugsIncludeFlag),
      desc('bug_info', 'The `bugs` field of CPU information from /proc/cpuinfo taken from the first core.', ['bug']),
    ],
  ] as const
  return {
    // Not frequency: cpufreq declares node_cpu_frequency_hertz{cpu} (from cpuinfo_cur_freq) with another help, as
    // node_exporter does. When both give it, the gather keeps cpufreq's and reports this one, as node_exporter's does.
    descs: [info, ...listed.map(([, , listDesc]) => listDesc)],
    async collect(): Promise<Metric[]> {
      const processors = parseCpuinfo(await readRequired(paths.proc('cpuinfo')))
      const metrics = processors.flatMap((processor) => {
        const at = [
          processor.get('physical id') ?? '',
          processor.get('core id') ?? '',
          processor.get('processor') as string,
        ]
        const megahertz = processor.get('cpu MHz')
        return [
          constMetric(info, 'gauge', 1, [...at, ...fields.map((field) => processor.get(field) ?? '')]),
          ...(megahertz === undefined ? [] : [constMetric(frequency, 'gauge', Number(megahertz) * 1e6, at)]),
        ]
      })
      for (const [field, include, listDesc] of listed) {
        if (include === undefined) continue
        const values = new Set((processors[0]?.get(field) ?? '').split(/\s+/).filter((value) => include.test(value)))
        for (const value of [...values].sort()) metrics.push(constMetric(listDesc, 'gauge', 1, [value]))
      }
      return metrics
    },
  }
}

/**
 * node_exporter's cpu collector: `node_cpu_seconds_total{cpu,mode}` and `node_cpu_guest_seconds_total{cpu,mode}` from
 * /proc/stat, the thermal throttle counts per core and package and the isolated CPUs from /sys/devices/system/cpu,
 * and with `--collector.cpu.info` what /proc/cpuinfo says of each processor.
 */
export const cpuCollector: CollectorDefinition = {
  name: 'cpu',
  defaultEnabled: true,
  flags: [infoFlag, flagsIncludeFlag, bugsIncludeFlag],
  create(context): Collector {
    const paths = systemPaths(context)
    const cpuinfo = context.value(infoFlag) ? cpuinfoMetrics(context, paths) : undefined
    const throttles = (name: string, what: string, labels: string[]) =>
      new Desc({
        namespace: context.namespace,
        subsystem: 'cpu',
        name,
        help: `Number of times this CPU ${what} has been throttled.`,
        variableLabels: labels,
      })
    const coreThrottles = throttles('core_throttles_total', 'core', ['package', 'core'])
    const packageThrottles = throttles('package_throttles_total', 'package', ['package'])
    const isolated = new Desc({
      namespace: context.namespace,
      subsystem: 'cpu',
      name: 'isolated',
      help: 'Whether each core is isolated, information from /sys/devices/system/cpu/isolated.',
      variableLabels: ['cpu'],
    })
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
      describe: () => [seconds, guest, coreThrottles, packageThrottles, isolated, ...(cpuinfo?.descs ?? [])],
      async collect(emit) {
        for (const cpu of parseProcStat(await readRequired(paths.proc('stat'))).cpus) {
          for (const [mode, value] of Object.entries(cpu.modes))
            emit(constMetric(seconds, 'counter', value, [cpu.cpu, mode]))
          emit(constMetric(guest, 'counter', cpu.guest, [cpu.cpu, 'user']))
          emit(constMetric(guest, 'counter', cpu.guestNice, [cpu.cpu, 'nice']))
        }
        // Each core and package once, from the first CPU in it; a CPU without thermal_throttle (a VM) has none.
        const root = paths.sys('devices', 'system', 'cpu')
        const seenCores = new Set<string>()
        const seenPackages = new Set<string>()
        for (const { entry: cpu } of await numberedEntries(root, /^cpu(\d+)$/)) {
          const read = async (...parts: string[]) => (await readOptional(join(root, cpu, ...parts)))?.trim()
          const pkg = await read('topology', 'physical_package_id')
          const core = await read('topology', 'core_id')
          if (pkg === undefined || core === undefined) continue
          const coreCount = await read('thermal_throttle', 'core_throttle_count')
          if (coreCount !== undefined && !seenCores.has(`${pkg}/${core}`)) {
            seenCores.add(`${pkg}/${core}`)
            emit(constMetric(coreThrottles, 'counter', Number(coreCount), [pkg, core]))
          }
          const packageCount = await read('thermal_throttle', 'package_throttle_count')
          if (packageCount !== undefined && !seenPackages.has(pkg)) {
            seenPackages.add(pkg)
            emit(constMetric(packageThrottles, 'counter', Number(packageCount), [pkg]))
          }
        }
        for (const cpu of parseCpuList((await readOptional(join(root, 'isolated'))) ?? '')) {
          emit(constMetric(isolated, 'gauge', 1, [String(cpu)]))
        }
        for (const metric of (await cpuinfo?.collect()) ?? []) emit(metric)
      },
    }
  },
}
