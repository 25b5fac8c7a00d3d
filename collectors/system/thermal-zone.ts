import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { number, numberedEntries, readDeviceOptional, systemPaths } from './paths.js'

/**
 * `node_thermal_zone_temp{type,zone}` (°C) and `node_cooling_device_{cur,max}_state{name,type}` from
 * /sys/class/thermal. A zone whose temperature cannot be read (a sensor that is off) is left out.
 */
export const thermalZoneCollector: CollectorDefinition = {
  name: 'thermal_zone',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const temperature = new Desc({
      namespace: context.namespace,
      subsystem: 'thermal_zone',
      name: 'temp',
      help: 'Zone temperature in Celsius',
      variableLabels: ['zone', 'type'],
    })
    const cooling = (name: string, help: string) =>
      new Desc({
        namespace: context.namespace,
        subsystem: 'cooling_device',
        name,
        help,
        variableLabels: ['name', 'type'],
      })
    const current = cooling('cur_state', 'Current throttle state of the cooling device')
    const maximum = cooling('max_state', 'Maximum throttle state of the cooling device')
    const thermal = (...parts: string[]) => paths.sys('class', 'thermal', ...parts)
    const read = async (...parts: string[]) => (await readDeviceOptional(thermal(...parts)))?.trim()
    return {
      describe: () => [temperature, current, maximum],
      async collect(emit) {
        for (const { entry, index } of await numberedEntries(thermal(), /^thermal_zone(\d+)$/)) {
          const [type, temp] = await Promise.all([read(entry, 'type'), read(entry, 'temp').catch(() => undefined)])
          if (type === undefined || temp === undefined) continue
          emit(constMetric(temperature, 'gauge', number(temp, `${entry}/temp`, 'temp') / 1000, [index, type]))
        }
        for (const { entry, index } of await numberedEntries(thermal(), /^cooling_device(\d+)$/)) {
          const [type, cur, max] = await Promise.all([
            read(entry, 'type'),
            read(entry, 'cur_state'),
            read(entry, 'max_state'),
          ])
          if (type === undefined || cur === undefined || max === undefined) continue
          emit(constMetric(current, 'gauge', number(cur, `${entry}/cur_state`, 'cur_state'), [index, type]))
          emit(constMetric(maximum, 'gauge', number(max, `${entry}/max_state`, 'max_state'), [index, type]))
        }
      },
    }
  },
}
