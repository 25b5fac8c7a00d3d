// promkit-init: the starter project an exporter author begins from, created as a user creates it (from a packed
// tarball of this checkout), whose own npm test passes and whose server serves its metrics.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { starterNames, writeStarter } from '../../src/init/starter.js'
import { get, samples, startExporter } from '../helpers/exporter-process.js'

const repo = new URL('../..', import.meta.url).pathname
const cli = new URL('../../dist/src/init/main.js', import.meta.url).pathname

t.test('names: the package, binary and namespace a project name gives; anything else refused', async (t) => {
  t.same(starterNames('queue-exporter'), {
    packageName: 'queue-exporter',
    exporterName: 'queue_exporter',
    namespace: 'queue',
  })
  t.same(starterNames('mail_queue'), { packageName: 'mail-queue', exporterName: 'mail_queue', namespace: 'mail_queue' })
  for (const bad of ['Queue', '9lives', 'queue--exporter', 'queue exporter', '-x', ''])
    t.throws(() => starterNames(bad), { code: 'PROMKIT_ERR_INVALID_OPTION', message: /is not a project name/ }, bad)
  const dir = mkdtempSync(join(tmpdir(), 'promkit-init-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  t.throws(() => writeStarter(dir, 'queue-exporter', '^0.1.0'), {
    message: `promkit-init: ${dir} exists; choose a new directory`,
  })
})

t.test('the command line: usage, a refused name, an existing directory', async (t) => {
  const run = (args: string[], cwd = repo) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' })
  const help = run(['--help'])
  t.same([help.status, help.stdout.split('\n')[0]], [0, 'Usage: promkit-init <name> [--promkit <specifier>]'])
  t.same([run([]).status, run([]).stderr.split('\n')[0]], [2, 'Usage: promkit-init <name> [--promkit <specifier>]'])
  t.equal(run(['a', 'b']).status, 2, 'one name only')
  t.equal(run(['a', '--promkit']).status, 2, '--promkit needs a specifier')
  const bad = run(['Bad'])
  t.same(
    [bad.status, bad.stderr],
    [
      1,
      'promkit-init: "Bad" is not a project name: lower-case letters and digits, words joined by - or _ (e.g. queue-exporter)\n',
    ],
  )
})

t.test('a new project from the packed checkout: its npm test passes and it serves its metrics', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'promkit-starter-'))
  t.teardown(() => rmSync(work, { recursive: true, force: true }))
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--silent'], {
    cwd: repo,
    stdio: 'pipe',
  })
  const tarball = join(work, 'promkit-0.1.0.tgz')
  const created = spawnSync(process.execPath, [cli, 'queue-exporter', '--promkit', `file:${tarball}`], {
    cwd: work,
    encoding: 'utf8',
  })
  t.equal(created.status, 0, created.stderr)
  t.match(created.stdout, /^Wrote \.\/queue-exporter: the queue_exporter exporter\./)
  const project = join(work, 'queue-exporter')
  t.same(readdirSync(project, { recursive: true }).sort(), [
    '.gitignore',
    'Dockerfile',
    'README.md',
    'package.json',
    'src',
    'src/collector.ts',
    'src/exporter.ts',
    'src/main.ts',
    'test',
    'test/collector.test.ts',
    'tsconfig.json',
  ])
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--silent'], {
    cwd: project,
    stdio: 'pipe',
    timeout: 300_000,
  })
  const tested = spawnSync('npm', ['test'], { cwd: project, encoding: 'utf8', timeout: 300_000 })
  t.equal(tested.status, 0, tested.stdout + tested.stderr)
  t.match(tested.stdout, /^# pass 1$/m)
  const served = join(work, 'served')
  mkdirSync(served)
  const exporter = await startExporter(t, join(project, 'dist/src/main.js'), ['--collector.files.path', served])
  const text = (await get(`${exporter.base}/metrics`)).text
  t.match(text, /^queue_exporter_build_info\{.*version="0\.1\.0"\} 1$/m, "the project's own version")
  t.same(samples(text, 'queue_files', 'queue_scrape_collector_success'), [
    `queue_files{path="${served}"} 0`,
    'queue_scrape_collector_success{collector="files"} 1',
  ])
})
