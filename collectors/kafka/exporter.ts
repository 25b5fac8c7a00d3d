import type { Collector } from 'promkit'
import { type ExporterContext, type ExporterDefinition, perExporter } from 'promkit/exporter'
import { KafkaCluster } from './cluster.js'
import { TopicList, brokersCollector, groupsCollector, topicsCollector } from './collectors.js'
import { kafkaDescs } from './descs.js'
import { EndOffsetHistory } from './offset-history.js'
import { kafkaFlags, kafkaSettings } from './settings.js'

/** What the collectors of one exporter share: settings, descriptors, the cluster's client and its topic list. */
const state = perExporter((context: ExporterContext) => {
  const settings = kafkaSettings(context)
  const cluster = new KafkaCluster(settings, context.logger, context.scrapeTimeoutMs)
  return {
    settings,
    cluster,
    topics: new TopicList(cluster, settings),
    history: new EndOffsetHistory(),
    descs: kafkaDescs(context.namespace, settings.labels),
  }
})

/**
 * A collector that disconnects the shared client at shutdown (whichever collectors are on; disconnecting twice is
 * harmless).
 */
function closing(context: ExporterContext, collector: Collector): Collector {
  return { ...collector, close: () => state(context).cluster.close() }
}

/** The Kafka exporter: kafka_exporter 1.7's metric names, port and flags, on promkit. */
export const kafkaExporter: ExporterDefinition = {
  name: 'kafka_exporter',
  description:
    'Kafka brokers, topic partitions and consumer group lag, with the names and labels of kafka_exporter 1.7.',
  defaultListenAddress: ':9308',
  namespace: 'kafka',
  envPrefix: 'KAFKA_EXPORTER',
  flags: Object.values(kafkaFlags),
  collectors: [
    {
      name: 'brokers',
      defaultEnabled: true,
      create: (context) => closing(context, brokersCollector(state(context).cluster, state(context).descs)),
    },
    {
      name: 'topics',
      defaultEnabled: true,
      create(context) {
        const { cluster, topics, descs } = state(context)
        return closing(context, topicsCollector(cluster, topics, descs))
      },
    },
    {
      name: 'groups',
      defaultEnabled: true,
      create(context) {
        const { cluster, settings, descs, history } = state(context)
        return closing(context, groupsCollector(cluster, settings, descs, history))
      },
    },
  ],
}
