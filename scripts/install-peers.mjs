// Installs the real servers the test suite talks to (Debian packages), only when missing. Without root it
// installs nothing: it says what is missing and how to install it, and the test files that need it are skipped
// (scripts/select-tests.mjs); CI runs as root and installs everything.
import { spawnSync } from 'node:child_process'
import { peers, present } from './peers.mjs'

const missing = [
  ...new Set(
    Object.keys(peers)
      .filter((name) => !present(name))
      .map((name) => peers[name].package),
  ),
].sort()
if (missing.length > 0) {
  const install = `apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends ${missing.join(' ')}`
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      `install-peers: missing ${missing.join(', ')}; not root, so the tests that need them are skipped (install: sudo ${install})\n`,
    )
  } else {
    const run = (command) => {
      process.stdout.write(`install-peers: ${command}\n`)
      const result = spawnSync('bash', ['-c', command], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      })
      if (result.status !== 0) process.exit(result.status ?? 1)
    }
    run('apt-get update -q')
    run(`${install} -q`)
  }
}
