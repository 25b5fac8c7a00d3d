// The test files under a directory, found without following links (test fixtures hold sysfs trees whose links
// make cycles).
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

/** Every `*.test.ts` under `dir`, as paths that start with `dir`. */
export function* testFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* testFiles(path)
    else if (entry.name.endsWith('.test.ts')) yield path
  }
}
