import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis, type RedisOptions } from 'ioredis'
import type { Test } from 'tap'
import { stopChild } from './child.js'
import { freePort, waitFor } from './ports.js'

/** The built redis_exporter binary. */
export const redisExporterBin = new URL('../../collectors/redis/dist/main.js', import.meta.url).pathname

/** What promtool's linter says of redis_exporter 1.45's own names, kept for compatibility. */
export const inheritedLintFindings = [
  ...[
    'aof_current_rewrite_duration_sec',
    'aof_last_rewrite_duration_sec',
    'rdb_current_bgsave_duration_sec',
    'rdb_last_bgsave_duration_sec',
  ].map((name) => `redis_${name} metric names should not contain abbreviated units`),
  ...[
    'dump_payload_sanitizations',
    'io_threaded_reads_processed',
    'io_threaded_writes_processed',
    'total_error_replies',
    'total_reads_processed',
    'total_writes_processed',
    'unexpected_error_replies',
  ].map((name) => `redis_${name} counter metrics should have "_total" suffix`),
  ...['expired_time_cap_reached_total', 'migrate_cached_sockets_total'].map(
    (name) => `redis_${name} non-counter metrics should not have "_total" suffix`,
  ),
].sort()

/** A Debian redis-server started for a test, on loopback, with nothing saved to disk. */
export interface RunningRedis {
  readonly port: number
  /** `redis://127.0.0.1:<port>` (TLS servers listen on `port` too, under `rediss://`). */
  readonly url: string
  /** Its working directory (and unix socket directory), removed at teardown. */
  readonly dir: string
  /** A client of the test's own, closed at teardown. */
  client(options?: RedisOptions): Promise<Redis>
  /** Stops the server (SIGTERM, waits for it to exit). */
  stop(): Promise<void>
  /** Kills the server (SIGKILL: no goodbye to its clients) and waits for it to exit. */
  kill(): Promise<void>
  /** Starts it again on the same port with the same arguments. */
  start(): Promise<void>
}

/**
 * Starts `redis-server` on a free port with `extra` arguments (`--requirepass x`,
 * `--replicaof ...`, TLS ...); `tls: true` listens with TLS on the port instead of TCP.
 */
export async function startRedis(
  t: Test,
  extra: string[] = [],
  options: { tls?: boolean } = {},
): Promise<RunningRedis> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'promkit-redis-'))
  const listen = options.tls ? ['--port', '0', '--tls-port', String(port)] : ['--port', String(port)]
  const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra]
  let child: ChildProcess | undefined
  const clients: Redis[] = []
  const start = async (): Promise<void> => {
    let output = ''
    const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    child = started
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    await waitFor(
      `redis-server on port ${port}`,
      async () => {
        if (started.exitCode !== null) throw new Error(`redis-server exited: ${output}`)
        return output.includes('Ready to accept connections') ? true : undefined
      },
      20_000,
      10,
    )
  }
  const stop = async (): Promise<void> => {
    if (child) await stopChild(child)
  }
  t.teardown(async () => {
    for (const client of clients) client.disconnect()
    await stop()
    rmSync(dir, { recursive: true, force: true })
  })
  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async client(clientOptions: RedisOptions = {}) {
      const client = new Redis({
        port,
        host: '127.0.0.1',
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        disableClientInfo: true,
        ...clientOptions,
      })
      clients.push(client)
      await client.connect()
      return client
    },
    stop,
    async kill() {
      const running = child as ChildProcess
      const exited = new Promise((resolve) => running.once('exit', resolve))
      running.kill('SIGKILL')
      await exited
    },
    start,
  }
}

/**
 * Three redis-server nodes made into a Redis Cluster (no replicas) by redis-cli, ready when every node says
 * cluster_state:ok.
 */
export async function startRedisCluster(t: Test): Promise<RunningRedis[]> {
  const nodes = await Promise.all(
    [0, 1, 2].map(() =>
      startRedis(t, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        '5000',
      ]),
    ),
  )
  await promisify(execFile)(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ],
    { timeout: 30_000 },
  )
  for (const node of nodes) {
    const client = await node.client()
    await waitFor(
      `cluster_state:ok on port ${node.port}`,
      async () => (String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok') ? true : undefined),
      30_000,
      50,
    )
  }
  return nodes
}
