import { join } from 'node:path'
import { pino } from 'pino'
import type { ExporterContext } from 'promkit/exporter'
import { systemExporter as definition } from '../../collectors/system/exporter.js'
import { exporterContext, parseCommandLine } from '../../src/runtime/flags.js'

/** The built system exporter binary. */
export const systemExporter = new URL('../../collectors/system/dist/main.js', import.meta.url).pathname

/** The system exporter's `--path.*` flags for a fake root holding proc/, sys/, root/ and udev/. */
export function pathArgs(root: string): string[] {
  return [
    '--path.procfs',
    join(root, 'proc'),
    '--path.sysfs',
    join(root, 'sys'),
    '--path.rootfs',
    join(root, 'root'),
    '--path.udev.data',
    join(root, 'udev'),
  ]
}

/**
 * The context a system collector's create() gets for that fake root and these flags (parsed as the
 * exporter parses its command line), logging (debug and up, as JSON) into `lines`.
 */
export function systemContext(root: string, flags: Record<string, string> = {}, lines: string[] = []): ExporterContext {
  const args = [...pathArgs(root), ...Object.entries(flags).flatMap(([name, value]) => [`--${name}`, value])]
  const { options } = parseCommandLine(definition, ['node', 'system_exporter', ...args], {}, () => {})
  return exporterContext(
    options as NonNullable<typeof options>,
    pino({ level: 'debug', base: undefined }, { write: (line: string) => void lines.push(line) }),
  )
}
