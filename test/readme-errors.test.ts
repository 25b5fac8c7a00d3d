import { readFileSync } from 'node:fs'
import t from 'tap'
import { errorCatalog } from '../src/index.js'

t.test('README\'s error table lists exactly the catalog, with the same words', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const rows = [...readme.matchAll(/^\| `(PROMKIT_ERR_[A-Z_]+)` \| (.+) \| (.+) \|$/gm)].map(([, code, description, solution]) => [code, description, solution])
  const catalog = Object.entries(errorCatalog).map(([code, entry]) => [code, entry.description, entry.solution])
  t.same(rows, catalog)
})
