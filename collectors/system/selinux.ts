import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { lines, readOptional, systemPaths } from './paths.js'

/** The SELinux modes by their name in /etc/selinux/config. */
const modes: Readonly<Record<string, number>> = { enforcing: 1, permissive: 0, disabled: -1 }

/**
 * node_exporter's selinux collector: `node_selinux_enabled` (a selinuxfs is mounted), and when it is,
 * `node_selinux_current_mode` (its `enforce` file: 1 enforcing, 0 permissive) and `node_selinux_config_mode`
 * (`SELINUX=` of /etc/selinux/config: 1, 0, or -1 for disabled).
 */
export const selinuxCollector: CollectorDefinition = {
  name: 'selinux',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const desc = (name: string, help: string) =>
      new Desc({ namespace: context.namespace, subsystem: 'selinux', name, help })
    const enabled = desc('enabled', 'SELinux is enabled, 1 is true, 0 is false')
    const configMode = desc('config_mode', 'Configured SELinux enforcement mode')
    const currentMode = desc('current_mode', 'Current SELinux enforcement mode')
    return {
      describe: () => [enabled, configMode, currentMode],
      async collect(emit) {
        const mounts = (await readOptional(paths.proc('self', 'mounts'))) ?? ''
        const mountPoint = lines(mounts)
          .map((line) => line.split(/\s+/))
          .find((fields) => fields[2] === 'selinuxfs')?.[1]
        const enforce = mountPoint === undefined ? undefined : await readOptional(paths.root(mountPoint, 'enforce'))
        emit(constMetric(enabled, 'gauge', enforce === undefined ? 0 : 1))
        if (enforce === undefined) return
        emit(constMetric(currentMode, 'gauge', enforce.trim() === '1' ? 1 : 0))
        const config = (await readOptional(paths.root('etc', 'selinux', 'config'))) ?? ''
        const configured = /^\s*SELINUX\s*=\s*(\w+)/m.exec(config)?.[1]?.toLowerCase()
        emit(constMetric(configMode, 'gauge', modes[configured ?? 'disabled'] ?? -1))
      },
    }
  },
}
