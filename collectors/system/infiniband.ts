import { join } from 'node:path'
import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { type FileStat, fileStatDescs } from './file-stats.js'
import { directoriesIn, listOptional, number, readDeviceOptional, systemPaths } from './paths.js'

/**
 * A port's counters node_exporter gives, under ports/<N>/: the 32-bit `counters/` and, where the driver has them, the
 * 64-bit `counters_ext/` (node_exporter's `legacy_` families).
 */
const portCounters: readonly FileStat[] = [
  [
    'counters/link_downed',
    'link_downed_total',
    'Number of times the link failed to recover from an error state and went down',
  ],
  [
    'counters/link_error_recovery',
    'link_error_recovery_total',
    'Number of times the link successfully recovered from an error state',
  ],
  [
    'counters/multicast_rcv_packets',
    'multicast_packets_received_total',
    'Number of multicast packets received (including errors)',
  ],
  [
    'counters/multicast_xmit_packets',
    'multicast_packets_transmitted_total',
    'Number of multicast packets transmitted (including errors)',
  ],
  [
    'counters/port_rcv_constraint_errors',
    'port_constraint_errors_received_total',
    'Number of packets received on the switch physical port that are discarded',
  ],
  [
    'counters/port_xmit_constraint_errors',
    'port_constraint_errors_transmitted_total',
    'Number of packets not transmitted from the switch physical port',
  ],
  ['counters/port_rcv_data', 'port_data_received_bytes_total', 'Number of data octets received on all links'],
  ['counters/port_xmit_data', 'port_data_transmitted_bytes_total', 'Number of data octets transmitted on all links'],
  [
    'counters/port_rcv_discards',
    'port_discards_received_total',
    'Number of inbound packets discarded by the port because the port is down or congested',
  ],
  [
    'counters/port_xmit_discards',
    'port_discards_transmitted_total',
    'Number of outbound packets discarded by the port because the port is down or congested',
  ],
  [
    'counters/port_rcv_errors',
    'port_errors_received_total',
    'Number of packets containing an error that were received on this port',
  ],
  [
    'counters/port_rcv_packets',
    'port_packets_received_total',
    'Number of packets received on all VLs by this port (including errors)',
  ],
  [
    'counters/port_xmit_packets',
    'port_packets_transmitted_total',
    'Number of packets transmitted on all VLs from this port (including errors)',
  ],
  [
    'counters/port_xmit_wait',
    'port_transmit_wait_total',
    'Number of ticks during which the port had data to transmit but no data was sent during the entire tick',
  ],
  [
    'counters/unicast_rcv_packets',
    'unicast_packets_received_total',
    'Number of unicast packets received (including errors)',
  ],
  [
    'counters/unicast_xmit_packets',
    'unicast_packets_transmitted_total',
    'Number of unicast packets transmitted (including errors)',
  ],
  [
    'counters_ext/port_multicast_rcv_packets',
    'legacy_multicast_packets_received_total',
    'Number of multicast packets received',
  ],
  [
    'counters_ext/port_multicast_xmit_packets',
    'legacy_multicast_packets_transmitted_total',
    'Number of multicast packets transmitted',
  ],
  ['counters_ext/port_rcv_data_64', 'legacy_data_received_bytes_total', 'Number of data octets received on all links'],
  [
    'counters_ext/port_xmit_data_64',
    'legacy_data_transmitted_bytes_total',
    'Number of data octets transmitted on all links',
  ],
  ['counters_ext/port_rcv_packets_64', 'legacy_packets_received_total', 'Number of data packets received on all links'],
  [
    'counters_ext/port_xmit_packets_64',
    'legacy_packets_transmitted_total',
    'Number of data packets received on all links',
  ],
  [
    'counters_ext/port_unicast_rcv_packets',
    'legacy_unicast_packets_received_total',
    'Number of unicast packets received',
  ],
  [
    'counters_ext/port_unicast_xmit_packets',
    'legacy_unicast_packets_transmitted_total',
    'Number of unicast packets transmitted',
  ],
]

