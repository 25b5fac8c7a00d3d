import { spawnSync } from 'node:child_process'

export interface PromtoolResult {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs Debian's `promtool check metrics` on an exposition (it reads the text format from stdin). */
export function promtoolCheckMetrics(exposition: string): PromtoolResult {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8', timeout: 60_000 })
  if (run.error) throw run.error
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}
