import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { readDeviceOptional, systemPaths } from './paths.js'

/** Parses os-release(5): `KEY=value` lines, values optionally quoted. */
export function parseOsRelease(text: string): Map<string, string> {
  const fields = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim())
    if (!match) continue
    const raw = match[2] as string
    const quoted = /^(["'])(.*)\1$/.exec(raw)
    fields.set(match[1] as string, quoted ? (quoted[2] as string).replace(/\\(["'`$\\])/g, '$1') : raw)
  }
  return fields
}

const infoLabels = [
  'build_id',
  'id',
  'id_like',
  'image_id',
  'image_version',
  'name',
  'pretty_name',
  'variant',
  'variant_id',
  'version',
  'version_codename',
  'version_id',
] as const

/**
 * `node_os_info{...}` and `node_os_version{id,id_like,name}` from /etc/os-release (or /usr/lib/os-release) under
 * --path.rootfs.
 */
export const osCollector: CollectorDefinition = {
  name: 'os',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const info = new Desc({
      namespace: context.namespace,
      subsystem: 'os',
      name: 'info',
      help: `A metric with a constant '1' value labeled by ${infoLabels.join(', ')}.`,
      variableLabels: [...infoLabels],
    })
    const version = new Desc({
      namespace: context.namespace,
      subsystem: 'os',
      name: 'version',
      help: 'Metric containing the major.minor part of the OS version.',
      variableLabels: ['id', 'id_like', 'name'],
    })
    return {
      describe: () => [info, version],
      async collect(emit) {
        const text =
          (await readDeviceOptional(paths.root('etc', 'os-release'))) ??
          (await readDeviceOptional(paths.root('usr', 'lib', 'os-release')))
        if (text === undefined) return context.logger.debug('no os-release file; the os collector has no data')
        const fields = parseOsRelease(text)
        const get = (label: string) => fields.get(label.toUpperCase()) ?? ''
        emit(constMetric(info, 'gauge', 1, infoLabels.map(get)))
        const majorMinor = /^\d+(\.\d+)?/.exec(get('version_id'))?.[0]
        if (majorMinor !== undefined)
          emit(constMetric(version, 'gauge', Number(majorMinor), [get('id'), get('id_like'), get('name')]))
      },
    }
  },
}
