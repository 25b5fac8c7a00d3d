// The client_golang peer (bench/go/main.go), built offline from Debian's packages when they are installed
// (bench/setup).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { debianGoPath, goBuildOffline } from '../test/helpers/go-build.js'

const source = new URL('../../bench/go', import.meta.url).pathname

/** Builds the client_golang peer; undefined (and why) when Go or Debian's client_golang sources are missing. */
export function buildGoPeer(): { bin: string } | { missing: string } {
  if (!existsSync(join(debianGoPath, 'src/github.com/prometheus/client_golang')))
    return { missing: 'golang-github-prometheus-client-golang-dev is not installed (bench/setup installs it)' }
  const dir = mkdtempSync(join(tmpdir(), 'promkit-bench-go-'))
  const bin = join(dir, 'bench-peer')
  try {
    goBuildOffline(source, bin, dir)
  } catch (error) {
    return { missing: `go build failed: ${(error as Error).message.split('\n')[0]}` }
  }
  return { bin }
}

/** A peer's median time for one gather + encoding, and the CPU time it spent per run, in ms. */
export interface EncodeTime {
  readonly medianMs: number
  readonly cpuMs: number
}

/** The data sets of bench/dataset.ts the Go peer has too. */
export type GoDataSet = 'gauges' | 'histograms'

/** client_golang's Gather() + text encoding of `series` gauges or const histograms, in its own process. */
export function goEncode(bin: string, series: number, runs: number, data: GoDataSet = 'gauges'): EncodeTime {
  const mode = data === 'gauges' ? 'encode' : 'encode-histograms'
  return JSON.parse(execFileSync(bin, [mode, String(series), String(runs)], { encoding: 'utf8' })) as EncodeTime
}

/** One client_golang exposition of `series` gauges or histograms, for the equality check. */
export function goDump(bin: string, series: number, data: GoDataSet = 'gauges'): string {
  const mode = data === 'gauges' ? 'dump' : 'dump-histograms'
  return execFileSync(bin, [mode, String(series)], { encoding: 'utf8', maxBuffer: 1 << 30 })
}
