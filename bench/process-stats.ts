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

/** What a load generator measured of one peer: requests per second, and latency percentiles in ms. */
export interface Load {
  readonly rps: number
  readonly p50: number
  readonly p99: number
}

/** Each figure's median over rounds of one peer's load (rounds alternated with the other peers', against noise). */
export function medianLoad(rounds: readonly Load[]): Load {
  return {
    rps: median(rounds.map(({ rps }) => rps)),
    p50: median(rounds.map(({ p50 }) => p50)),
    p99: median(rounds.map(({ p99 }) => p99)),
  }
}
