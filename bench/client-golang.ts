// The client_golang peer (bench/go/main.go), built offline from Debian's packages when they are installed (bench/setup).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const source = new URL('../../bench/go', import.meta.url).pathname
const debianGoPath = '/usr/share/gocode'

/** Builds the client_golang peer; undefined (and why) when Go or Debian's client_golang sources are missing. */
export function buildGoPeer(): { bin: string } | { missing: string } {
  if (!existsSync(join(debianGoPath, 'src/github.com/prometheus/client_golang'))) return { missing: 'golang-github-prometheus-client-golang-dev is not installed (bench/setup installs it)' }
  const dir = mkdtempSync(join(tmpdir(), 'promkit-bench-go-'))
  const bin = join(dir, 'bench-peer')
  try {
    // GOPATH mode against Debian's source packages: no module download, no network.
    execFileSync('go', ['build', '-o', bin, '.'], { cwd: source, env: { ...process.env, GO111MODULE: 'off', GOPATH: debianGoPath, GOCACHE: join(dir, 'cache'), GOFLAGS: '' }, stdio: 'pipe' })
  } catch (error) {
    return { missing: `go build failed: ${(error as Error).message.split('\n')[0]}` }
  }
  return { bin }
}

/** client_golang's median Gather() + text encoding time for `series` gauges, in its own process. */
export function goEncodeMs(bin: string, series: number, runs: number): number {
  return (JSON.parse(execFileSync(bin, ['encode', String(series), String(runs)], { encoding: 'utf8' })) as { medianMs: number }).medianMs
}

/** One client_golang exposition of `series` gauges, for the equality check. */
export function goDump(bin: string, series: number): string {
  return execFileSync(bin, ['dump', String(series)], { encoding: 'utf8', maxBuffer: 1 << 30 })
}
