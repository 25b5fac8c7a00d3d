import type { Redis } from 'ioredis'
import { type Collector, type Emit, beforeDeadline, constMetric } from 'promkit'
import type { RedisConnection } from './connection.js'
import type { RedisDescs } from './descs.js'
import { emitClusterInfo, emitInfoMetrics } from './info-metrics.js'
import { parseInfo } from './info.js'
import { type KeyChecks, collectKeys } from './keys.js'

/** Resolves to undefined when the command fails: CONFIG, LATENCY and SLOWLOG may be renamed or forbidden by ACLs. */
function optional<T>(reply: Promise<T>): Promise<T | undefined> {
  return reply.catch(() => undefined)
}

/** The connected client, or an error saying why there is none (refused, auth, or not before the deadline). */
function connectBefore(connection: RedisConnection, deadline: number): Promise<Redis | Error> {
  return beforeDeadline(
    connection.ready(),
    deadline,
    () => new Error(`no connection to ${connection.shown} before the scrape deadline`),
  ).catch((error: Error) => error)
}

/**
 * Emits slowlog_length, slowlog_last_id and last_slow_execution_duration_seconds from SLOWLOG LEN and SLOWLOG GET 1.
 */
function emitSlowlog(length: unknown, latest: unknown, descs: RedisDescs, emit: Emit): void {
  if (typeof length === 'number') emit(constMetric(descs.slowlogLength, 'gauge', length))
  if (!Array.isArray(latest)) return
  const entry = (latest[0] ?? []) as unknown[]
  emit(constMetric(descs.slowlogLastId, 'gauge', Number(entry[0] ?? 0)))
  emit(constMetric(descs.lastSlowExecution, 'gauge', Number(entry[2] ?? 0) / 1e6))
}

/** Emits latency_spike_last and latency_spike_duration_seconds per event from LATENCY LATEST. */
function emitLatencySpikes(events: unknown, descs: RedisDescs, emit: Emit): void {
  for (const [name, last, latestMs] of (Array.isArray(events) ? events : []) as [string, number, number][]) {
    emit(constMetric(descs.latencySpikeLast, 'gauge', last, [name]))
    emit(constMetric(descs.latencySpikeDuration, 'gauge', latestMs / 1000, [name]))
  }
}

/**
 * The `redis` collector: `up`, INFO ALL, CONFIG, SLOWLOG and LATENCY in one
 * round trip on the shared connection. When Redis cannot be reached or answers
 * INFO with an error, it still emits `up 0` (and the connect time) and reports
 * the error, which says why and names the address with its password masked.
 */
export function redisCollector(connection: RedisConnection, descs: RedisDescs): Collector {
  return {
    name: 'redis',
    describe: () => descs.redis,
    async collect(emit, { deadline, reportError }) {
      const down = (error: Error): void => {
        emit(constMetric(descs.up, 'gauge', 0))
        reportError(error)
      }
      const started = performance.now()
      const client = await connectBefore(connection, deadline)
      emit(constMetric(descs.connectTime, 'gauge', (performance.now() - started) / 1000))
      if (client instanceof Error) return down(client)
      const config = ['maxmemory', 'maxclients', 'io-threads', 'databases'].map((name) =>
        optional(client.config('GET', name)),
      )
      const replies = await beforeDeadline(
        Promise.all([
          client.info('all').catch((error: Error) => new Error(`INFO on ${connection.shown} failed: ${error.message}`)),
          ...config,
          optional(client.call('LATENCY', 'LATEST')),
          optional(client.call('SLOWLOG', 'LEN')),
          optional(client.call('SLOWLOG', 'GET', '1')),
        ]),
        deadline,
        () => new Error(`${connection.shown} did not answer INFO before the scrape deadline`),
      )
      if (replies instanceof Error) return down(replies)
      const [info, maxmemory, maxclients, ioThreads, databases, spikes, slowlogLength, slowlogLatest] = replies
      if (info instanceof Error) return down(info)
      const configValue = (reply: unknown) =>
        Array.isArray(reply) && reply.length === 2 ? Number(reply[1]) : undefined
      for (const [desc, reply] of [
        [descs.configMaxmemory, maxmemory],
        [descs.configMaxclients, maxclients],
        [descs.configIoThreads, ioThreads],
      ] as const) {
        const value = configValue(reply)
        if (value !== undefined) emit(constMetric(desc, 'gauge', value))
      }
      const fields = parseInfo(info as string)
      const cluster = fields.some(({ key, value }) => key === 'cluster_enabled' && value === '1')
      // A cluster node has database 0 only; elsewhere, CONFIG databases, or Redis' default of 16.
      emitInfoMetrics(fields, descs, emit, {
        databases: cluster ? 1 : (configValue(databases) ?? 16),
        nowSeconds: Math.floor(Date.now() / 1000),
      })
      const clusterInfo = cluster
        ? await beforeDeadline(optional(client.call('CLUSTER', 'INFO')), deadline, () => undefined)
        : undefined
      if (typeof clusterInfo === 'string') emitClusterInfo(clusterInfo, descs, emit)
      emitLatencySpikes(spikes, descs, emit)
      emitSlowlog(slowlogLength, slowlogLatest, descs, emit)
      emit(constMetric(descs.up, 'gauge', 1))
    },
  }
}

/**
 * The `keys` collector: `--check-keys`, `--check-single-keys` and
 * `--count-keys`. Separate from `redis` so that a slow SCAN that hits the
 * scrape deadline loses only its own metrics. Emits nothing while Redis is
 * unreachable: the `redis` collector reports that once.
 */
export function keysCollector(connection: RedisConnection, checks: KeyChecks, descs: RedisDescs): Collector {
  return {
    name: 'keys',
    describe: () => descs.keys,
    async collect(emit, { signal, deadline }) {
      const client = await connectBefore(connection, deadline)
      if (!(client instanceof Error)) await collectKeys(connection, checks, descs, emit, signal)
    },
  }
}
