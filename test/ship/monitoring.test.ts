// Peers: promtool
import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { dashboardFile, dashboards } from '../../deploy/monitoring/dashboards.js'
import { monitoring, rulesIn } from '../helpers/rules.js'

// Every rules file in deploy/monitoring passes `promtool check rules`; every alert has a `promtool test rules` case
// that fires it (next to series that must not), every recording rule a case that checks its value; and the tests pass.
// Every folder has the dashboard deploy/monitoring/dashboards.ts builds for it, written as built.

interface RuleTests {
  rule_files: string[]
  tests: {
    alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[]
    promql_expr_test?: { expr: string }[]
  }[]
}

function promtool(dir: string, ...args: string[]) {
  const run = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8', timeout: 120_000 })
  if (run.error) throw run.error
  return { status: run.status, output: `${run.stdout}${run.stderr}` }
}

const folders = readdirSync(monitoring, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)

t.test('each folder has its dashboard, written as deploy/monitoring/dashboards.ts builds it', async (t) => {
  t.same(Object.keys(dashboards).sort(), [...folders].sort())
  for (const [folder, spec] of Object.entries(dashboards)) {
    const written = readFileSync(join(monitoring, folder, 'dashboard.json'), 'utf8')
    t.equal(written, dashboardFile(spec), `${folder}/dashboard.json is up to date (npm run dashboards)`)
    for (const panel of spec.panels) {
      for (const [expr] of panel.queries) t.match(expr, /\$sel|job=~"\$job"/, `${folder}: ${panel.title} is by job`)
    }
  }
})

for (const exporter of folders) {
  const dir = join(monitoring, exporter)
  const files = readdirSync(dir)
  const ruleFiles = files.filter((file) => file.endsWith('.yml') && !file.endsWith('.test.yml'))
  t.test(`${exporter}: rules check, and each rule is unit-tested`, async (t) => {
    t.ok(ruleFiles.length > 0, `${exporter} has rules`)
    for (const file of ruleFiles) {
      const rules = rulesIn(join(dir, file))
      const count = rules.length
      t.same(promtool(dir, 'check', 'rules', file), {
        status: 0,
        output: `Checking ${file}\n  SUCCESS: ${count} rules found\n\n`,
      })
      const testFile = file.replace(/\.yml$/, '.test.yml')
      t.ok(files.includes(testFile), `${file} has ${testFile}`)
      const tests = parse(readFileSync(join(dir, testFile), 'utf8')) as RuleTests
      t.ok(tests.rule_files.includes(file), `${testFile} tests ${file}`)
      const fired = new Set(
        tests.tests.flatMap((test) =>
          (test.alert_rule_test ?? []).filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname),
        ),
      )
      const evaluated = new Set(tests.tests.flatMap((test) => (test.promql_expr_test ?? []).map((c) => c.expr)))
      for (const rule of rules) {
        if (rule.alert !== undefined) t.ok(fired.has(rule.alert), `${rule.alert}: a case fires it`)
        if (rule.record !== undefined) t.ok(evaluated.has(rule.record), `${rule.record}: a case checks its value`)
      }
      t.same(promtool(dir, 'test', 'rules', testFile), {
        status: 0,
        output: `Unit Testing:  ${testFile}\n  SUCCESS\n\n`,
      })
    }
  })
}