/** The counters counting data in units of 4 octets, as the InfiniBand spec has them. */
const quadOctets = new Set([
  'counters/port_rcv_data',
  'counters/port_xmit_data',
  'counters_ext/port_rcv_data_64',
  'counters_ext/port_xmit_data_64',
])

/** A port's `rate` (`40 Gb/sec (4X QDR)`) in bytes per second, as node_exporter's procfs reads it. */
export function parseRate(text: string, file: string): number {
  const rate = /^([0-9.]+) Gb\/sec/.exec(text.trim())
  if (rate === null) throw new Error(`couldn't parse ${file}: ${JSON.stringify(text.trim())} is not "<n> Gb/sec"`)
  return Number(rate[1]) * 125_000_000
}

/** A port's `state` or `phys_state` (`4: ACTIVE`): its number. */
export function parseStateId(text: string, file: string): number {
  return number(text.split(':')[0], file, 'the state id')
}

/**
 * node_exporter's infiniband collector, from /sys/class/infiniband: per adapter `node_infiniband_info{board_id,
 * device,firmware_version,hca_type}`, per port its rate in bytes per second, state and physical state ids and its
 * counters (data in bytes). A counter the adapter cannot read (`N/A (no PMA)`) is left out. Nothing without
 * InfiniBand.
 */
export const infinibandCollector: CollectorDefinition = {
  name: 'infiniband',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const desc = (name: string, help: string, labels: string[]) =>
      new Desc({ namespace: context.namespace, subsystem: 'infiniband', name, help, variableLabels: labels })
    const info = desc('info', 'Non-numeric data from /sys/class/infiniband/<device>, value is always 1.', [
      'device',
      'board_id',
      'firmware_version',
      'hca_type',
    ])
    const rate = desc('rate_bytes_per_second', 'Maximum signal transfer rate', ['device', 'port'])
    const state = desc(
      'state_id',
      'State of the InfiniBand port (0: no change, 1: down, 2: init, 3: armed, 4: active, 5: act defer)',
      ['device', 'port'],
    )
    const physicalState = desc(
      'physical_state_id',
      'Physical state of the InfiniBand port (0: no change, 1: sleep, 2: polling, 3: disable, 4: shift, 5: link up, ' +
        '6: link error recover, 7: phytest)',
      ['device', 'port'],
    )
    const counters = fileStatDescs(context, 'infiniband', portCounters, ['device', 'port'])
    return {
      describe: () => [info, rate, state, physicalState, ...counters.map(([, counter]) => counter)],
      async collect(emit) {
        const root = paths.sys('class', 'infiniband')
        for (const device of (await listOptional(root)).sort()) {
          const read = async (...parts: string[]) =>
            (await readDeviceOptional(join(root, device, ...parts)))?.trim() ?? ''
          const [board, firmware, hca] = await Promise.all([read('board_id'), read('fw_ver'), read('hca_type')])
          emit(constMetric(info, 'gauge', 1, [device, board, firmware, hca]))
          const ports = join(root, device, 'ports')
          for (const port of (await directoriesIn(ports)).sort((a, b) => Number(a) - Number(b))) {
            const file = (name: string) => join(ports, port, name)
            const labels = [device, port]
            emit(constMetric(rate, 'gauge', parseRate(await read('ports', port, 'rate'), file('rate')), labels))
            emit(constMetric(state, 'gauge', parseStateId(await read('ports', port, 'state'), file('state')), labels))
            const physical = parseStateId(await read('ports', port, 'phys_state'), file('phys_state'))
            emit(constMetric(physicalState, 'gauge', physical, labels))
            for (const [source, counter] of counters) {
              const text = (await readDeviceOptional(file(source)))?.trim()
              if (text === undefined || text.startsWith('N/A')) continue
              const value = number(text, file(source), source) * (quadOctets.has(source) ? 4 : 1)
              emit(constMetric(counter, 'counter', value, labels))
            }
          }
        }
      },
    }
  },
}
