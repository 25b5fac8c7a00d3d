import { join } from 'node:path'
import { pino } from 'pino'
import type { ExporterContext } from 'promkit/exporter'

/** The built system exporter binary. */
export const systemExporter = new URL('../../dist/collectors/system/main.js', import.meta.url).pathname

/** The system exporter's `--path.*` flags for a fake root holding proc/, sys/, root/ and udev/. */
export function pathArgs(root: string): string[] {
  return ['--path.procfs', join(root, 'proc'), '--path.sysfs', join(root, 'sys'), '--path.rootfs', join(root, 'root'), '--path.udev.data', join(root, 'udev')]
}

/** The context a system collector's create() gets for that fake root, logging (debug and up, as JSON) into `lines`. */
export function systemContext(root: string, flags: Record<string, string> = {}, lines: string[] = []): ExporterContext {
  return {
    namespace: 'node',
    flags: { 'path.procfs': join(root, 'proc'), 'path.sysfs': join(root, 'sys'), 'path.rootfs': join(root, 'root'), 'path.udev.data': join(root, 'udev'), ...flags },
    logger: pino({ level: 'debug', base: undefined }, { write: (line: string) => void lines.push(line) }),
  }
}
