import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { readOptional, systemPaths } from './paths.js'

/** `node_bonding_slaves{master}` and `node_bonding_active{master}` (slaves whose MII status is up), from sysfs. */
export const bondingCollector: CollectorDefinition = {
  name: 'bonding',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const desc = (name: string, help: string) =>
      new Desc({ namespace: context.namespace, subsystem: 'bonding', name, help, variableLabels: ['master'] })
    const slaves = desc('slaves', 'Number of configured slaves per bonding interface.')
    const active = desc('active', 'Number of active slaves per bonding interface.')
    const net = (...parts: string[]) => paths.sys('class', 'net', ...parts)
    /** A slave's MII status: under `lower_<slave>` on newer kernels, `slave_<slave>` on older ones. */
    const status = async (master: string, slave: string) =>
      (await readOptional(net(master, `lower_${slave}`, 'bonding_slave', 'mii_status'))) ??
      (await readOptional(net(master, `slave_${slave}`, 'bonding_slave', 'mii_status')))
    return {
      describe: () => [slaves, active],
      async collect(emit) {
        const masters = await readOptional(net('bonding_masters'))
        if (masters === undefined) return context.logger.debug('no bonding_masters: the bonding collector has no data')
        for (const master of masters.trim().split(/\s+/).filter(Boolean).sort()) {
          const members = ((await readOptional(net(master, 'bonding', 'slaves'))) ?? '')
            .trim()
            .split(/\s+/)
            .filter(Boolean)
          const statuses = await Promise.all(members.map((slave) => status(master, slave)))
          emit(constMetric(slaves, 'gauge', members.length, [master]))
          emit(constMetric(active, 'gauge', statuses.filter((mii) => mii?.trim() === 'up').length, [master]))
        }
      },
    }
  },
}
