import { readdir, realpath } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { type Collector, Desc, type Metric, type ScalarType, cachedDescs, constMetric } from 'promkit'
import { type CollectorDefinition, flag } from 'promkit/exporter'
import { isDirectory, listOptional, readDeviceOptional, systemPaths } from './paths.js'

/** The sensor types node_exporter reads; files of other types (`name`, `uevent`, …) are not sensors. */
const sensorTypes = new Set([
  'vrm',
  'beep_enable',
  'update_interval',
  'in',
  'cpu',
  'fan',
  'pwm',
  'temp',
  'curr',
  'power',
  'energy',
  'humidity',
  'intrusion',
  'freq',
])

/** A hwmon attribute file's name split as `<type><number>_<element>`: `temp1_crit_alarm` is temp, 1, crit_alarm. */
export function sensorFile(name: string): { sensor: string; type: string; element: string } | undefined {
  const parts = /^([^0-9]+)([0-9]*)(?:_(.+))?$/.exec(name)
  if (parts === null || !sensorTypes.has(parts[1] as string)) return undefined
  const [, type, number, element = ''] = parts as unknown as [string, string, string, string | undefined]
  return { sensor: `${type}${Number(number)}`, type, element }
}

/** A name as node_exporter makes it fit a metric or chip name: lower case, other characters `_`, no `_` at the ends. */
export function cleanName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9:_]/g, '_')
    .replace(/^_+|_+$/g, '')
}

/** A value as Go's ParseFloat reads it, or undefined (hwmon files that hold text, or none, are skipped). */
function parseValue(text: string | undefined): number | undefined {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(String(text)) ? Number(text) : undefined
}

/** How an element of a sensor type becomes a metric: its name's suffix, conversion to base units, help and type. */
interface ElementRule {
  readonly suffix: string
  /** As node_exporter computes it (`* 0.001` for milli-units, `/ 1e6` for micro-units), so values are bit-equal. */
  readonly convert: (value: number) => number
  readonly help: string
  readonly type?: ScalarType
}

/** node_exporter's units for a sensor type's element, or undefined for those it writes as they are. */
export function elementRule(type: string, element: string): ElementRule | undefined {
  const milli = (value: number) => value * 0.001
  const micro = (value: number) => value / 1_000_000
  if (type === 'in' || type === 'cpu') return { suffix: '_volts', convert: milli, help: `voltage (${element})` }
  if (type === 'temp' && element !== 'type')
    return { suffix: '_celsius', convert: milli, help: `temperature (${element || 'input'})` }
  if (type === 'curr') return { suffix: '_amps', convert: milli, help: `current (${element})` }
  if (type === 'energy')
    return { suffix: '_joule_total', convert: micro, help: `joules used so far (${element})`, type: 'counter' }
  if (type === 'power' && element === 'accuracy')
    return { suffix: '', convert: micro, help: 'power meter accuracy, as a ratio' }
  if (type === 'power' && /^average_interval(_min|_max)?$/.test(element))
    return { suffix: '_seconds', convert: milli, help: `power usage update interval (${element})` }
  if (type === 'power') return { suffix: '_watt', convert: micro, help: `power usage in watts (${element})` }
  if (type === 'humidity') {
    const help = `humidity, as a ratio (multiply with 100.0 to get the humidity as a percentage) (${element})`
    return { suffix: '', convert: micro, help }
  }
  if (type === 'fan' && ['input', 'min', 'max', 'target'].includes(element))
    return { suffix: '_rpm', convert: (value) => value, help: `fan revolutions per minute (${element})` }
  return undefined
}

/** The sensors of one chip: by sensor (`temp1`), its elements (`input`, `crit`, `label`, or `` for `pwm1`). */
type Sensors = Map<string, Map<string, string>>

/** Reads a directory's sensor files into `sensors`; a file that cannot be read is left out, as in node_exporter. */
async function readSensors(dir: string, sensors: Sensors): Promise<void> {
  for (const name of await readdir(dir)) {
    const file = sensorFile(name)
    if (file === undefined) continue
    const text = await readDeviceOptional(join(dir, name)).catch(() => undefined)
    if (text === undefined) continue
    const elements = sensors.get(file.sensor) ?? new Map<string, string>()
    elements.set(file.element, text.replace(/^\n+|\n+$/g, ''))
    sensors.set(file.sensor, elements)
  }
}

/** What a hwmon directory is named by: its device's parent and name, else its `name` file, else the directory. */
async function chipOf(dir: string): Promise<{ chip: string; name: string | undefined }> {
  const nameFile = await readDeviceOptional(join(dir, 'name')).catch(() => undefined)
  const name = nameFile === undefined ? undefined : cleanName(nameFile) || undefined
  const device = await realpath(join(dir, 'device')).catch(() => undefined)
  const fromDevice = device && [cleanName(basename(dirname(device))), cleanName(basename(device))].filter(Boolean)
  if (fromDevice && fromDevice.length > 0) return { chip: fromDevice.join('_'), name }
  return { chip: name ?? cleanName(basename(await realpath(dir))), name }
}

const chipIncludeFlag = flag.regexp('collector.hwmon.chip-include', {
  description: 'Regexp of hwmon chips to include.',
})
const chipExcludeFlag = flag.regexp('collector.hwmon.chip-exclude', {
  description: 'Regexp of hwmon chips to exclude.',
})
const sensorIncludeFlag = flag.regexp('collector.hwmon.sensor-include', {
  description: 'Regexp of hwmon sensors to include, matched against "<chip>;<sensor>".',
})
const sensorExcludeFlag = flag.regexp('collector.hwmon.sensor-exclude', {
  description: 'Regexp of hwmon sensors to exclude, matched against "<chip>;<sensor>".',
})

