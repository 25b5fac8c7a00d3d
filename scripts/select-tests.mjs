// Prints tap's arguments for this machine: nothing when every peer the tests need is here (tap runs them all);
// otherwise the test files whose peers are all here, with incomplete coverage allowed, and one line on stderr
// for each skipped file, naming what it needs and how to install it. A test file lists its peers in a
// `// Peers: a b` line among its first lines (names from scripts/peers.mjs).
import { readFileSync } from 'node:fs'
import { peers, present } from './peers.mjs'
import { testFiles } from './test-files.mjs'

const run = []
const skipped = []
// The directory of test files: `test`, or another for this script's own test.
for (const file of [...testFiles(process.argv[2] ?? 'test')].sort()) {
  const header = readFileSync(file, 'utf8').split('\n').slice(0, 10)
  const needs =
    header
      .find((line) => line.startsWith('// Peers: '))
      ?.slice('// Peers: '.length)
      .split(' ') ?? []
  const missing = needs.filter((name) => !present(name))
  if (missing.length === 0) run.push(file)
  else
    skipped.push(
      `${file}: needs ${missing.join(', ')} (install: sudo apt-get install -y ${[...new Set(missing.map((name) => peers[name].package))].join(' ')})`,
    )
}
if (skipped.length > 0) {
  for (const line of skipped) process.stderr.write(`select-tests: skipping ${line}\n`)
  process.stdout.write(`--allow-incomplete-coverage ${run.join(' ')}\n`)
}
