// What the benches read about a process they started, from /proc, and how they summarise repeated timings.
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** The middle of some timings (the upper middle for an even count). */
export const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

/** User and system CPU time of a process so far, in ms. */
export function cpuMs(child: ChildProcess): number {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}

/** The peak RSS of a process so far, in MiB. */
export function peakRssMiB(child: ChildProcess): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024
}

/** The value below which a share `p` (0 to 1) of some timings fall. */
export const percentile = (values: readonly number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] as number
