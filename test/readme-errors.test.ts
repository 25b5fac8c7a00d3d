import { readFileSync } from 'node:fs'
import t from 'tap'
import { errorCatalog } from '../src/index.js'

t.test("README's error table lists exactly the catalog, with the same words", async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const rows = [...readme.matchAll(/^\| `(PROMKIT_ERR_[A-Z_]+)` \| (.+) \| (.+) \|$/gm)].map(
    ([, code, description, solution]) => [code, description, solution],
  )
  const catalog = Object.entries(errorCatalog).map(([code, entry]) => [code, entry.description, entry.solution])
  t.same(rows, catalog)
})

t.test("README's top-level sections come in this order", async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const sections = readme
    .split('\n')
    .filter((line) => line.startsWith('## '))
    .map((line) => line.slice(3))
  t.same(sections, [
    'Quick start',
    'How it fits together',
    'Write your own exporter',
    'Exporters',
    'System exporter',
    'Redis exporter',
    'Kafka exporter',
    'Probe exporter',
    'Kubelet exporter',
    'vSphere exporter',
    'Core API',
    'Exporter runtime',
    'Metrics from inside your own service',
    'Pushing to a Pushgateway',
    'Deployment',
    'Security',
    'promkit, prom-client and client_golang',
    'Errors',
    'Development',
  ])
})
