import type { Collector } from 'promkit'
import type { ExporterContext, ExporterDefinition } from 'promkit/exporter'
import { keysCollector, redisCollector } from './collector.js'
import { ConnectionPool, RedisConnection } from './connection.js'
import { type RedisDescs, redisDescs } from './descs.js'
import { type RedisSettings, redisFlags, redisSettings } from './settings.js'
import { parseTarget } from './target.js'

/** Multi-target connections unused for this long are closed. */
const idleConnectionMs = 10 * 60_000

/** What the collectors of one exporter share: settings, descriptors and connections. */
class RedisState {
  readonly settings: RedisSettings
  readonly descs: RedisDescs
  /** Multi-target connections, one per target. */
  readonly pool: ConnectionPool
  private telemetryConnection: RedisConnection | undefined

  constructor(context: ExporterContext) {
    this.settings = redisSettings(context.flags)
    this.descs = redisDescs(context.namespace, this.settings.includeSystemMetrics)
    this.pool = new ConnectionPool((address) => this.open(address), idleConnectionMs)
  }

  private open(address: string): RedisConnection {
    const target = parseTarget(address, this.settings.connection)
    return new RedisConnection(target.options, target.shown)
  }

  /** The connection to `--redis.addr`, for the telemetry path; none when it is empty (multi-target only). */
  get telemetry(): RedisConnection | undefined {
    if (this.settings.address === '') return undefined
    return (this.telemetryConnection ??= this.open(this.settings.address))
  }

  close(): void {
    this.telemetryConnection?.close()
    this.pool.close()
  }
}

/** Stands in for the telemetry collectors when `--redis.addr` is empty, as redis_exporter allows for multi-target use. */
const noTarget: Collector = { describe: () => [], collect() {} }

const states = new WeakMap<ExporterContext, RedisState>()

/** The state of one exporter (one context), built from its flags on first use. */
function state(context: ExporterContext): RedisState {
  const current = states.get(context) ?? new RedisState(context)
  states.set(context, current)
  return current
}

/** The Redis exporter: redis_exporter 1.45's metric names, port and flags, on promkit. */
export const redisExporter: ExporterDefinition = {
  name: 'redis_exporter',
  description: 'Redis metrics (INFO, commandstats, keyspace, slowlog, key checks) with the names, types and labels of redis_exporter 1.45.',
  version: '0.1.0',
  defaultListenAddress: ':9121',
  namespace: 'redis',
  namespaceFlag: 'namespace',
  envPrefix: 'REDIS_EXPORTER',
  flags: redisFlags,
  collectors: [
    {
      name: 'redis',
      defaultEnabled: true,
      create(context) {
        const { telemetry, descs } = state(context)
        return telemetry ? redisCollector(telemetry, descs) : noTarget
      },
    },
    {
      name: 'keys',
      defaultEnabled: true,
      create(context) {
        const { telemetry, settings, descs } = state(context)
        return telemetry ? keysCollector(telemetry, settings.keys, descs) : noTarget
      },
    },
  ],
  multiTarget: {
    collectors(target, context) {
      const { pool, settings, descs } = state(context)
      const connection = pool.get(target)
      return [redisCollector(connection, descs), keysCollector(connection, settings.keys, descs)]
    },
    // Runs at shutdown whether or not a multi-target scrape came: closes the telemetry connection too.
    close: (context) => states.get(context)?.close(),
  },
}
