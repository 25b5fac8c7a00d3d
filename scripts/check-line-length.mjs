// Lines of the product code (src/, collectors/) are at most 120 characters. Biome's formatter keeps code to that
// width but cannot split a string; this finds what it left. Run by `npm run lint`, and so by `npm test`.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const limit = 120
const roots = ['src', 'collectors']
const skipped = new Set(['node_modules', 'dist'])
/** Generated at build time, not written by hand. */
const generated = new Set([join('src', 'runtime', 'build-stamp.ts')])

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skipped.has(entry.name)) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* sources(path)
    else if (entry.name.endsWith('.ts') && !generated.has(path)) yield path
  }
}

const long = []
for (const root of roots) {
  for (const file of sources(root)) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (line.length > limit) long.push(`${file}:${index + 1}: ${line.length} characters`)
      })
  }
}
if (long.length > 0) {
  process.stderr.write(`check-line-length: lines over ${limit} characters:\n${long.join('\n')}\n`)
  process.exit(1)
}
