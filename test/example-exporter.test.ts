// Peers: promtool
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { expectLog, get, samples, startExporter } from './helpers/exporter-process.js'
import { promtoolCheckMetrics } from './helpers/promtool.js'
import { waitFor } from './helpers/ports.js'

// README's "Write your own exporter" example, run as users run it: the built file, as a process.
const exampleSource = readFileSync(new URL('../examples/directory-exporter.ts', import.meta.url), 'utf8')
const built = new URL('../dist/examples/directory-exporter-main.js', import.meta.url).pathname

t.test('README shows the example file verbatim', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  t.ok(readme.includes(`\`\`\`ts\n${exampleSource}\`\`\``), 'README embeds examples/directory-exporter.ts as it is')
})

t.test('the example exporter serves exact metrics for a directory, lint-clean, in both formats', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-example-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'a.log'), '12345')
  writeFileSync(join(dir, 'b.log'), '0123456789')
  mkdirSync(join(dir, 'subdir'))
  const exporter = await startExporter(t, built, ['--collector.files.path', dir, '--web.disable-exporter-metrics'])
  const text = (await get(`${exporter.base}/metrics`)).text
  t.same(samples(text, 'directory_files', 'directory_size', 'directory_scrape_collector_success'), [
    `directory_files{path="${dir}"} 2`,
    'directory_scrape_collector_success{collector="files"} 1',
    `directory_size_bytes{path="${dir}"} 15`,
  ])
  const lint = promtoolCheckMetrics(text)
  t.same([lint.status, lint.stderr], [0, ''])
  const openMetrics = await get(`${exporter.base}/metrics`, {
    headers: { accept: 'application/openmetrics-text; version=1.0.0' },
  })
  t.equal(openMetrics.headers['content-type'], 'application/openmetrics-text; version=1.0.0; charset=utf-8')
  t.match(openMetrics.text, /# UNIT directory_size_bytes bytes\n[\s\S]*# EOF\n$/)
})

t.test('a directory that cannot be read is logged with its reason and the scrape still answers', async (t) => {
  const exporter = await startExporter(t, built, ['--collector.files.path', '/nonexistent/promkit'])
  const answer = await get(`${exporter.base}/metrics`)
  t.equal(answer.status, 200)
  t.same(samples(answer.text, 'directory_files', 'directory_scrape_collector_success'), [
    'directory_scrape_collector_success{collector="files"} 0',
  ])
  await waitFor('the error log line', async () => (exporter.stderr().includes('ENOENT') ? true : undefined), 5000, 20)
  await expectLog(
    t,
    exporter,
    /collector=files code=PROMKIT_ERR_COLLECT_FAILED occurrences=1 msg="files: collect\(\) failed: ENOENT: no such file or directory, scandir '\/nonexistent\/promkit'"/,
  )
})

t.test("the example's defaults: the current directory, on port 9400", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-start-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'only.txt'), 'x')
  const exporter = await startExporter(t, built, [], { cwd: dir, defaultAddress: 9400 })
  await expectLog(t, exporter, /directory_exporter listening on :9400, metrics at \/metrics/)
  t.same(samples((await get('http://127.0.0.1:9400/metrics')).text, 'directory_files'), [
    `directory_files{path="${dir}"} 1`,
  ])
})
