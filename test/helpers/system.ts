import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pino } from 'pino'
import { Registry, encode } from 'promkit'
import type { CollectorDefinition, ExporterContext } from 'promkit/exporter'
import type { Test } from 'tap'
import { systemExporter as definition } from '../../collectors/system/exporter.js'
import { exporterContext, parseCommandLine } from '../../src/runtime/flags.js'
import { freePort, waitFor } from './ports.js'

/** The built system exporter binary. */
export const systemExporter = new URL('../../collectors/system/dist/main.js', import.meta.url).pathname

/** The system exporter's `--path.*` flags for a fake root holding proc/, sys/, root/ and udev/. */
export function pathArgs(root: string): string[] {
  return [
    '--path.procfs',
    join(root, 'proc'),
    '--path.sysfs',
    join(root, 'sys'),
    '--path.rootfs',
    join(root, 'root'),
    '--path.udev.data',
    join(root, 'udev'),
  ]
}

/**
 * The context a system collector's create() gets for that fake root and these flags (parsed as the
 * exporter parses its command line; a list gives the flag once per value), logging (debug and up, as JSON) into
 * `lines`.
 */
export function systemContext(
  root: string,
  flags: Record<string, string | readonly string[]> = {},
  lines: string[] = [],
): ExporterContext {
  const given = Object.entries(flags).flatMap(([name, value]) =>
    (typeof value === 'string' ? [value] : value).flatMap((each) => [`--${name}`, each]),
  )
  const args = [...pathArgs(root), ...given]
  const { options } = parseCommandLine(definition, ['node', 'system_exporter', ...args], {}, () => {})
  return exporterContext(
    options as NonNullable<typeof options>,
    pino({ level: 'debug', base: undefined }, { write: (line: string) => void lines.push(line) }),
  )
}

/**
 * Debian's node_exporter 1.5 with these flags on a free loopback port, stopped when the test ends: its metrics URL,
 * once it answers.
 */
export async function startNodeExporter(t: Test, args: readonly string[]): Promise<string> {
  const port = await freePort()
  const child = spawn('prometheus-node-exporter', [...args, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: 'ignore',
  })
  t.teardown(() => void child.kill())
  const url = `http://127.0.0.1:${port}/metrics`
  return waitFor('node_exporter to answer', async () => ((await fetch(url)).ok ? url : undefined), 20_000, 50)
}

/** A fake machine's root for system collectors' tests: files written under it, collectors gathered on it. */
export interface FakeSystem {
  readonly root: string
  /** Writes files under the root: path (from the root) → content. */
  write(files: Record<string, string>): void
  /**
   * A collector's exposition on the root with these flags, gathered `times` times (the last one returned); the first
   * collect error is thrown.
   */
  gathered(
    definition: CollectorDefinition,
    flags?: Record<string, string | readonly string[]>,
    times?: number,
  ): Promise<string>
}

/** A fake root in a temporary directory, removed when the test ends. */
export function fakeSystem(t: Test, prefix: string): FakeSystem {
  const root = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  return {
    root,
    write(files) {
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path)), { recursive: true })
        writeFileSync(join(root, path), content)
      }
    },
    async gathered(collector, flags = {}, times = 1) {
      const registry = new Registry()
      registry.register(await collector.create(systemContext(root, flags)))
      let text = ''
      for (let i = 0; i < times; i++) {
        const { families, errors } = await registry.gather()
        if (errors.length > 0) throw errors[0]
        text = encode(families, 'text')
      }
      return text
    },
  }
}
