import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { testFiles } from '../../scripts/test-files.mjs'

// `npm test` on a machine without the Debian peers and without root: the files that need a missing peer are
// skipped, each with one line naming it and the command that installs it; the others run.

const repo = new URL('../..', import.meta.url).pathname

t.test('with every peer here, tap gets no arguments and runs everything', async (t) => {
  t.equal(execFileSync(process.execPath, ['scripts/select-tests.mjs'], { cwd: repo, encoding: 'utf8' }), '')
})

t.test('with no PATH at all, the files that need a peer are skipped with the command that installs it', async (t) => {
  const run = spawnSync(process.execPath, ['scripts/select-tests.mjs'], { cwd: repo, encoding: 'utf8', env: {} })
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
  // Every file that declares a peer besides sarama (a file, still here): with no PATH, no command is found.
  const needingCommands = [...testFiles(join(repo, 'test'))].filter((file) => {
    const declared = /^\/\/ Peers: (.*)$/m.exec(readFileSync(file, 'utf8'))?.[1]
    return declared?.split(' ').some((peer) => peer !== 'sarama') === true
  })
  t.ok(needingCommands.length > 20)
  t.equal(
    run.stderr.split('\n').filter((line) => line !== '').length,
    needingCommands.length,
    'one line per skipped file',
  )
})

t.test('a peer no one knows is a mistake in the test file, and says which', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-peers-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'a.test.ts'), '// Peers: postgres\n')
  const run = spawnSync(process.execPath, ['scripts/select-tests.mjs', dir], { cwd: repo, encoding: 'utf8' })
  t.equal(run.status, 1)
  t.match(run.stderr, /Error: unknown peer "postgres" \(known: promtool, prometheus, /)
})
