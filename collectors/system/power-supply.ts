import { join } from 'node:path'
import { type Collector, Desc, cachedDescs, constMetric } from 'promkit'
import { type CollectorDefinition, flag } from 'promkit/exporter'
import { listOptional, readDeviceOptional, systemPaths } from './paths.js'

/** A numeric attribute: its file under /sys/class/power_supply/<supply>/ and its metric's name. */
type Attribute = readonly [file: string, name: string]

/** Counts and flags, as they are. */
const plain: readonly Attribute[] = [
  ['authentic', 'authentic'],
  ['calibrate', 'calibrate'],
  ['capacity', 'capacity'],
  ['capacity_alert_max', 'capacity_alert_max'],
  ['capacity_alert_min', 'capacity_alert_min'],
  ['cycle_count', 'cyclecount'],
  ['online', 'online'],
  ['present', 'present'],
  ['time_to_empty_now', 'time_to_empty_seconds'],
  ['time_to_full_now', 'time_to_full_seconds'],
]

/** Microamperes, microvolts, microwatt-hours, microampere-hours and microwatts, divided by a million. */
const micro: readonly Attribute[] = [
  ['current_boot', 'current_boot'],
  ['current_max', 'current_max'],
  ['current_now', 'current_ampere'],
  ['energy_empty', 'energy_empty'],
  ['energy_empty_design', 'energy_empty_design'],
  ['energy_full', 'energy_full'],
  ['energy_full_design', 'energy_full_design'],
  ['energy_now', 'energy_watthour'],
  ['voltage_boot', 'voltage_boot'],
  ['voltage_max', 'voltage_max'],
  ['voltage_max_design', 'voltage_max_design'],
  ['voltage_min', 'voltage_min'],
  ['voltage_min_design', 'voltage_min_design'],
  ['voltage_now', 'voltage_volt'],
  ['voltage_ocv', 'voltage_ocv'],
  ['charge_control_limit', 'charge_control_limit'],
  ['charge_control_limit_max', 'charge_control_limit_max'],
  ['charge_counter', 'charge_counter'],
  ['charge_empty', 'charge_empty'],
  ['charge_empty_design', 'charge_empty_design'],
  ['charge_full', 'charge_full'],
  ['charge_full_design', 'charge_full_design'],
  ['charge_now', 'charge_ampere'],
  ['charge_term_current', 'charge_term_current'],
  ['constant_charge_current', 'constant_charge_current'],
  ['constant_charge_current_max', 'constant_charge_current_max'],
  ['constant_charge_voltage', 'constant_charge_voltage'],
  ['constant_charge_voltage_max', 'constant_charge_voltage_max'],
  ['precharge_current', 'precharge_current'],
  ['input_current_limit', 'input_current_limit'],
  ['power_now', 'power_watt'],
]

/** Tenths of a degree Celsius, divided by ten. */
const deciCelsius: readonly Attribute[] = [
  ['temp', 'temp_celsius'],
  ['temp_alert_max', 'temp_alert_max_celsius'],
  ['temp_alert_min', 'temp_alert_min_celsius'],
  ['temp_ambient', 'temp_ambient_celsius'],
  ['temp_ambient_max', 'temp_ambient_max_celsius'],
  ['temp_ambient_min', 'temp_ambient_min_celsius'],
  ['temp_max', 'temp_max_celsius'],
  ['temp_min', 'temp_min_celsius'],
]

/** The text attributes that label `node_power_supply_info`, each present only when the supply has it. */
const textAttributes = [
  'capacity_level',
  'charge_type',
  'health',
  'manufacturer',
  'model_name',
  'scope',
  'serial_number',
  'status',
  'technology',
  'type',
  'usb_type',
]

/**
 * node_exporter's name for it does not start with the collector's (`powersupplyclass`), as promkit's collector flags
 * must: the exporter declares it.
 */
export const ignoredSuppliesFlag = flag.regexp('collector.powersupply.ignored-supplies', {
  default: '^$',
  description: 'Regexp of power supplies to ignore for powersupplyclass collector.',
})

/**
 * node_exporter's powersupplyclass collector, from /sys/class/power_supply: per supply (`power_supply`) its numeric
 * attributes in base units (amperes, volts, watt-hours, watts, °C; capacity in percent) and `node_power_supply_info`
 * labelled with the text attributes it has, so supplies of different kinds have different label sets, as in
 * node_exporter. An attribute the driver cannot give (a read error) is left out. Nothing without power supplies.
 */
export const powerSupplyCollector: CollectorDefinition = {
  name: 'powersupplyclass',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const ignored = context.value(ignoredSuppliesFlag)
    const desc = (name: string, labels: string[], help = `${name} value of /sys/class/power_supply/<power_supply>.`) =>
      new Desc({ namespace: context.namespace, subsystem: 'power_supply', name, help, variableLabels: labels })
    const numeric = [
      ...plain.map(([file, name]) => [file, desc(name, ['power_supply']), 1] as const),
      ...micro.map(([file, name]) => [file, desc(name, ['power_supply']), 1e6] as const),
      ...deciCelsius.map(([file, name]) => [file, desc(name, ['power_supply']), 10] as const),
    ]
    const infoFor = cachedDescs((labels) =>
      desc(
        'info',
        ['power_supply', ...labels.split(',').filter(Boolean)],
        'info of /sys/class/power_supply/<power_supply>.',
      ),
    )
    return {
      // Unchecked: the info family's labels are those of each supply.
      describe: () => [],
      async collect(emit) {
        const root = paths.sys('class', 'power_supply')
        for (const supply of (await listOptional(root)).sort()) {
          if (ignored.test(supply)) continue
          const read = async (file: string) =>
            (await readDeviceOptional(join(root, supply, file)).catch(() => undefined))?.trim()
          for (const [file, metricDesc, divisor] of numeric) {
            const text = await read(file)
            if (text === undefined || !/^-?\d+$/.test(text)) continue
            emit(constMetric(metricDesc, 'gauge', Number(text) / divisor, [supply]))
          }
          const texts = (
            await Promise.all(textAttributes.map(async (name) => [name, await read(name)] as const))
          ).filter((pair): pair is readonly [string, string] => pair[1] !== undefined && pair[1] !== '')
          const info = infoFor(texts.map(([name]) => name).join(','))
          emit(constMetric(info, 'gauge', 1, [supply, ...texts.map(([, value]) => value)]))
        }
      },
    }
  },
}
