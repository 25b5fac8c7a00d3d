import { type Collector, PromkitError } from 'promkit'
import {
  type ExporterContext,
  type ExporterDefinition,
  type Logger,
  type PooledConnection,
  perExporter,
} from 'promkit/exporter'
import { KafkaCluster } from './cluster.js'
import { TopicList, brokersCollector, groupsCollector, topicsCollector } from './collectors.js'
import { type KafkaDescs, kafkaDescs } from './descs.js'
import { EndOffsetHistory } from './offset-history.js'
import { type KafkaSettings, kafkaFlags, kafkaSettings } from './settings.js'

/** The exporter's collectors, in the order they run and are listed. */
const collectorNames = ['brokers', 'topics', 'groups'] as const
type CollectorName = (typeof collectorNames)[number]

/** One cluster's client, topic list and end-offset history: what every scrape of that cluster reuses. */
class ClusterState implements PooledConnection {
  readonly cluster: KafkaCluster
  readonly topics: TopicList
  readonly history = new EndOffsetHistory()

  constructor(
    readonly settings: KafkaSettings,
    logger: Logger,
    requestTimeoutMs: number,
  ) {
    this.cluster = new KafkaCluster(settings, logger, requestTimeoutMs)
    this.topics = new TopicList(this.cluster, settings)
  }

  /** One of the cluster's three collectors, named as the exporter's collectors are. */
  collector(name: CollectorName, descs: KafkaDescs): Collector {
    const make = {
      brokers: () => brokersCollector(this.cluster, this.topics, descs),
      topics: () => topicsCollector(this.cluster, this.topics, descs),
      groups: () => groupsCollector(this.cluster, this.settings, descs, this.history),
    }
    return { ...make[name](), name }
  }

  close(): Promise<void> {
    return this.cluster.close()
  }
}

/** What the collectors of one exporter share: settings, descriptors, and the `--kafka.server` cluster. */
const state = perExporter((context: ExporterContext) => {
  const settings = kafkaSettings(context)
  return {
    settings,
    descs: kafkaDescs(context.namespace, settings.labels),
    cluster: new ClusterState(settings, context.logger, context.scrapeTimeoutMs),
  }
})

/**
 * A telemetry-path collector of the `--kafka.server` cluster, which disconnects the shared client at shutdown
 * (whichever collectors are on; disconnecting twice is harmless).
 */
function telemetryCollector(context: ExporterContext, name: CollectorName): Collector {
  const { cluster, descs } = state(context)
  return { ...cluster.collector(name, descs), close: () => cluster.close() }
}

/** A `?target=`: one broker's `host:port`, from which the cluster is found; anything else is refused (400). */
export function brokerAddress(target: string): string {
  if (!/^([a-z0-9.-]+|\[[0-9a-f:.]+\]):\d{1,5}$/i.test(target)) {
    throw new PromkitError(
      'PROMKIT_ERR_TARGET_REFUSED',
      `target ${JSON.stringify(target)} is not a Kafka broker address (want host:port)`,
    )
  }
  return target.toLowerCase()
}

/** The Kafka exporter: kafka_exporter 1.7's metric names, port and flags, on promkit. */
export const kafkaExporter: ExporterDefinition = {
  name: 'kafka_exporter',
  description:
    'Kafka brokers, topic partitions and consumer group lag, with the names and labels of kafka_exporter 1.7.',
  defaultListenAddress: ':9308',
  // A large cluster's metadata and offsets make tens of MiB of garbage a scrape, which V8 would let pile up.
  gcPercent: 100,
  namespace: 'kafka',
  envPrefix: 'KAFKA_EXPORTER',
  flags: Object.values(kafkaFlags),
  collectors: [
    ...collectorNames.map((name) => ({
      name,
      defaultEnabled: true,
      create: (context: ExporterContext) => telemetryCollector(context, name),
    })),
  ],
  // kafka_exporter has no multi-target path; ours reads other clusters, each through one of its brokers, with the
  // same flags (TLS, SASL, filters), one long-lived client per cluster in the runtime's pool.
  multiTarget: {
    path: '/scrape',
    collectors(target, context, connections) {
      const { settings, descs } = state(context)
      const broker = brokerAddress(target)
      const open = () => new ClusterState({ ...settings, brokers: [broker] }, context.logger, context.scrapeTimeoutMs)
      const cluster = connections.get(`kafka\u0000${broker}`, open)
      return collectorNames.map((name) => cluster.collector(name, descs))
    },
    close: (context) => state(context).cluster.close(),
  },
}
