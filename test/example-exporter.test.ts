import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { freePort, waitFor } from './helpers/ports.js'
import { promtoolCheckMetrics } from './helpers/promtool.js'

// README's "Write your own exporter" example, run as users run it: the built file, as a process.
const exampleSource = readFileSync(new URL('../examples/directory-exporter.ts', import.meta.url), 'utf8')
const built = new URL('../dist/examples/directory-exporter.js', import.meta.url).pathname

async function startExample(t: Test, paths: string[], options: { port?: number; cwd?: string } = {}) {
  const port = options.port ?? (await freePort())
  const env = { ...process.env, PORT: options.port === undefined ? String(port) : undefined }
  const child = spawn(process.execPath, [built, ...paths], { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  t.teardown(() => void child.kill())
  const url = `http://127.0.0.1:${port}/metrics`
  await waitFor('the example exporter', async () => ((await fetch(url)).ok ? true : undefined), 20_000, 50)
  return { url, stderr: () => stderr }
}

t.test('README shows the example file verbatim', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  t.ok(readme.includes(`\`\`\`ts\n${exampleSource}\`\`\``), 'README embeds examples/directory-exporter.ts as it is')
})

t.test('the example exporter serves exact metrics for a directory, in both formats', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-example-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'a.log'), '12345')
  writeFileSync(join(dir, 'b.log'), '0123456789')
  mkdirSync(join(dir, 'subdir'))
  const { url } = await startExample(t, [dir])
  const text = await (await fetch(url)).text()
  t.equal(
    text,
    [
      '# HELP directory_files Regular files in the directory.',
      '# TYPE directory_files gauge',
      `directory_files{path="${dir}"} 2`,
      '# HELP directory_size_bytes Bytes taken by the regular files in the directory.',
      '# TYPE directory_size_bytes gauge',
      `directory_size_bytes{path="${dir}"} 15`,
      '',
    ].join('\n'),
  )
  const lint = promtoolCheckMetrics(text)
  t.same([lint.status, lint.stderr], [0, ''])
  const openMetrics = await fetch(url, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })
  t.equal(openMetrics.headers.get('content-type'), 'application/openmetrics-text; version=1.0.0; charset=utf-8')
  t.match(await openMetrics.text(), /# UNIT directory_size_bytes bytes\n[^]*# EOF\n$/)
})

t.test('a directory that cannot be read is logged with its reason and the scrape still answers', async (t) => {
  const { url, stderr } = await startExample(t, ['/nonexistent/promkit'])
  const response = await fetch(url)
  t.equal(response.status, 200)
  t.equal(await response.text(), '')
  await waitFor('the error log line', async () => (stderr().includes('directory: collect() failed: ENOENT') ? true : undefined), 5000, 20)
  t.pass(stderr().trim())
  t.equal((await fetch(url.replace('/metrics', '/'))).status, 404)
})

t.test('npm start\'s defaults, as README promises: the current directory, on port 9400', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-start-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'only.txt'), 'x')
  const { url } = await startExample(t, [], { port: 9400, cwd: dir })
  t.equal(url, 'http://127.0.0.1:9400/metrics')
  t.match(await (await fetch(url)).text(), `directory_files{path="${dir}"} 1\n`)
})
