import { readdir } from 'node:fs/promises'
import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { listOptional, number, readOptional, systemPaths } from './paths.js'

/**
 * node_exporter's nvme collector, from /sys/class/nvme: `node_nvme_info` (model, serial, firmware, state, controller
 * id) per controller, and per namespace its size, used bytes and capacity (in logical blocks times the block size),
 * block size, and `node_nvme_namespace_info{ana_state}`. Nothing on a machine without NVMe.
 */
export const nvmeCollector: CollectorDefinition = {
  name: 'nvme',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const desc = (name: string, help: string, labels: readonly string[]) =>
      new Desc({ namespace: context.namespace, subsystem: 'nvme', name, help, variableLabels: ['device', ...labels] })
    const info = desc('info', 'Non-numeric data from /sys/class/nvme/<device>, value is always 1.', [
      'firmware_revision',
      'model',
      'serial',
      'state',
      'cntlid',
    ])
    const namespaceInfo = desc('namespace_info', 'Information about NVMe namespaces. Value is always 1', [
      'nsid',
      'ana_state',
    ])
    const capacity = desc(
      'namespace_capacity_bytes',
      'Capacity of the NVMe namespace in bytes. Computed as namespace_size * namespace_logical_block_size',
      ['nsid'],
    )
    const size = desc(
      'namespace_size_bytes',
      'Size of the NVMe namespace in bytes. Available in /sys/class/nvme/<device>/<namespace>/size',
      ['nsid'],
    )
    const used = desc(
      'namespace_used_bytes',
      'Used space of the NVMe namespace in bytes. Available in /sys/class/nvme/<device>/<namespace>/nuse',
      ['nsid'],
    )
    const blockSize = desc(
      'namespace_logical_block_size_bytes',
      'Logical block size of the NVMe namespace in bytes. Usually 4Kb. Available in ' +
        '/sys/class/nvme/<device>/<namespace>/queue/logical_block_size',
      ['nsid'],
    )
    const nvme = (...parts: string[]) => paths.sys('class', 'nvme', ...parts)
    const text = async (...parts: string[]) => (await readOptional(nvme(...parts)))?.trim() ?? ''
    return {
      describe: () => [info, namespaceInfo, capacity, size, used, blockSize],
      async collect(emit) {
        const controllers = await listOptional(nvme())
        for (const device of controllers.sort()) {
          const attributes = await Promise.all(
            ['firmware_rev', 'model', 'serial', 'state', 'cntlid'].map((file) => text(device, file)),
          )
          emit(constMetric(info, 'gauge', 1, [device, ...attributes]))
          const namespaces = (await readdir(nvme(device))).filter((entry) => new RegExp(`^${device}n\\d+$`).test(entry))
          for (const entry of namespaces.sort()) {
            const nsid = entry.slice(device.length + 1)
            const read = async (...file: string[]) =>
              number(await text(device, entry, ...file), `${device}/${entry}/${file.join('/')}`, file.join('/'))
            const [sectors, usedSectors, bytesPerBlock] = await Promise.all([
              read('size'),
              read('nuse'),
              read('queue', 'logical_block_size'),
            ])
            emit(constMetric(namespaceInfo, 'gauge', 1, [device, nsid, await text(device, entry, 'ana_state')]))
            emit(constMetric(capacity, 'gauge', sectors * bytesPerBlock, [device, nsid]))
            emit(constMetric(size, 'gauge', sectors * bytesPerBlock, [device, nsid]))
            emit(constMetric(used, 'gauge', usedSectors * bytesPerBlock, [device, nsid]))
            emit(constMetric(blockSize, 'gauge', bytesPerBlock, [device, nsid]))
          }
        }
      },
    }
  },
}
