import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

// `npm test` on a machine without the Debian peers and without root: the files that need a missing peer are
// skipped, each with one line naming it and the command that installs it; the others run.

const repo = new URL('../..', import.meta.url).pathname

t.test('with every peer here, tap gets no arguments and runs everything', async (t) => {
  t.equal(execFileSync(process.execPath, ['scripts/select-tests.mjs'], { cwd: repo, encoding: 'utf8' }), '')
})

t.test('with no peer on PATH, the files that need one are skipped with the command that installs it', async (t) => {
  const bin = mkdtempSync(join(tmpdir(), 'promkit-no-peers-'))
  t.teardown(() => rmSync(bin, { recursive: true, force: true }))
  symlinkSync(process.execPath, join(bin, 'node'))
  const run = spawnSync(join(bin, 'node'), ['scripts/select-tests.mjs'], {
    cwd: repo,
    encoding: 'utf8',
    env: { PATH: bin },
  })
  const args = run.stdout.trim().split(' ')
  t.equal(args[0], '--allow-incomplete-coverage')
  t.ok(
    args.includes('test/registry.test.ts') && args.includes('test/kafka/parts.test.ts'),
    'files without peers still run',
  )
  t.notOk(args.includes('test/redis/parity.test.ts'))
  t.match(
    run.stderr,
    'select-tests: skipping test/redis/parity.test.ts: needs redis-server, prometheus-redis-exporter (install: sudo apt-get install -y redis-server prometheus-redis-exporter)\n',
  )
  t.match(
    run.stderr,
    'select-tests: skipping test/kafka/exporter.test.ts: needs promtool, go, openssl (install: sudo apt-get install -y prometheus golang-go openssl)\n',
    'a file peer (sarama) is still here',
  )
  t.equal(run.stderr.split('\n').filter((line) => line !== '').length, 24, 'one line per skipped file')
})
