import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ExporterContext, FlagDefinition } from 'promkit/exporter'

/** node_exporter's path flags, so tests (and containers) can point the exporter at another tree. */
export const pathFlags: readonly FlagDefinition[] = [
  { name: 'path.procfs', default: '/proc', description: 'procfs mountpoint.' },
  { name: 'path.sysfs', default: '/sys', description: 'sysfs mountpoint.' },
  { name: 'path.rootfs', default: '/', description: 'rootfs mountpoint (e.g. /host in a container).' },
  { name: 'path.udev.data', default: '/run/udev/data', description: 'udev data path.' },
]

/** Where a collector reads from. */
export interface SystemPaths {
  proc(...parts: string[]): string
  sys(...parts: string[]): string
  root(...parts: string[]): string
  udev(...parts: string[]): string
}

/** The paths the `--path.*` flags chose. */
export function systemPaths(context: ExporterContext): SystemPaths {
  const base = (flag: string) => (...parts: string[]) => join(context.flags[flag] as string, ...parts)
  return { proc: base('path.procfs'), sys: base('path.sysfs'), root: base('path.rootfs'), udev: base('path.udev.data') }
}

/**
 * Reads a text file, or undefined when it does not exist: "no data" (a kernel
 * without PSI, a machine without /etc/os-release) is not an error, as in
 * node_exporter. Any other failure is.
 */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** Reads a file that must exist. */
export function readRequired(path: string): Promise<string> {
  return readFile(path, 'utf8')
}

/** The non-empty lines of a /proc file, trimmed. */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
}

/** A number from a /proc field, or a clear error naming the file and the text. */
export function number(text: string | undefined, file: string, what: string): number {
  const value = Number(text)
  if (text === undefined || text.trim() === '' || Number.isNaN(value)) throw new Error(`couldn't parse ${file}: ${what} is ${JSON.stringify(text)}, not a number`)
  return value
}
