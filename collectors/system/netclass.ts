import { type Collector, Desc, type ScalarType, constMetric } from 'promkit'
import { type CollectorDefinition, flag } from 'promkit/exporter'
import { isDirectory, listOptional, readOptional, systemPaths } from './paths.js'

/** The numeric attributes of /sys/class/net/<device> node_exporter reports: its name, the file, type, and base. */
const attributes: readonly (readonly [family: string, file: string, type: ScalarType, hex?: 'hex'])[] = [
  ['address_assign_type', 'addr_assign_type', 'gauge'],
  ['carrier', 'carrier', 'gauge'],
  ['carrier_changes_total', 'carrier_changes', 'counter'],
  ['carrier_up_changes_total', 'carrier_up_count', 'counter'],
  ['carrier_down_changes_total', 'carrier_down_count', 'counter'],
  ['device_id', 'dev_id', 'gauge', 'hex'],
  ['dormant', 'dormant', 'gauge'],
  ['flags', 'flags', 'gauge', 'hex'],
  ['iface_id', 'ifindex', 'gauge'],
  ['iface_link', 'iflink', 'gauge'],
  ['iface_link_mode', 'link_mode', 'gauge'],
  ['mtu_bytes', 'mtu', 'gauge'],
  ['name_assign_type', 'name_assign_type', 'gauge'],
  ['net_dev_group', 'netdev_group', 'gauge'],
  ['transmit_queue_length', 'tx_queue_len', 'gauge'],
  ['protocol_type', 'type', 'gauge'],
]

/** What one device's sysfs directory says. */
interface DeviceFiles {
  readonly device: string
  readonly files: ReadonlyMap<string, string>
}

const ignoredDevicesFlag = flag.regexp('collector.netclass.ignored-devices', {
  default: '^$',
  description: 'Regexp of net devices to ignore for netclass collector.',
})
const invalidSpeedFlag = flag.boolean('collector.netclass.ignore-invalid-speed', {
  description: 'Ignore devices where the speed is invalid (-1, as virtual devices report it).',
})

/** A number from a sysfs attribute: decimal, or hexadecimal with `0x`; undefined for anything else. */
function attributeNumber(text: string, hex: boolean): number | undefined {
  const value = hex ? Number.parseInt(text, 16) : Number(text)
  return text === '' || Number.isNaN(value) ? undefined : value
}

/**
 * node_exporter's netclass collector: `node_network_<attribute>{device}` for each device of /sys/class/net (mtu,
 * speed in bytes per second, carrier and its changes, flags, ids, queue length, …), `node_network_up` (operstate is
 * up) and `node_network_info` (address, broadcast, duplex, alias, operstate, adminstate). An attribute the kernel
 * refuses to give (the speed of a link that is down) is left out.
 */
export const netclassCollector: CollectorDefinition = {
  name: 'netclass',
  defaultEnabled: true,
  flags: [ignoredDevicesFlag, invalidSpeedFlag],
  create(context): Collector {
    const paths = systemPaths(context)
    const ignored = context.value(ignoredDevicesFlag)
    const ignoreInvalidSpeed = context.value(invalidSpeedFlag)
    const desc = (name: string, help: string, labels: readonly string[] = []) =>
      new Desc({
        namespace: context.namespace,
        subsystem: 'network',
        name,
        help,
        variableLabels: ['device', ...labels],
      })
    const numeric = attributes.map(
      ([family, file, type, hex]) => [desc(family, `Network device property: ${family}`), file, type, hex] as const,
    )
    const speed = desc('speed_bytes', 'Network device property: speed_bytes')
    const up = desc('up', "Value is 1 if operstate is 'up', 0 otherwise.")
    const info = desc('info', 'Non-numeric data from /sys/class/net/<iface>, value is always 1.', [
      'address',
      'adminstate',
      'broadcast',
      'duplex',
      'ifalias',
      'operstate',
    ])
    const net = (...parts: string[]) => paths.sys('class', 'net', ...parts)
    const files = [
      'speed',
      'operstate',
      'address',
      'broadcast',
      'duplex',
      'ifalias',
      ...attributes.map(([, file]) => file),
    ]
    const readDevice = async (device: string): Promise<DeviceFiles> => {
      const read = await Promise.all(
        files.map(
          async (file) => [file, (await readOptional(net(device, file)).catch(() => undefined))?.trim()] as const,
        ),
      )
      return { device, files: new Map(read.filter((entry): entry is [string, string] => entry[1] !== undefined)) }
    }
    return {
      describe: () => [...numeric.map(([family]) => family), speed, up, info],
      async collect(emit) {
        const entries = await listOptional(net())
        const devices: string[] = []
        for (const entry of entries.sort()) {
          if (ignored.test(entry)) continue
          if (isDirectory(net(entry))) devices.push(entry)
        }
        const read = await Promise.all(devices.map(readDevice))
        for (const [family, file, type, hex] of numeric) {
          for (const { device, files } of read) {
            const value = attributeNumber(files.get(file) ?? '', hex === 'hex')
            if (value !== undefined) emit(constMetric(family, type, value, [device]))
          }
        }
        for (const { device, files } of read) {
          const mbps = attributeNumber(files.get('speed') ?? '', false)
          if (mbps !== undefined && (mbps >= 0 || !ignoreInvalidSpeed)) {
            emit(constMetric(speed, 'gauge', (mbps * 1000 * 1000) / 8, [device]))
          }
        }
        for (const { device, files } of read) {
          const operstate = files.get('operstate') ?? ''
          emit(constMetric(up, 'gauge', operstate === 'up' ? 1 : 0, [device]))
          const flags = attributeNumber(files.get('flags') ?? '', true) ?? 0
          const adminstate = flags & 1 ? 'up' : 'down'
          const text = (file: string) => files.get(file) ?? ''
          emit(
            constMetric(info, 'gauge', 1, [
              device,
              text('address'),
              adminstate,
              text('broadcast'),
              text('duplex'),
              text('ifalias'),
              operstate,
            ]),
          )
        }
      },
    }
  },
}
