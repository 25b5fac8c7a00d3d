import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stopChild } from './child.js'
import { freePort, waitFor } from './ports.js'

/** A real Prometheus (Debian's package) started for a test, on loopback. */
export interface RunningPrometheus {
  readonly url: string
  /** Runs an instant query and returns the result vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>
  stop(): Promise<void>
}

/**
 * Starts Prometheus with the given `scrape_configs` (YAML, indented as list items under it), extra flags (e.g.
 * `--enable-feature=native-histograms`) and rule files (evaluated every second, as targets are scraped).
 */
export async function startPrometheus(
  scrapeConfigs: string,
  flags: readonly string[] = [],
  ruleFiles: readonly string[] = [],
): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-prometheus-'))
  const config = join(dir, 'prometheus.yml')
  const rules = ruleFiles.length === 0 ? '' : `rule_files:\n${ruleFiles.map((file) => `  - ${file}\n`).join('')}`
  writeFileSync(
    config,
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n${rules}scrape_configs:\n${scrapeConfigs}`,
  )
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...flags,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let log = ''
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)))
  const stop = async () => {
    await stopChild(child)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await waitFor('Prometheus to be ready', async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), 30_000)
  } catch (error) {
    await stop()
    throw new Error(`${String(error)}\nPrometheus log:\n${log}`)
  }
  return {
    url,
    async query(promql: string) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`)
      const body = (await response.json()) as {
        status: string
        data: { result: { metric: Record<string, string>; value: [number, string] }[] }
      }
      if (body.status !== 'success') throw new Error(`query ${promql} failed: ${JSON.stringify(body)}`)
      return body.data.result
    },
    stop,
  }
}
