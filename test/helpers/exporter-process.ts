import { type ChildProcess, spawn } from 'node:child_process'
import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Test } from 'tap'
import { freePort, waitFor } from './ports.js'

/**
 * Where every exporter log and response body of the suite is kept for the secrets check (scripts/check-secrets.mjs, run
 * by `npm test`).
 */
const capturedDir = new URL('../../.tap/captured/', import.meta.url).pathname

function keep(kind: 'log' | 'secrets', text: string): void {
  mkdirSync(capturedDir, { recursive: true })
  appendFileSync(join(capturedDir, `${process.pid}.${kind}`), `${text}\n`)
}

/**
 * Marks a password or token a test gives an exporter (a flag, a URI, a file):
 * after the suite, `npm test` searches every exporter log and response body
 * the suite captured for it, and fails on any hit.
 */
export function secret(value: string): string {
  keep('secrets', JSON.stringify(value))
  return value
}

/** The runtime's test exporter, built by `npm run build`. */
export const testExporter = new URL('../../dist/test/fixtures/test-exporter.js', import.meta.url).pathname

export interface ExporterProcess {
  readonly child: ChildProcess
  readonly port: number
  readonly base: string
  stderr(): string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Runs an exporter binary until it exits; for start-up failures. */
export function runToExit(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      keep('log', stdout + stderr)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Starts an exporter binary on a free loopback port (unless args name one) and waits until it says it listens. */
export async function startExporter(
  t: Test,
  bin: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; scheme?: 'http' | 'https'; cwd?: string; defaultAddress?: number } = {},
): Promise<ExporterProcess> {
  // defaultAddress: run on the exporter's own default address (whose port is given), to test that default.
  const port = options.defaultAddress ?? (await freePort())
  const listen =
    options.defaultAddress !== undefined || args.some((arg) => arg.startsWith('--web.listen'))
      ? []
      : ['--web.listen-address', `127.0.0.1:${port}`]
  const child = spawn(process.execPath, [bin, ...args, ...listen], {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  let gone = false
  void exited.then(() => (gone = true))
  t.teardown(async () => {
    // SIGTERM, so the exporter shuts down as in production (and writes its coverage); SIGKILL only if it hangs.
    if (!gone) child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
    keep('log', stderr)
  })
  await waitFor(
    `the exporter to listen (stderr so far: ${stderr})`,
    async () => {
      if (gone) throw new Error(`the exporter exited: ${stderr}`)
      return stderr.includes(' listening on ') ? true : undefined
    },
    20_000,
    20,
  )
  return { child, port, base: `${options.scheme ?? 'http'}://127.0.0.1:${port}`, stderr: () => stderr, exited }
}

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  text: string
}

/** A GET with what fetch cannot do easily: a private CA, client certificates, and the raw (possibly gzipped) body. */
export function get(
  url: string,
  options: { headers?: Record<string, string>; ca?: string; cert?: string; key?: string } = {},
): Promise<Answer> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { headers: options.headers, ca: options.ca, cert: options.cert, key: options.key, timeout: 30_000, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const body = Buffer.concat(chunks)
          const text = body.toString('utf8')
          keep('log', text)
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error('request timed out')))
    req.end()
  })
}

/**
 * Asserts that the exporter logs a line matching `pattern`, waiting for it: the HTTP answer can
 * arrive before the stderr pipe delivers a line the exporter wrote first.
 */
export async function expectLog(t: Test, exporter: ExporterProcess, pattern: RegExp, message?: string): Promise<void> {
  await waitFor(
    `a log line matching ${pattern}`,
    async () => (pattern.test(exporter.stderr()) ? true : undefined),
    10_000,
    10,
  ).catch(() => undefined)
  t.match(exporter.stderr(), pattern, message ?? `logged: ${pattern}`)
}

/** Sample lines of an exposition whose name starts with one of the prefixes. */
export function samples(text: string, ...prefixes: string[]): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#') && prefixes.some((prefix) => line.startsWith(prefix)))
}
