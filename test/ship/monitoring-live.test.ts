// Peers: prometheus redis-server go sarama govmomi openssl
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { makeCertificates } from '../helpers/certificates.js'
import { secret, startExporter } from '../helpers/exporter-process.js'
import { waitFor } from '../helpers/ports.js'
import { kafkaExporterBin, seedSpec, startKafkaMock } from '../helpers/kafka.js'
import { startFakeKubelet, summaryFixture } from '../helpers/kubernetes.js'
import { probeModules, startProbeTargets } from '../helpers/probe-targets.js'
import { startPrometheus } from '../helpers/prometheus.js'
import { redisExporterBin, startRedis } from '../helpers/redis.js'
import { type Rule, monitoring, rulesIn } from '../helpers/rules.js'
import { systemExporter } from '../helpers/system.js'
import { startVcsim, vcsimUser, vsphereExporterBin } from '../helpers/vsphere.js'

// The rules of deploy/monitoring against a real Prometheus scraping the exporter they are for: every expression
// evaluates, every recording rule has data, and every metric name a rule reads (or name pattern it matches) is one
// the exporter serves, but for the few listed with the reason they are absent here.

const kubeletExporterBin = new URL('../../collectors/kubelet/dist/main.js', import.meta.url).pathname
const probeExporterBin = new URL('../../collectors/probe/dist/main.js', import.meta.url).pathname

function rulesOf(folder: string): { files: string[]; rules: Rule[] } {
  const files = ['alerts.yml', 'rules.yml'].map((file) => join(monitoring, folder, file))
  const rules = files.flatMap(rulesIn)
  return { files, rules }
}

/**
 * A dashboard's panel queries, and the series selectors of its `label_values` variables, with the `$job` and
 * `$instance` variables matching every job and instance.
 */
function dashboardQueries(folder: string): { title: string; expr: string }[] {
  const file = join(monitoring, folder, 'dashboard.json')
  if (!existsSync(file)) return []
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as {
    templating: { list: { name: string; query: string }[] }
    panels: { title: string; targets: { expr: string }[] }[]
  }
  const variables = dashboard.templating.list.flatMap((variable) => {
    const selector = /^label_values\((.+), \w+\)$/.exec(variable.query)?.[1]
    return selector === undefined ? [] : [{ title: `variable ${variable.name}`, expr: selector }]
  })
  const panels = dashboard.panels.flatMap((panel) =>
    panel.targets.map((target) => ({ title: panel.title, expr: target.expr })),
  )
  return [...variables, ...panels].map((query) => ({ ...query, expr: query.expr.replace(/\$(job|instance)\b/g, '.+') }))
}

/** The metric names an expression reads by name (those starting with one of `prefixes`), and the name patterns. */
function namesIn(expr: string, prefixes: readonly string[]): { names: string[]; patterns: string[] } {
  const patterns = [...expr.matchAll(/__name__=~"([^"]+)"/g)].map((match) => match[1] as string)
  const name = new RegExp(`(?<![\\w:"])((?:${prefixes.join('|')}|up)(?:_[a-zA-Z0-9_]+)?)(?=\\s*[{[)\\s/*]|$)`, 'g')
  const names = [...expr.matchAll(name)]
    .map((match) => match[1] as string)
    .filter((found) => found === 'up' || found.includes('_'))
  return { names: [...new Set(names)], patterns: [...new Set(patterns)] }
}

/** What a live check may legitimately miss, each with the reason in the test that says so. */
interface Legitimate {
  /** Name patterns the exporter does not serve. */
  readonly absent?: ReadonlySet<string>
  /** Recording rules, or dashboard panels by title, without data from this peer. */
  readonly empty?: ReadonlySet<string>
}

/**
 * Loads the rules of `folders` into a Prometheus scraping the exporter on `port` (with `scrape`'s extra settings, YAML
 * indented under the job), and checks them all.
 */
