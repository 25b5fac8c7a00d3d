import { type Collector, Desc, constMetric } from 'promkit'
import { type CollectorDefinition, flag } from 'promkit/exporter'
import { lines, readOptional, systemPaths } from './paths.js'

/** One real server (backend) of an IPVS virtual service, as /proc/net/ip_vs lists it. */
export interface IpvsBackend {
  readonly proto: string
  /** The virtual service's address and port; empty and `0` for a firewall-mark service. */
  readonly localAddress: string
  readonly localPort: string
  /** The firewall mark of an `FWM` service, as written; empty otherwise. */
  readonly localMark: string
  readonly remoteAddress: string
  readonly remotePort: string
  readonly weight: number
  readonly activeConnections: number
  readonly inactiveConnections: number
}

/** A hexadecimal field of /proc/net/ip_vs or ip_vs_stats, or an error naming it. */
function hex(text: string | undefined, file: string, what: string): number {
  if (text === undefined || !/^[0-9A-Fa-f]+$/.test(text))
    throw new Error(`couldn't parse ${file}: ${what} is ${JSON.stringify(text)}, not hexadecimal`)
  return Number.parseInt(text, 16)
}

/** An `address:port` of /proc/net/ip_vs: IPv4 in hexadecimal (`C0A80016:0CEA`), IPv6 in brackets; port in hex. */
function addressAndPort(text: string, file: string): [string, string] {
  const split = text.lastIndexOf(':')
  const [address, port] = [text.slice(0, split), text.slice(split + 1)]
  const portNumber = String(hex(port, file, `the port of ${text}`))
  // The kernel writes IPv6 in full; Go (and node_exporter) print it shortened, as the URL parser does.
  if (address.startsWith('[')) return [new URL(`http://${address}`).hostname.slice(1, -1), portNumber]
  const value = hex(address, file, `the address of ${text}`)
  return [[24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.'), portNumber]
}

/** The backends of /proc/net/ip_vs, each with its service. */
export function parseIpvs(text: string, file = '/proc/net/ip_vs'): IpvsBackend[] {
  const backends: IpvsBackend[] = []
  let service: Pick<IpvsBackend, 'proto' | 'localAddress' | 'localPort' | 'localMark'> | undefined
  for (const line of lines(text).slice(3)) {
    const fields = line.split(/\s+/)
    if (fields[0] === '->') {
      if (service === undefined) throw new Error(`couldn't parse ${file}: backend line "${line}" before any service`)
      const [remoteAddress, remotePort] = addressAndPort(fields[1] ?? '', file)
      const [weight, active, inactive] = fields.slice(3, 6).map(Number)
      if (inactive === undefined || [weight, active, inactive].some(Number.isNaN))
        throw new Error(`couldn't parse ${file}: backend line "${line}" lacks weight and connection counts`)
      backends.push({
        ...service,
        remoteAddress,
        remotePort,
        weight: weight as number,
        activeConnections: active as number,
        inactiveConnections: inactive,
      })
    } else if (fields[0] === 'FWM') {
      service = { proto: 'FWM', localAddress: '', localPort: '0', localMark: fields[1] ?? '' }
    } else {
      const [localAddress, localPort] = addressAndPort(fields[1] ?? '', file)
      service = { proto: fields[0] as string, localAddress, localPort, localMark: '' }
    }
  }
  return backends
}

/** The totals of /proc/net/ip_vs_stats: connections, packets and bytes in and out. */
export function parseIpvsStats(text: string, file = '/proc/net/ip_vs_stats'): number[] {
  const fields = lines(text)[2]?.split(/\s+/) ?? []
  return ['connections', 'incoming packets', 'outgoing packets', 'incoming bytes', 'outgoing bytes'].map((what, i) =>
    hex(fields[i], file, what),
  )
}

/** The backend labels node_exporter allows, and where each comes from. */
const labelSources: Record<string, (backend: IpvsBackend) => string> = {
  local_address: (backend) => backend.localAddress,
  local_port: (backend) => backend.localPort,
  remote_address: (backend) => backend.remoteAddress,
  remote_port: (backend) => backend.remotePort,
  proto: (backend) => backend.proto,
  local_mark: (backend) => backend.localMark,
}

const backendLabelsFlag = flag.string('collector.ipvs.backend-labels', {
  default: 'local_address,local_port,remote_address,remote_port,proto,local_mark',
  description: 'Comma separated list for IPVS backend stats labels.',
})

/**
 * node_exporter's ipvs collector, from /proc/net/ip_vs_stats and /proc/net/ip_vs: the totals of connections, packets
 * and bytes, and per backend its weight and active and inactive connections, labelled by
 * `--collector.ipvs.backend-labels` (backends that then share labels are summed). Nothing without IPVS.
 */
export const ipvsCollector: CollectorDefinition = {
  name: 'ipvs',
  defaultEnabled: true,
  flags: [backendLabelsFlag],
  create(context): Collector {
    const paths = systemPaths(context)
    const labels = context.value(backendLabelsFlag).split(',').filter(Boolean)
    const unknown = labels.filter((label) => !Object.hasOwn(labelSources, label))
    if (unknown.length > 0)
      throw new Error(
        `--collector.ipvs.backend-labels: unknown label ${unknown.join(', ')}; the labels are ` +
          Object.keys(labelSources).join(', '),
      )
    const desc = (name: string, help: string, variableLabels: string[] = []) =>
      new Desc({ namespace: context.namespace, subsystem: 'ipvs', name, help, variableLabels })
    const totals = [
      desc('connections_total', 'The total number of connections made.'),
      desc('incoming_packets_total', 'The total number of incoming packets.'),
      desc('outgoing_packets_total', 'The total number of outgoing packets.'),
      desc('incoming_bytes_total', 'The total amount of incoming data.'),
      desc('outgoing_bytes_total', 'The total amount of outgoing data.'),
    ]
    const backendDescs = [
      desc('backend_weight', 'The current backend weight by local and remote address.', labels),
      desc('backend_connections_active', 'The current active connections by local and remote address.', labels),
      desc('backend_connections_inactive', 'The current inactive connections by local and remote address.', labels),
    ] as const
    return {
      describe: () => [...totals, ...backendDescs],
      async collect(emit) {
        const statsFile = paths.proc('net', 'ip_vs_stats')
        const stats = await readOptional(statsFile)
        if (stats === undefined) return
        for (const [i, value] of parseIpvsStats(stats, statsFile).entries()) {
          emit(constMetric(totals[i] as Desc, 'counter', value))
        }
        const servicesFile = paths.proc('net', 'ip_vs')
        const sums = new Map<string, { labels: string[]; values: number[] }>()
        for (const backend of parseIpvs((await readOptional(servicesFile)) ?? '', servicesFile)) {
          const values = labels.map((label) => (labelSources[label] as (backend: IpvsBackend) => string)(backend))
          const key = JSON.stringify(values)
          const sum = sums.get(key) ?? { labels: values, values: [0, 0, 0] }
          const own = [backend.weight, backend.activeConnections, backend.inactiveConnections]
          sums.set(key, { labels: values, values: sum.values.map((value, i) => value + (own[i] as number)) })
        }
        for (const { labels: values, values: numbers } of sums.values()) {
          for (const [i, backendDesc] of backendDescs.entries()) {
            emit(constMetric(backendDesc, 'gauge', numbers[i] as number, values))
          }
        }
      },
    }
  },
}
