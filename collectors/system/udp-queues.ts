import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { lines, readOptional, systemPaths } from './paths.js'

/** Parses /proc/net/udp or udp6: the `tx_queue:rx_queue` column (hexadecimal) of every socket, summed. */
export function parseUdpQueues(text: string, file: string): { tx: number; rx: number } {
  const sums = { tx: 0, rx: 0 }
  for (const [index, line] of lines(text).slice(1).entries()) {
    const [tx, rx] = (line.split(/\s+/)[4] ?? '').split(':').map((part) => Number.parseInt(part, 16))
    if (tx === undefined || rx === undefined || Number.isNaN(tx) || Number.isNaN(rx)) {
      throw new Error(`couldn't parse ${file}: line ${index + 2} has no tx_queue:rx_queue column`)
    }
    sums.tx += tx
    sums.rx += rx
  }
  return sums
}

/** `node_udp_queues{ip,queue}`: bytes queued on UDP sockets, from /proc/net/udp and udp6 (each when present). */
export const udpQueuesCollector: CollectorDefinition = {
  name: 'udp_queues',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const queues = new Desc({
      namespace: context.namespace,
      name: 'udp_queues',
      help: 'Number of allocated memory in the kernel for UDP datagrams in bytes.',
      variableLabels: ['queue', 'ip'],
    })
    return {
      describe: () => [queues],
      async collect(emit) {
        for (const [ip, file] of [
          ['v4', 'udp'],
          ['v6', 'udp6'],
        ] as const) {
          const text = await readOptional(paths.proc('net', file))
          if (text === undefined) continue
          const { tx, rx } = parseUdpQueues(text, `/proc/net/${file}`)
          emit(constMetric(queues, 'gauge', rx, ['rx', ip]))
          emit(constMetric(queues, 'gauge', tx, ['tx', ip]))
        }
      },
    }
  },
}
