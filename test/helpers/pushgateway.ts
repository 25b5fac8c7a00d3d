import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { stopChild } from './child.js'
import { freePort, waitFor } from './ports.js'

/** A group as the Pushgateway's /api/v1/metrics reports it: its labels and its metric names. */
export interface Group {
  labels: Record<string, string>
  metrics: Record<string, { type: string; metrics: { labels: Record<string, string>; value: string }[] }>
}

/** Starts Debian's prometheus-pushgateway on a free loopback port, with its own persistence file. */
export async function startPushgateway(t: Test): Promise<{ url: string; port: number; groups(): Promise<Group[]> }> {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-pushgateway-'))
  const port = await freePort()
  const child = spawn(
    'prometheus-pushgateway',
    [`--web.listen-address=127.0.0.1:${port}`, `--persistence.file=${join(dir, 'pushgateway.data')}`],
    { stdio: 'ignore' },
  )
  t.teardown(async () => {
    await stopChild(child) // the gateway writes its persistence file as it stops; remove the directory after that
    rmSync(dir, { recursive: true, force: true })
  })
  const url = `http://127.0.0.1:${port}`
  await waitFor('the Pushgateway', async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), 20_000, 50)
  return {
    url,
    port,
    async groups() {
      const body = (await (await fetch(`${url}/api/v1/metrics`)).json()) as {
        data: (Record<string, unknown> & { labels: Record<string, string> })[]
      }
      return body.data.map(({ labels, ...metrics }) => ({ labels, metrics: metrics as Group['metrics'] }))
    },
  }
}

/** The user metric names of a group (the gateway's own push_time_seconds and push_failure_time_seconds left out). */
export function metricNames(group: Group | undefined): string[] {
  return Object.keys(group?.metrics ?? {})
    .filter((name) => !['push_time_seconds', 'push_failure_time_seconds', 'last_push_successful'].includes(name))
    .sort()
}
