import { readdirSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type ExporterContext, flag } from 'promkit/exporter'
import { KernelFiles } from './kernel-files.js'

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

/** Device reads in progress, by path, with when they started. */
const reading = new Map<string, { readonly text: Promise<string>; readonly started: number }>()
/** A device read pending longer than this is stuck (a scrape's whole budget is seconds). */
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

/** A failure handler that gives `absent` when the path does not exist and throws any other failure. */
const absentAs =
  <A>(absent: A) =>
  (error: unknown): A => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return absent
    throw error
  }

/** What a read gives, or `absent` when its path does not exist; any other failure throws. */
function unlessAbsent<T, A>(read: () => T, absent: A): T | A {
  try {
    return read()
  } catch (error) {
    return absentAs(absent)(error)
  }
}

/**
 * The files of kernel state the collectors read, synchronously: procfs files and most sysfs attributes are answered
 * from kernel memory in microseconds, where an asynchronous read costs ~70 µs in four trips through libuv's thread
 * pool, and a scrape reads some 170 of them (most of the exporter's CPU, measured). procfs and sysfs files are kept
 * open between scrapes; at most 1,024 files are remembered, and one no collector read for 5 minutes is closed.
 */
const kernelFiles = new KernelFiles({ capacity: 1024, idleMs: 5 * 60 * 1000, now: Date.now })

/**
 * Reads a file of kernel state (procfs, and sysfs attributes answered from kernel memory), or undefined when it does
 * not exist: "no data" (a kernel without PSI, a machine without /etc/os-release) is not an error, as in
 * node_exporter. Any other failure is.
 */
export async function readOptional(path: string): Promise<string | undefined> {
  return unlessAbsent(() => kernelFiles.read(path), undefined)
}

/** Reads a file of kernel state that must exist. */
export async function readRequired(path: string): Promise<string> {
  return kernelFiles.read(path)
}

/**
 * Reads a file whose read may wait, or undefined when it does not exist: sysfs attributes a driver answers by asking
 * the hardware (sensors, batteries, network adapters, power meters), which take milliseconds to seconds, and files
 * outside procfs and sysfs. Asynchronous, so a slow one does not hold up the other collectors.
 */
export function readDeviceOptional(path: string): Promise<string | undefined> {
  return readText(path).catch(absentAs(undefined))
}

/**
 * The entries of a directory, or none when it does not exist (no such device on this machine); any other failure
 * throws.
 */
export async function listOptional(dir: string): Promise<string[]> {
  return unlessAbsent(() => readdirSync(dir), [])
}

/**
 * The entries of a directory that `pattern` names with a number (its first group: `^cpu(\d+)$`), with that number, in
 * numeric order (`cpu2` before `cpu10`); none when the directory does not exist.
 */
export async function numberedEntries(dir: string, pattern: RegExp): Promise<{ entry: string; index: string }[]> {
  return (await listOptional(dir))
    .flatMap((entry) => {
      const index = pattern.exec(entry)?.[1]
      return index === undefined ? [] : [{ entry, index }]
    })
    .sort((a, b) => Number(a.index) - Number(b.index))
}

/**
 * Whether a path of kernel state is a directory, links followed; false when it does not exist (without the exception a
 * failed look throws, 9.4 µs) or cannot be looked at.
 */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false
  } catch {
    return false
  }
}

/** The subdirectories of a directory (links not followed), or none when it does not exist. */
export async function directoriesIn(dir: string): Promise<string[]> {
  const entries = unlessAbsent(() => readdirSync(dir, { withFileTypes: true }), [])
  return entries.filter((entry) => entry.isDirectory()).map(({ name }) => name)
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
