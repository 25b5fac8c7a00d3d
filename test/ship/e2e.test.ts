// Peers: promtool prometheus
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import t, { type Test } from 'tap'
import { get, startExporter } from '../helpers/exporter-process.js'
import { waitFor } from '../helpers/ports.js'
import { startPrometheus } from '../helpers/prometheus.js'
import { promtoolCheckMetrics } from '../helpers/promtool.js'

// As a user gets it: the framework and the exporter packages packed, installed into an empty project,
// their binaries run from node_modules/.bin, and a real Prometheus scraping all of them.

const repo = resolve(new URL('../..', import.meta.url).pathname)

/**
 * promtool findings on names we keep for compatibility, and only those: node_exporter's own camelCase meminfo and
 * netstat fields and entropy in bits, kept so its dashboards work.
 */
const compatibilityFinding =
  /^(node_(memory|netstat)_\w+ metric names should be written in 'snake_case' not 'camelCase'|node_entropy_\w+_bits use base unit "bytes" instead of "bits")$/

/** A new project in a temporary directory with these packed tarballs installed; its path. */
function projectWith(t: Test, tarballs: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-e2e-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'package.json'), '{ "name": "promkit-user", "private": true }\n')
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', ...tarballs], {
    cwd: dir,
    stdio: 'pipe',
    timeout: 300_000,
  })
  return dir
}

t.test(
  'every shipped exporter, installed from the packed packages, is scraped by Prometheus; the framework alone brings no exporter client',
  async (t) => {
    const packed = mkdtempSync(join(tmpdir(), 'promkit-packed-'))
    t.teardown(() => rmSync(packed, { recursive: true, force: true }))
    execFileSync(
      'npm',
      [
        'pack',
        '--workspaces',
        '--include-workspace-root',
        '--ignore-scripts',
        '--pack-destination',
        packed,
        '--silent',
      ],
      { cwd: repo, stdio: 'pipe' },
    )
    const tarballs = readdirSync(packed)
      .filter((file) => file.endsWith('.tgz'))
      .sort()
    t.same(tarballs, [
      'promkit-0.1.0.tgz',
      'promkit-exporters-0.1.0.tgz',
      'promkit-kafka-exporter-0.1.0.tgz',
      'promkit-kubelet-exporter-0.1.0.tgz',
      'promkit-probe-exporter-0.1.0.tgz',
      'promkit-redis-exporter-0.1.0.tgz',
      'promkit-system-exporter-0.1.0.tgz',
      'promkit-vsphere-exporter-0.1.0.tgz',
    ])

    const framework = projectWith(t, [join(packed, 'promkit-0.1.0.tgz')])
    const production = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: framework,
      encoding: 'utf8',
    })
    t.notMatch(
      production,
      /node_modules\/(ioredis|kafkajs|@promkit)\b/,
      "the framework package brings no exporter and no exporter's client",
    )
    t.match(production, /node_modules\/fastify\n/)

    const dir = projectWith(
      t,
      tarballs.map((tarball) => join(packed, tarball)),
    )
    const bin = (name: string) => join(dir, 'node_modules', '.bin', name)
    const shipped = [
      { job: 'system', exporter: await startExporter(t, bin('system_exporter'), []), series: 'node_load1' },
      {
        job: 'directory',
        exporter: await startExporter(t, bin('directory_exporter'), ['--collector.files.path', dir]),
        series: `directory_files{path="${dir}"}`,
      },
      {
        job: 'cli',
        exporter: await startExporter(t, bin('promkit'), ['system_exporter']),
        series: 'node_boot_time_seconds',
      },
      {
        job: 'redis',
        exporter: await startExporter(t, bin('redis_exporter'), ['--redis.addr', 'redis://127.0.0.1:1']),
        series: 'redis_up',
      },
      {
        job: 'kafka',
        exporter: await startExporter(t, bin('kafka_exporter'), ['--kafka.server', '127.0.0.1:1']),
        series: 'kafka_up',
      },
      {
        job: 'probe',
        exporter: await startExporter(t, bin('probe_exporter'), [
          '--config.file',
          join(dir, 'node_modules', '@promkit', 'probe-exporter', 'blackbox.yml'),
        ]),
        series: 'blackbox_exporter_config_last_reload_successful',
      },
      {
        job: 'kubelet',
        exporter: await startExporter(t, bin('kubelet_exporter'), ['--kubelet.url', 'https://127.0.0.1:1']),
        series: 'kubelet_stats_up',
      },
      {
        job: 'vsphere',
        exporter: await startExporter(t, bin('vsphere_exporter'), ['--vsphere.host', '127.0.0.1:1']),
        series: 'vsphere_up',
      },
    ]
    for (const { job, exporter } of shipped) {
      const lint = promtoolCheckMetrics((await get(`${exporter.base}/metrics`)).text)
      const findings = lint.stderr
        .trim()
        .split('\n')
        .filter((line) => line !== '')
      t.same(
        findings.filter((line) => !compatibilityFinding.test(line)),
        [],
        `${job}: promtool has no finding on our own metrics`,
      )
      t.ok(lint.status === 0 || lint.status === 3, `${job}: promtool parses it (exit ${lint.status})`)
    }

    const prometheus = await startPrometheus(
      shipped
        .map(
          ({ job, exporter }) =>
            `  - job_name: ${job}\n    static_configs:\n      - targets: ['127.0.0.1:${exporter.port}']\n`,
        )
        .join(''),
    )
    t.teardown(() => prometheus.stop())
    for (const { job, series } of shipped) {
      await waitFor(`${job} to be up`, async () =>
        (await prometheus.query(`up{job="${job}"}`))[0]?.value[1] === '1' ? true : undefined,
      )
      const selector = series.includes('{') ? series.replace('{', `{job="${job}",`) : `${series}{job="${job}"}`
      const [sample] = await prometheus.query(selector)
      t.ok(sample, `${job}: up == 1 and ${series} is queryable (${sample?.value[1]})`)
    }
  },
)
