import { execFileSync } from 'node:child_process'
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
