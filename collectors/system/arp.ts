import { type Collector, Desc, constMetric } from 'promkit'
import { type CollectorDefinition, flag } from 'promkit/exporter'
import { deviceFilterFlags } from './device-filter.js'
import { lines, readRequired, systemPaths } from './paths.js'

/** Parses /proc/net/arp: the entries of each device (its last column), after the header line. */
export function parseArp(text: string): Map<string, number> {
  const devices = new Map<string, number>()
  for (const line of lines(text).slice(1)) {
    const device = line.split(/\s+/)[5]
    if (device === undefined) throw new Error(`couldn't parse /proc/net/arp: ${JSON.stringify(line)} has no device`)
    devices.set(device, (devices.get(device) ?? 0) + 1)
  }
  return devices
}

const devices = deviceFilterFlags('arp', 'ARP devices', '^$')
const netlinkFlag = flag.boolean('collector.arp.netlink', {
  default: true,
  description: "Accepted for node_exporter's sake: the table is always read from /proc/net/arp.",
})

/** `node_arp_entries{device}` from /proc/net/arp, for the devices `--collector.arp.device-include/-exclude` keep. */
export const arpCollector: CollectorDefinition = {
  name: 'arp',
  defaultEnabled: true,
  flags: [...devices.flags, netlinkFlag],
  create(context): Collector {
    const paths = systemPaths(context)
    const keep = devices.create(context)
    const entries = new Desc({
      namespace: context.namespace,
      subsystem: 'arp',
      name: 'entries',
      help: 'ARP entries by device',
      variableLabels: ['device'],
    })
    return {
      describe: () => [entries],
      async collect(emit) {
        for (const [device, count] of parseArp(await readRequired(paths.proc('net', 'arp')))) {
          if (keep(device)) emit(constMetric(entries, 'gauge', count, [device]))
        }
      },
    }
  },
}