/**
 * node_exporter's hwmon collector, from /sys/class/hwmon (what lm-sensors reads): every sensor of every chip as
 * `node_hwmon_<type>[_<element>]<unit>{chip,sensor}` in base units (volts, celsius, amps, joules, watts, seconds, rpm),
 * alarms and faults as they are, `node_hwmon_chip_names{chip,chip_name}` and `node_hwmon_sensor_label{chip,sensor,
 * label}`. A chip is named by its device (`platform_coretemp_0`), chips sharing a device get their `name` appended.
 * `--collector.hwmon.{chip,sensor}-{include,exclude}` choose chips and `<chip>;<sensor>` pairs.
 */
export const hwmonCollector: CollectorDefinition = {
  name: 'hwmon',
  defaultEnabled: true,
  flags: [chipIncludeFlag, chipExcludeFlag, sensorIncludeFlag, sensorExcludeFlag],
  create(context): Collector {
    const paths = systemPaths(context)
    const keep = (include: RegExp | undefined, exclude: RegExp | undefined) => (text: string) =>
      (include === undefined || include.test(text)) && (exclude === undefined || !exclude.test(text))
    const keepChip = keep(context.value(chipIncludeFlag), context.value(chipExcludeFlag))
    const keepSensor = keep(context.value(sensorIncludeFlag), context.value(sensorExcludeFlag))
    const descFor = cachedDescs((key) => {
      const [name, help, ...labels] = key.split('\n') as [string, string, ...string[]]
      return new Desc({ namespace: context.namespace, subsystem: 'hwmon', name, help, variableLabels: labels })
    })
    const gauge = (name: string, help: string, value: number, labels: string[], type: ScalarType = 'gauge') =>
      constMetric(descFor([name, help, 'chip', 'sensor'].join('\n')), type, value, labels)
    const chipNames = descFor(
      ['chip_names', 'Annotation metric for human-readable chip names', 'chip', 'chip_name'].join('\n'),
    )
    const sensorLabel = descFor(
      ['sensor_label', 'Label for given chip and sensor', 'chip', 'sensor', 'label'].join('\n'),
    )

    /** The metrics of one sensor of a chip. */
    function sensorMetrics(chip: string, sensor: string, elements: Map<string, string>): Metric[] {
      const type = sensorFile(sensor)?.type as string
      const labels = [chip, sensor]
      const label = elements.get('label')
      const metrics = label === undefined ? [] : [constMetric(sensorLabel, 'gauge', 1, [chip, sensor, label])]
      const whole = elements.get('')
      if (type === 'beep_enable')
        return [...metrics, gauge('beep_enabled', 'Hardware beep enabled', whole === '1' ? 1 : 0, labels)]
      if (type === 'vrm' || type === 'update_interval') {
        const value = parseValue(whole)
        if (value === undefined) return metrics
        if (type === 'vrm')
          return [...metrics, gauge('voltage_regulator_version', 'Hardware voltage regulator', value, labels)]
        return [...metrics, gauge('update_interval_seconds', 'Hardware monitor update interval', value * 0.001, labels)]
      }
      for (const [element, text] of elements) {
        const value = parseValue(text)
        if (element === 'label' || value === undefined) continue
        const name =
          element === 'input'
            ? whole === undefined
              ? type
              : `${type}_input`
            : element === ''
              ? type
              : `${type}_${cleanName(element)}`
        if (element === 'fault' || element === 'alarm') {
          metrics.push(gauge(name, `Hardware sensor ${element} status (${type})`, value, labels))
        } else if (element === 'beep') {
          metrics.push(gauge(`${name}_enabled`, 'Hardware monitor sensor has beeping enabled', value, labels))
        } else if (type === 'freq' && element === 'input') {
          // A GPU's clocks: only when labelled, and the label names the sensor.
          if (label === undefined) continue
          const help = 'Hardware monitor for GPU frequency in MHz'
          metrics.push(gauge(`${name}_freq_mhz`, help, value / 1_000_000, [chip, cleanName(label)]))
        } else {
          const rule = elementRule(type, element)
          if (rule === undefined)
            metrics.push(gauge(name, `Hardware monitor ${type} element ${element}`, value, labels))
          else
            metrics.push(
              gauge(
                `${name}${rule.suffix}`,
                `Hardware monitor for ${rule.help}`,
                rule.convert(value),
                labels,
                rule.type,
              ),
            )
        }
      }
      return metrics
    }

    return {
      // Unchecked: which sensors, and so which names, a chip has is known only from its files.
      describe: () => [],
      async collect(emit) {
        const root = paths.sys('class', 'hwmon')
        const chips: { dir: string; entry: string; chip: string; name: string | undefined }[] = []
        for (const entry of (await listOptional(root)).sort()) {
          const dir = join(root, entry)
          if (!isDirectory(dir)) continue
          chips.push({ dir, entry, ...(await chipOf(dir)) })
        }
        const shared = (chip: string) => chips.filter((other) => other.chip === chip).length > 1
        for (const { dir, entry, chip: base, name } of chips) {
          const chip = shared(base) ? `${base}_${name ?? entry}` : base
          if (!keepChip(chip)) continue
          const sensors: Sensors = new Map()
          await readSensors(dir, sensors)
          if (isDirectory(join(dir, 'device'))) await readSensors(join(dir, 'device'), sensors)
          if (name !== undefined) emit(constMetric(chipNames, 'gauge', 1, [chip, name]))
          for (const [sensor, elements] of sensors) {
            if (keepSensor(`${chip};${sensor}`))
              for (const metric of sensorMetrics(chip, sensor, elements)) emit(metric)
          }
        }
      },
    }
  },
}
