import { type Collector, Desc, cachedDescs, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { deviceFilterFlags } from './device-filter.js'
import { number, readOptional, readRequired, systemPaths } from './paths.js'

/** Per device, `receive_bytes`, `transmit_colls`, …: the columns of /proc/net/dev named by its header. */
export function parseNetDev(text: string): Map<string, Map<string, number>> {
  const file = '/proc/net/dev'
  const lines = text.split('\n')
  const header = lines[1]?.split('|')
  if (header === undefined || header.length !== 3)
    throw new Error(`couldn't parse ${file}: the second line is not the "face |receive|transmit" header`)
  const receive = (header[1] as string).trim().split(/\s+/)
  const transmit = (header[2] as string).trim().split(/\s+/)
  const names = [...receive.map((field) => `receive_${field}`), ...transmit.map((field) => `transmit_${field}`)]
  const devices = new Map<string, Map<string, number>>()
  for (const line of lines.slice(2)) {
    if (line.trim() === '') continue
    const colon = line.indexOf(':')
    const device = line.slice(0, colon).trim()
    const values = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
    if (colon < 0 || values.length !== names.length)
      throw new Error(
        `couldn't parse ${file}: line ${JSON.stringify(line.trim())} has ${values.length} values, want ${names.length}`,
      )
    devices.set(device, new Map(names.map((name, i) => [name, number(values[i], file, `${device} ${name}`)])))
  }
  return devices
}

const netDevices = deviceFilterFlags('netdev', 'net devices', '^lo$')

/**
 * `node_network_{receive,transmit}_<field>_total{device}`, with node_exporter's device filter flags: the columns of
 * /proc/net/dev, and `receive_nohandler` (packets no protocol took), which node_exporter reads over netlink and the
 * kernel also gives in /sys/class/net/<device>/statistics (since Linux 4.6).
 */
export const netdevCollector: CollectorDefinition = {
  name: 'netdev',
  defaultEnabled: true,
  flags: netDevices.flags,
  create(context): Collector {
    const paths = systemPaths(context)
    const keep = netDevices.create(context)
    const descFor = cachedDescs(
      (field) =>
        new Desc({
          namespace: context.namespace,
          subsystem: 'network',
          name: `${field}_total`,
          help: `Network device statistic ${field}.`,
          variableLabels: ['device'],
        }),
    )
    return {
      // The columns come from the kernel's header line, so the names are known only once read.
      describe: () => [],
      async collect(emit) {
        for (const [device, fields] of parseNetDev(await readRequired(paths.proc('net', 'dev')))) {
          if (!keep(device)) continue
          for (const [field, value] of fields) emit(constMetric(descFor(field), 'counter', value, [device]))
          const nohandlerFile = paths.sys('class', 'net', device, 'statistics', 'rx_nohandler')
          const nohandler = (await readOptional(nohandlerFile))?.trim()
          if (nohandler === undefined) continue
          emit(
            constMetric(descFor('receive_nohandler'), 'counter', number(nohandler, nohandlerFile, 'rx_nohandler'), [
              device,
            ]),
          )
        }
      },
    }
  },
}
