import { Desc } from 'promkit'

/**
 * Every descriptor the Kafka collectors emit, with kafka_exporter 1.7's names
 * and labels (all gauges), plus `kafka_up`; `labels` (`--kafka.labels`) are
 * const labels on each.
 */
export function kafkaDescs(namespace: string, labels: Readonly<Record<string, string>>) {
  const desc = (name: string, help: string, variableLabels: string[] = []) =>
    new Desc({ namespace, name, help, variableLabels, constLabels: { ...labels } })
  const partition = ['topic', 'partition']
  const groupPartition = ['consumergroup', 'topic', 'partition']
  const groupTopic = ['consumergroup', 'topic']
  return {
    up: desc('up', 'Whether the last scrape reached the Kafka cluster (1) or not (0).'),
    brokers: desc('brokers', 'Brokers in the Kafka cluster.'),
    brokerInfo: desc('broker_info', 'A Kafka broker: its address and id.', ['address', 'id']),
    topicPartitions: desc('topic_partitions', 'Partitions of the topic.', ['topic']),
    currentOffset: desc(
      'topic_partition_current_offset',
      'End offset of the topic partition: the offset of the next message written.',
      partition,
    ),
    oldestOffset: desc('topic_partition_oldest_offset', 'Oldest offset still held for the topic partition.', partition),
    leader: desc('topic_partition_leader', 'Id of the broker leading the topic partition.', partition),
    replicas: desc('topic_partition_replicas', 'Replicas of the topic partition.', partition),
    inSyncReplicas: desc('topic_partition_in_sync_replica', 'In-sync replicas of the topic partition.', partition),
    leaderIsPreferred: desc(
      'topic_partition_leader_is_preferred',
      'Whether the topic partition is led by its preferred broker, the first of its replicas (1) or not (0).',
      partition,
    ),
    underReplicated: desc(
      'topic_partition_under_replicated_partition',
      'Whether the topic partition has fewer in-sync replicas than replicas (1) or not (0).',
      partition,
    ),
    groupOffset: desc(
      'consumergroup_current_offset',
      'Offset the consumer group committed for the topic partition.',
      groupPartition,
    ),
    groupOffsetSum: desc(
      'consumergroup_current_offset_sum',
      "Sum of the consumer group's committed offsets over the topic's partitions.",
      groupTopic,
    ),
    groupLag: desc(
      'consumergroup_lag',
      'Messages of the topic partition the consumer group has not consumed: end offset less committed offset.',
      groupPartition,
    ),
    groupLagSeconds: desc(
      'consumergroup_lag_seconds',
      'How long ago the oldest message of the topic partition the consumer group has not consumed was written, ' +
        'estimated from the end offsets seen at past scrapes.',
      groupPartition,
    ),
    groupLagSum: desc(
      'consumergroup_lag_sum',
      "Sum of the consumer group's lag over the topic's partitions.",
      groupTopic,
    ),
    groupMembers: desc('consumergroup_members', 'Members of the consumer group.', ['consumergroup']),
  }
}

/** The Kafka collectors' descriptors. */
export type KafkaDescs = ReturnType<typeof kafkaDescs>
