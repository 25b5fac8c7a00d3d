import { type Collector, PromkitError } from 'promkit'
import { type ExporterContext, type ExporterDefinition, perExporter } from 'promkit/exporter'
import { keysCollector, redisCollector } from './collector.js'
import { RedisConnection } from './connection.js'
import { type RedisDescs, redisDescs } from './descs.js'
import { type RedisSettings, redisFlags, redisSettings } from './settings.js'
import { type RedisTarget, connectionKey, parseTarget } from './target.js'

/** What the collectors of one exporter share: settings, descriptors and the telemetry connection. */
class RedisState {
  readonly settings: RedisSettings
  readonly descs: RedisDescs
  private telemetryConnection: RedisConnection | undefined

  constructor(context: ExporterContext) {
    this.settings = redisSettings(context)
    this.descs = redisDescs(context.namespace, this.settings.includeSystemMetrics)
  }

  /** The connection to `--redis.addr`, for the telemetry path; none when it is empty (multi-target only). */
  get telemetry(): RedisConnection | undefined {
    if (this.settings.address === '') return undefined
    if (this.telemetryConnection === undefined) {
      const { options, shown } = parseTarget(this.settings.address, this.settings.connection)
      this.telemetryConnection = new RedisConnection(options, shown)
    }
    return this.telemetryConnection
  }

  /** A `?target=` address read into client options; one that is not a Redis address is refused (400). */
  target(address: string): RedisTarget {
    try {
      return parseTarget(address, this.settings.connection)
    } catch (error) {
      throw new PromkitError('PROMKIT_ERR_TARGET_REFUSED', (error as Error).message)
    }
  }

  close(): void {
    this.telemetryConnection?.close()
  }
}

/**
 * Stands in for the telemetry collectors when `--redis.addr` is empty, as redis_exporter allows for multi-target use.
 */
const noTarget: Collector = { describe: () => [], collect() {} }

/** The state of one exporter, built from its flags on first use. */
const state = perExporter((context) => new RedisState(context))

/** The Redis exporter: redis_exporter 1.45's metric names, port and flags, on promkit. */
export const redisExporter: ExporterDefinition = {
  name: 'redis_exporter',
  description:
    'Redis metrics (INFO, commandstats, keyspace, slowlog, key checks) with the names, types and labels of ' +
    'redis_exporter 1.45.',
  defaultListenAddress: ':9121',
  namespace: 'redis',
  namespaceFlag: 'namespace',
  envPrefix: 'REDIS_EXPORTER',
  flags: Object.values(redisFlags),
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
    collectors(address, context, connections) {
      const current = state(context)
      const { options, shown } = current.target(address)
      const connection = connections.get(connectionKey(options), () => new RedisConnection(options, shown))
      return [
        redisCollector(connection, current.descs),
        keysCollector(connection, current.settings.keys, current.descs),
      ]
    },
    // Runs at shutdown whether or not a multi-target scrape came: closes the telemetry connection.
    close: (context) => state(context).close(),
  },
}
