import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type ExporterContext, flag } from 'promkit/exporter'

/** node_exporter's path flags, so tests (and containers) can point the exporter at another tree. */
export const pathFlags = {
  procfs: flag.string('path.procfs', { default: '/proc', description: 'procfs mountpoint.' }),
  sysfs: flag.string('path.sysfs', { default: '/sys', description: 'sysfs mountpoint.' }),
  rootfs: flag.string('path.rootfs', { default: '/', description: 'rootfs mountpoint (e.g. /host in a container).' }),
  udevData: flag.string('path.udev.data', { default: '/run/udev/data', description: 'udev data path.' }),
}

/** Where a collector reads from. */
export interface SystemPaths {
  proc(...parts: string[]): string
  sys(...parts: string[]): string
  root(...parts: string[]): string
  udev(...parts: string[]): string
}

/** The paths the `--path.*` flags chose. */
export function systemPaths(context: ExporterContext): SystemPaths {
  const base =
    (declared: typeof pathFlags.procfs) =>
    (...parts: string[]) =>
      join(context.value(declared), ...parts)
  return {
    proc: base(pathFlags.procfs),
    sys: base(pathFlags.sysfs),
    root: base(pathFlags.rootfs),
    udev: base(pathFlags.udevData),
  }
}

/** Reads in progress, by path, with when they started. */
const reading = new Map<string, { readonly text: Promise<string>; readonly started: number }>()
/** A read pending longer than this is stuck: files of /proc and /sys answer in microseconds. */
const stuckReadMs = 1000

/**
 * Reads a text file, at most once at a time per path. A read blocks one of
 * libuv's four threads until it ends, and a FIFO or a hung filesystem never
 * ends it: a second read of such a path would take a second thread, and four
 * would stop every file read (and gzip) of the process. So an overlapping read
 * of a path shares the one in progress, and behind a read pending for over a
 * second none is started: that collector fails at once, the others are served.
 */
function readText(path: string): Promise<string> {
  const pending = reading.get(path)
  if (pending === undefined) {
    const text = readFile(path, 'utf8').finally(() => reading.delete(path))
    reading.set(path, { text, started: Date.now() })
    return text
  }
  if (Date.now() - pending.started <= stuckReadMs) return pending.text
  return Promise.reject(
    new Error(
      `a read of ${path} has been pending for over ${stuckReadMs / 1000} s (a FIFO, or a hung filesystem?): not ` +
        `starting another until it ends`,
    ),
  )
}

/** What a read gives, or `absent` when its path does not exist; any other failure throws. */
async function unlessAbsent<T, A>(read: Promise<T>, absent: A): Promise<T | A> {
  try {
    return await read
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return absent
    throw error
  }
}

/**
 * Reads a text file, or undefined when it does not exist: "no data" (a kernel
 * without PSI, a machine without /etc/os-release) is not an error, as in
 * node_exporter. Any other failure is.
 */
export function readOptional(path: string): Promise<string | undefined> {
  return unlessAbsent(readText(path), undefined)
}

/**
 * The entries of a directory, or none when it does not exist (no such device on this machine); any other failure
 * throws.
 */
export function listOptional(dir: string): Promise<string[]> {
  return unlessAbsent(readdir(dir), [])
}

/** The subdirectories of a directory (links not followed), or none when it does not exist. */
export async function directoriesIn(dir: string): Promise<string[]> {
  const entries = await unlessAbsent(readdir(dir, { withFileTypes: true }), [])
  return entries.filter((entry) => entry.isDirectory()).map(({ name }) => name)
}

/** Reads a file that must exist. */
export function readRequired(path: string): Promise<string> {
  return readText(path)
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
  if (text === undefined || text.trim() === '' || Number.isNaN(value))
    throw new Error(`couldn't parse ${file}: ${what} is ${JSON.stringify(text)}, not a number`)
  return value
}
