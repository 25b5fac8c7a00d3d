#!/usr/bin/env node
// promkit-init <name> [--promkit <specifier>]: writes a ready exporter project into ./<name>.
import { resolve } from 'node:path'
import { errorMessage } from '../errors.js'
import { writeStarter } from './starter.js'

const usage = `Usage: promkit-init <name> [--promkit <specifier>]

Writes a ready exporter project into ./<name>: a collector, its exporter definition and main, a test with
promkit/testing, tsconfig.json, Dockerfile and README.md. --promkit is the dependency it gets on promkit
(default ^0.1.0; e.g. file:/path/to/promkit-0.1.0.tgz for a packed checkout).
`

const args = process.argv.slice(2)
const at = args.indexOf('--promkit')
const promkit = at < 0 ? '^0.1.0' : args.splice(at, 2)[1]
const [name, ...rest] = args
if (name === undefined || name === '--help' || name === '-h' || rest.length > 0 || promkit === undefined) {
  process[name === '--help' || name === '-h' ? 'stdout' : 'stderr'].write(usage)
  process.exitCode = name === '--help' || name === '-h' ? 0 : 2
} else {
  try {
    const names = writeStarter(resolve(name), name, promkit)
    process.stdout.write(
      `Wrote ./${name}: the ${names.exporterName} exporter.\n\n  cd ${name}\n  npm install\n  npm test\n  npm start` +
        '        # http://localhost:9400/metrics\n',
    )
  } catch (error) {
    process.stderr.write(`${errorMessage(error)}\n`)
    process.exitCode = 1
  }
}
