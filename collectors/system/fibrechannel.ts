import { join } from 'node:path'
import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { type FileStat, fileStatDescs } from './file-stats.js'
import { listOptional, number, readDeviceOptional, systemPaths } from './paths.js'

/** A host's counters node_exporter gives, under statistics/ (hexadecimal, all ones when the driver has none). */
const hostCounters: readonly FileStat[] = [
  ['statistics/dumped_frames', 'dumped_frames_total', 'Number of dumped frames'],
  ['statistics/error_frames', 'error_frames_total', 'Number of errors in frames'],
  ['statistics/fcp_packet_aborts', 'fcp_packet_aborts_total', 'Number of aborted packets'],
  ['statistics/invalid_crc_count', 'invalid_crc_total', 'Invalid Cyclic Redundancy Check count'],
  ['statistics/invalid_tx_word_count', 'invalid_tx_words_total', 'Number of invalid words transmitted by host port'],
  ['statistics/link_failure_count', 'link_failure_total', 'Number of times the host port link has failed'],
  ['statistics/loss_of_signal_count', 'loss_of_signal_total', 'Number of times signal has been lost'],
  [
    'statistics/loss_of_sync_count',
    'loss_of_sync_total',
    'Number of failures on either bit or transmission word boundaries',
  ],
  ['statistics/nos_count', 'nos_total', 'Number Not_Operational Primitive Sequence received by host port'],
  ['statistics/rx_frames', 'rx_frames_total', 'Number of frames received'],
  ['statistics/rx_words', 'rx_words_total', 'Number of words received by host port'],
  [
    'statistics/seconds_since_last_reset',
    'seconds_since_last_reset_total',
    'Number of seconds since last host port reset',
  ],
  ['statistics/tx_frames', 'tx_frames_total', 'Number of frames transmitted by host port'],
  ['statistics/tx_words', 'tx_words_total', 'Number of words transmitted by host port'],
]

/** The attributes of `node_fibrechannel_info`, by label; those written in hexadecimal lose their `0x`. */
const attributes = [
  'dev_loss_tmo',
  'fabric_name',
  'port_id',
  'port_name',
  'port_state',
  'port_type',
  'speed',
  'supported_classes',
  'supported_speeds',
  'symbolic_name',
]
const hexadecimal = new Set(['fabric_name', 'port_id', 'port_name'])

/**
 * node_exporter's fibrechannel collector, from /sys/class/fc_host: per host `node_fibrechannel_info{fc_host,…}` (its
 * port, speeds, state and names) and its frame, word and error counters. A counter the driver does not keep
 * (`0xffffffffffffffff`) is left out. Nothing without Fibre Channel.
 */
export const fibrechannelCollector: CollectorDefinition = {
  name: 'fibrechannel',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const info = new Desc({
      namespace: context.namespace,
      subsystem: 'fibrechannel',
      name: 'info',
      help: 'Non-numeric data from /sys/class/fc_host/<host>, value is always 1.',
      variableLabels: ['fc_host', ...attributes],
    })
    const counters = fileStatDescs(context, 'fibrechannel', hostCounters, ['fc_host'])
    return {
      describe: () => [info, ...counters.map(([, counter]) => counter)],
      async collect(emit) {
        const root = paths.sys('class', 'fc_host')
        for (const host of (await listOptional(root)).sort()) {
          const read = async (name: string) => (await readDeviceOptional(join(root, host, name)))?.trim()
          const values = await Promise.all(
            attributes.map(async (name) => {
              const value = (await read(name)) ?? ''
              return hexadecimal.has(name) ? value.replace(/^0x/, '') : value
            }),
          )
          emit(constMetric(info, 'gauge', 1, [host, ...values]))
          for (const [source, counter] of counters) {
            const text = await read(source)
            if (text === undefined || text === '0xffffffffffffffff') continue
            emit(constMetric(counter, 'counter', number(text, join(root, host, source), source), [host]))
          }
        }
      },
    }
  },
}
