// Peers: prometheus
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { startExporter } from '../helpers/exporter-process.js'
import { waitFor } from '../helpers/ports.js'
import { startPrometheus } from '../helpers/prometheus.js'
import { systemExporter } from '../helpers/system.js'

// The rules of deploy/monitoring against a real Prometheus scraping the exporter they are for: every expression
// evaluates, every recording rule has data, and every metric name a rule reads (or name pattern it matches) is one
// the exporter serves, but for the few listed with the reason they are absent here.

const monitoring = new URL('../../deploy/monitoring', import.meta.url).pathname

interface Rule {
  alert?: string
  record?: string
  expr: string
}

function rulesOf(folder: string): { files: string[]; rules: Rule[] } {
  const files = ['alerts.yml', 'rules.yml'].map((file) => join(monitoring, folder, file))
  const rules = files.flatMap((file) =>
    (parse(readFileSync(file, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((group) => group.rules),
  )
  return { files, rules }
}

/** The metric names an expression reads by name, and the patterns it matches names with. */
function namesIn(expr: string): { names: string[]; patterns: string[] } {
  const patterns = [...expr.matchAll(/__name__=~"([^"]+)"/g)].map((match) => match[1] as string)
  const names = [...expr.matchAll(/(?<![\w:"])((?:node|promhttp|up)(?:_[a-zA-Z0-9_]+)?)(?=\s*[{[)\s/*]|$)/g)]
    .map((match) => match[1] as string)
    .filter((name) => name === 'up' || name.includes('_'))
  return { names: [...new Set(names)], patterns: [...new Set(patterns)] }
}

t.test('system and promkit rules against the system exporter scraped by Prometheus', async (t) => {
  const exporter = await startExporter(t, systemExporter, [])
  const folders = ['promkit', 'system']
  const loaded = folders.map(rulesOf)
  const prometheus = await startPrometheus(
    `  - job_name: 'system-exporter'\n    static_configs:\n      - targets: ['127.0.0.1:${exporter.port}']\n`,
    [],
    loaded.flatMap((folder) => folder.files),
  )
  t.teardown(() => prometheus.stop())
  const rules = loaded.flatMap((folder) => folder.rules)
  // What a single-target exporter cannot serve: the error count of multi-target scrapes.
  const absent = new Set(['.+_target_scrape_request_errors_total'])
  await waitFor(
    'every recording rule to have data',
    async () => {
      for (const rule of rules) {
        if (rule.record !== undefined && (await prometheus.query(rule.record)).length === 0) return undefined
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
    if (rule.record !== undefined) t.ok((await prometheus.query(rule.record)).length > 0, `${name} has data`)
    const { names, patterns } = namesIn(rule.expr)
    for (const metric of names) t.ok(served.has(metric), `${name}: ${metric} is served`)
    for (const pattern of patterns) {
      const matching = [...served].filter((metric) => new RegExp(`^(?:${pattern})$`).test(metric))
      if (absent.has(pattern)) t.same(matching, [], `${name}: ${pattern} matches nothing here, as expected`)
      else t.ok(matching.length > 0, `${name}: ${pattern} matches ${matching.join(', ')}`)
    }
  }
})