async function liveCheck(
  t: Test,
  port: number,
  folders: readonly string[],
  prefixes: readonly string[],
  { absent = new Set(), empty = new Set() }: Legitimate = {},
  scrape = '',
) {
  const loaded = folders.map(rulesOf)
  const prometheus = await startPrometheus(
    `  - job_name: '${folders.at(-1)}-exporter'\n${scrape}    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
    [],
    loaded.flatMap((folder) => folder.files),
  )
  t.teardown(() => prometheus.stop())
  const rules = loaded.flatMap((folder) => folder.rules)
  await waitFor(
    'every recording rule to have data',
    async () => {
      for (const rule of rules) {
        if (rule.record === undefined || empty.has(rule.record)) continue
        if ((await prometheus.query(rule.record)).length === 0) return undefined
      }
      return true
    },
    60_000,
    500,
  )
  const served = new Set(
    ((await (await fetch(`${prometheus.url}/api/v1/label/__name__/values`)).json()) as { data: string[] }).data,
  )
  for (const rule of rules) {
    const name = rule.alert ?? rule.record
    // Each expression evaluates (a parse or evaluation error rejects the query).
    await prometheus.query(rule.expr)
    if (rule.record !== undefined) {
      const data = (await prometheus.query(rule.record)).length > 0
      if (empty.has(rule.record)) t.notOk(data, `${name} has no data here, as expected`)
      else t.ok(data, `${name} has data`)
    }
    const { names, patterns } = namesIn(rule.expr, prefixes)
    for (const metric of names) t.ok(served.has(metric), `${name}: ${metric} is served`)
    for (const pattern of patterns) {
      const matching = [...served].filter((metric) => new RegExp(`^(?:${pattern})$`).test(metric))
      if (absent.has(pattern)) t.same(matching, [], `${name}: ${pattern} matches nothing here, as expected`)
      else t.ok(matching.length > 0, `${name}: ${pattern} matches ${matching.join(', ')}`)
    }
  }
  for (const panel of folders.flatMap(dashboardQueries)) {
    const data = (await prometheus.query(panel.expr)).length > 0
    if (empty.has(panel.title)) t.notOk(data, `panel ${panel.title}: no data here, as expected`)
    else t.ok(data, `panel ${panel.title}: ${panel.expr} has data`)
    const { names, patterns } = namesIn(panel.expr, prefixes)
    for (const metric of names) t.ok(served.has(metric), `panel ${panel.title}: ${metric} is served`)
    for (const pattern of patterns) {
      t.ok(
        [...served].some((metric) => new RegExp(`^(?:${pattern})$`).test(metric)),
        `panel ${panel.title}: ${pattern}`,
      )
    }
  }
}

t.test('system and promkit rules against the system exporter scraped by Prometheus', async (t) => {
  const exporter = await startExporter(t, systemExporter, [])
  // A single-target exporter has no multi-target scrapes to count errors of.
  const singleTarget = new Set(['.+_target_scrape_request_errors_total'])
  // The dashboard's failing-collectors panel shows only failures, and none fail here.
  const empty = new Set(['Collectors failing (worst over 5m)'])
  await liveCheck(t, exporter.port, ['promkit', 'system'], ['node', 'promhttp', 'process'], {
    absent: singleTarget,
    empty,
  })
})

t.test('redis rules against the redis exporter and a real redis-server, scraped by Prometheus', async (t) => {
  const redis = await startRedis(t, ['--maxmemory', '100mb'])
  const exporter = await startExporter(t, redisExporterBin, ['--redis.addr', redis.url])
  await liveCheck(t, exporter.port, ['promkit', 'redis'], ['redis', 'promhttp', 'process'], {
    empty: new Set(['Collectors failing (worst over 5m)']),
  })
})

t.test('kafka rules against the kafka exporter and a mock cluster (sarama), scraped by Prometheus', async (t) => {
  const kafka = await startKafkaMock(t, seedSpec)
  const exporter = await startExporter(t, kafkaExporterBin, ['--kafka.server', kafka.address])
  // The mock's offsets do not move: no topic is written to, so no lag can be put in seconds of writes.
  const empty = new Set([
    'consumergroup_topic:kafka_consumergroup_lag_seconds:estimate',
    'Consumer group lag (seconds of writes)',
  ])
  await liveCheck(t, exporter.port, ['kafka'], ['kafka'], { empty })
})

t.test('vsphere rules against the vSphere exporter and vcsim, scraped by Prometheus', async (t) => {
  const password = secret('vcsim-password-live-7d21')
  const vcsim = await startVcsim(t, { password })
  const exporter = await startExporter(t, vsphereExporterBin, [], {
    env: { VSPHERE_HOST: vcsim.url, VSPHERE_USER: vcsimUser, VSPHERE_PASSWORD: password },
  })
  await liveCheck(t, exporter.port, ['vsphere'], ['vmware'])
})

t.test('kubelet rules against the kubelet exporter and a kubelet serving a recorded summary', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-live-kubelet-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const certificates = makeCertificates(dir)
  const token = secret('kubelet-token-live-4e8a')
  writeFileSync(join(dir, 'token'), `${token}\n`)
  // The recorded summary with its stats' times moved to now: Prometheus takes the resource metrics' timestamps from
  // them, and would find nothing recent in a summary of 2025.
  const recorded = summaryFixture('schema-linux.json')
  const kubelet = await startFakeKubelet(t, certificates, token, () => ({
    body: recorded.replace(/"time": "[^"]+"/g, `"time": "${new Date().toISOString()}"`),
  }))
  const args = ['--kubelet.url', kubelet.url, '--kubelet.token-file', join(dir, 'token')]
  const exporter = await startExporter(t, kubeletExporterBin, [...args, '--kubelet.ca-file', certificates.caCert])
  await liveCheck(t, exporter.port, ['kubelet'], ['kubelet', 'container', 'pod'])
})

t.test('probe rules against the probe exporter probing an HTTPS target, scraped by Prometheus', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-live-probe-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const targets = await startProbeTargets(t, makeCertificates(dir))
  writeFileSync(join(dir, 'blackbox.yml'), probeModules)
  const exporter = await startExporter(t, probeExporterBin, [
    '--config.file',
    join(dir, 'blackbox.yml'),
    '--web.allowed-targets',
    '*',
  ])
  const scrape = `    metrics_path: /probe\n    params:\n      module: [http_2xx_insecure]\n      target: ['${targets.https}/']\n`
  await liveCheck(t, exporter.port, ['probe'], ['probe'], {}, scrape)
})
