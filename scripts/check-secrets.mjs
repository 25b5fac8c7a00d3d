// After the suite: no password or token a test marked with secret() may appear in any exporter log or
// response body the suite captured (test/helpers/exporter-process.ts writes both to .tap/captured/).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = new URL('../.tap/captured/', import.meta.url).pathname
const files = existsSync(dir) ? readdirSync(dir) : []
const read = (suffix) =>
  files.filter((file) => file.endsWith(suffix)).map((file) => [file, readFileSync(join(dir, file), 'utf8')])
const secrets = [
  ...new Set(
    read('.secrets').flatMap(([, text]) =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
    ),
  ),
]
const logs = read('.log')
const characters = logs.reduce((sum, [, text]) => sum + text.length, 0)
const hits = logs.flatMap(([file, text]) =>
  secrets.filter((secret) => text.includes(secret)).map((secret) => `${JSON.stringify(secret)} in ${file}`),
)
console.log(
  `secrets: ${secrets.length} passwords and tokens searched in ${logs.length} files of captured exporter logs and bodies (${Math.round(characters / 1024)} KiB): ${hits.length} found`,
)
for (const hit of hits) console.log(`secrets: LEAK ${hit}`)
if (secrets.length === 0 || characters === 0) {
  console.log('secrets: nothing was captured, so nothing was checked')
  process.exit(1)
}
process.exit(hits.length === 0 ? 0 : 1)
