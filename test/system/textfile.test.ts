// Peers: prometheus-node-exporter
// The textfile collector on node_exporter's own textfile cases (test/fixtures/textfile, with their expected outputs),
// and side by side with Debian's node_exporter 1.5 on one directory.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry, encode } from 'promkit'
import t from 'tap'
import { textfileCollector } from '../../collectors/system/textfile.js'
import { get, startExporter } from '../helpers/exporter-process.js'
import { comparableFamilies } from '../helpers/exposition-parser.js'
import { startNodeExporter, systemContext, systemExporter } from '../helpers/system.js'

const cases = new URL('../fixtures/textfile/', import.meta.url).pathname

// A folder holding fixtures/textfile/<case>/, every file's mtime 1 s, as node_exporter's test reads them.
const work = mkdtempSync(join(tmpdir(), 'promkit-textfile-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
const copied = join(work, 'fixtures', 'textfile')
cpSync(cases, copied, { recursive: true })
for (const dir of readdirSync(copied, { withFileTypes: true })) {
  if (!dir.isDirectory()) continue
  for (const file of readdirSync(join(copied, dir.name))) utimesSync(join(copied, dir.name, file), 1, 1)
}
process.chdir(work)

/** What the textfile collector serves for `--collector.textfile.directory` values, and what it logged. */
async function collect(...directories: string[]): Promise<{ text: string; logged: string[] }> {
  const logged: string[] = []
  const registry = new Registry()
  registry.register(
    await textfileCollector.create(systemContext(work, { 'collector.textfile.directory': directories }, logged)),
  )
  const { families, errors } = await registry.gather()
  if (errors.length > 0) throw errors[0]
  return { text: encode(families, 'text'), logged }
}

const expected = (name: string) => readFileSync(join(cases, `${name}.out`), 'utf8')

for (const name of readdirSync(cases).filter((file) => file.endsWith('.out'))) {
  const testCase = name.replace(/\.out$/, '')
  t.test(`node_exporter's case ${testCase}`, async (t) => {
    const directory =
      testCase === 'glob_extra_dimension'
        ? 'fixtures/textfile/*_extra_dimension/'
        : testCase === 'nonexistent_path'
          ? 'fixtures/textfile/nonexistent_path/'
          : `fixtures/textfile/${testCase}/`
    const { text } = await collect(directory)
    t.same(comparableFamilies(text), comparableFamilies(expected(testCase)))
  })
}

t.test("side by side with Debian's node_exporter 1.5 on one directory of several files", async (t) => {
  const dir = join(work, 'side-by-side')
  mkdirSync(dir)
  for (const [from, to] of [
    ['inconsistent_metrics/metrics.prom', 'a.prom'],
    ['histogram_extra_dimension/metrics.prom', 'b.prom'],
    ['summary/metrics.prom', 'c.prom'],
    ['two_metric_files/metrics1.prom', 'd.prom'],
    ['two_metric_files/non_matching_file.txt', 'e.txt'],
  ])
    cpSync(join(cases, from as string), join(dir, to as string))
  const args = ['--collector.disable-defaults', '--collector.textfile', '--collector.textfile.directory', dir]
  const ours = await startExporter(t, systemExporter, args)
  const theirText = await (await fetch(await startNodeExporter(t, args))).text()
  const shown = (text: string) =>
    comparableFamilies(text).filter(
      ({ name }) => !/^(go_|process_|promhttp_|nodejs_|node_exporter_|node_scrape_collector_)/.test(name),
    )
  const ourText = (await get(`${ours.base}/metrics`)).text
  t.same(
    shown(ourText).map(({ name }) => name),
    shown(theirText).map(({ name }) => name),
  )
  t.same(shown(ourText), shown(theirText), 'the same families, help, types, labels and values')
})

t.test('what node_exporter does not guard against', async (t) => {
  const dir = join(work, 'hostile')
  mkdirSync(dir)
  execFileSync('mkfifo', [join(dir, 'pipe.prom')])
  writeFileSync(join(dir, 'a.prom'), '# TYPE jobs_total counter\njobs_total{queue="x"} 1\n')
  writeFileSync(join(dir, 'b.prom'), 'jobs_total{queue="x"} 2\n# TYPE last_run gauge\nlast_run 5\n')
  writeFileSync(join(dir, 'c.prom'), '# TYPE last_run counter\nlast_run 6\nbroken{ 1\n')
  writeFileSync(join(dir, 'd.prom'), '# TYPE latency histogram\nlatency_bucket{le="1"} 5\nlatency_bucket{le="0.5"} 9\n')
  const { text, logged } = await collect(dir)
  t.match(text, /^node_textfile_scrape_error 1$/m)
  t.match(text, /^jobs_total\{queue="x"\} 1$/m, 'the first file keeps the series')
  t.match(text, /^last_run 5$/m)
  t.notMatch(text, /latency/)
  const errors = logged.map((line) => JSON.parse(line).err as string)
  t.same(errors, [
    `${join(dir, 'c.prom')}: line 3: broken: expected a label name at column 9`,
    `${join(dir, 'pipe.prom')}: not a regular file`,
    `${join(dir, 'b.prom')}: jobs_total has type untyped, but type counter in ${join(dir, 'a.prom')}; left out`,
    `${join(dir, 'd.prom')}: metric "latency": buckets are not cumulative: bucket le=0.5 has 9 observations, more than bucket le=1 with 5`,
  ])
})

t.test('globs, repeated series, and histograms or summaries with lines missing', async (t) => {
  const dir = join(work, 'glob-1')
  mkdirSync(dir)
  writeFileSync(
    join(dir, 'a.prom'),
    [
      '# HELP lonely A family without samples is left out.',
      '# TYPE jobs counter',
      'jobs{queue="x"} 1',
      '# TYPE no_buckets histogram',
      'no_buckets_count 3',
      'no_buckets_sum 1.5',
      '# TYPE only_inf histogram',
      'only_inf_bucket{le="+Inf"} 4',
      '# TYPE only_sum histogram',
      'only_sum_sum 2',
      '# TYPE bare summary',
      'bare_sum 1',
      '',
    ].join('\n'),
  )
  writeFileSync(join(dir, 'b.prom'), '# TYPE jobs counter\njobs{queue="x"} 7\njobs{queue="y"} 8\n')
  for (const file of ['a.prom', 'b.prom']) utimesSync(join(dir, file), 1_700_000_000.9, 1_700_000_000.9)
  const { text, logged } = await collect(`${work}/glob-*/`, 'fixtures/missing/*/')
  t.same(
    comparableFamilies(text).map(({ name, metrics }) => [name, metrics]),
    [
      ['bare', [{ labels: [], count: 0, sum: 1 }]],
      [
        'jobs',
        [
          { labels: [['queue', 'x']], value: 1 },
          { labels: [['queue', 'y']], value: 8 },
        ],
      ],
      ['no_buckets', [{ labels: [], buckets: [[Number.POSITIVE_INFINITY, 3]], sum: 1.5, count: 3 }]],
      [
        'node_textfile_mtime_seconds',
        [
          { labels: [['file', join(dir, 'a.prom')]], value: 1_700_000_000 },
          { labels: [['file', join(dir, 'b.prom')]], value: 1_700_000_000 },
        ],
      ],
      ['node_textfile_scrape_error', [{ labels: [], value: 1 }]],
      ['only_inf', [{ labels: [], buckets: [[Number.POSITIVE_INFINITY, 4]], sum: 0, count: 4 }]],
      ['only_sum', [{ labels: [], buckets: [[Number.POSITIVE_INFINITY, 0]], sum: 2, count: 0 }]],
    ],
  )
  t.same(
    logged.map((line) => JSON.parse(line).err),
    [
      "cannot read the textfile directory fixtures/missing/*/: ENOENT: no such file or directory, scandir 'fixtures/missing/*/'",
      `${join(dir, 'b.prom')}: jobs repeats a series of ${join(dir, 'a.prom')}; left out`,
    ],
  )
})
