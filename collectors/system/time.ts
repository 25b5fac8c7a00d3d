import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { readOptional, systemPaths } from './paths.js'

/** Formats the zone's abbreviation; made once, as making one costs more than the rest of a scrape's time collector. */
const zoneFormat = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })

/** The local zone's abbreviation as the platform names it (`UTC`, `CET`, or `GMT+1` where it has none). */
function zoneName(date: Date): string {
  // With timeZoneName set, formatToParts always includes that part.
  const part = zoneFormat.formatToParts(date).find((p) => p.type === 'timeZoneName') as Intl.DateTimeFormatPart
  return part.value
}

/**
 * `node_time_seconds`, `node_time_zone_offset_seconds{time_zone}` and the clocksources of
 * /sys/devices/system/clocksource.
 */
export const timeCollector: CollectorDefinition = {
  name: 'time',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const desc = (name: string, help: string, labels: string[] = [], unit?: string) =>
      new Desc({ namespace: context.namespace, subsystem: 'time', name, help, variableLabels: labels, unit })
    const now = desc('seconds', 'System time in seconds since epoch (1970).', [], 'seconds')
    const offset = desc('zone_offset_seconds', 'System time zone offset in seconds.', ['time_zone'], 'seconds')
    const available = desc(
      'clocksource_available_info',
      "Available clocksources read from '/sys/devices/system/clocksource'.",
      ['clocksource', 'device'],
    )
    const current = desc(
      'clocksource_current_info',
      "Current clocksource read from '/sys/devices/system/clocksource'.",
      ['clocksource', 'device'],
    )
    return {
      describe: () => [now, offset, available, current],
      async collect(emit) {
        const date = new Date()
        emit(constMetric(now, 'gauge', date.getTime() / 1000))
        emit(constMetric(offset, 'gauge', -date.getTimezoneOffset() * 60, [zoneName(date)]))
        for (let device = 0; ; device++) {
          const dir = paths.sys('devices', 'system', 'clocksource', `clocksource${device}`)
          const sources = await readOptional(`${dir}/available_clocksource`)
          if (sources === undefined) break
          for (const source of sources.trim().split(/\s+/))
            emit(constMetric(available, 'gauge', 1, [source, String(device)]))
          const chosen = await readOptional(`${dir}/current_clocksource`)
          if (chosen !== undefined) emit(constMetric(current, 'gauge', 1, [chosen.trim(), String(device)]))
        }
      },
    }
  },
}
