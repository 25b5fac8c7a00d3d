import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Where Debian's Go source packages (golang-github-*-dev) put their sources. */
export const debianGoPath = '/usr/share/gocode'

/**
 * Builds the Go program in `source` to `output` offline, in GOPATH mode against Debian's source packages: no module
 * download, no network. `cacheDir` holds Go's build cache. Throws what `go build` said when it fails.
 */
export function goBuildOffline(source: string, output: string, cacheDir: string): void {
  const env = {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: debianGoPath,
    GOPROXY: 'off',
    GOFLAGS: '',
    GOCACHE: join(cacheDir, 'cache'),
  }
  execFileSync('go', ['build', '-o', output, '.'], { cwd: source, env, stdio: 'pipe', timeout: 300_000 })
}

/**
 * The Go peer whose `main.go` is in `source` (one of `candidates`: next to a helper's source, run by tap, or three
 * levels up from its build, run by the bench), built offline once per version of its source to a temporary
 * directory named `name`: the binary's path. Built to a temporary name and renamed, so test files building at once do
 * not see half a binary.
 */
export function goPeerBinary(name: string, candidates: readonly URL[]): string {
  const source = candidates.map((url) => url.pathname).find((dir) => existsSync(join(dir, 'main.go')))
  if (source === undefined) throw new Error(`${name}: no main.go in ${candidates.map(String).join(' or ')}`)
  const hash = createHash('sha256')
    .update(readFileSync(join(source, 'main.go')))
    .digest('hex')
    .slice(0, 12)
  const dir = join(tmpdir(), `promkit-${name}`)
  const bin = join(dir, `${name}-${hash}`)
  if (existsSync(bin)) return bin
  mkdirSync(dir, { recursive: true })
  const building = `${bin}.${process.pid}`
  goBuildOffline(source, building, dir)
  renameSync(building, bin)
  return bin
}
