import type { Admin, PartitionMetadata } from 'kafkajs'
import type { CommittedOffsets, GroupDescription, TopicOffsets } from './cluster.js'
import { groupBy } from './group-by.js'
import { type Collector, type Emit, constMetric, deadlineMarginMs, errorMessage, mapWithin } from 'promkit'
import type { KafkaDescs } from './descs.js'
import { type PartitionOffsets, groupLag } from './lag.js'
import type { EndOffsetHistory } from './offset-history.js'
import type { KafkaSettings } from './settings.js'

/** The brokers and the partitions of some topics, as one Metadata request answers. */
export interface ClusterMetadata {
  readonly brokers: readonly { readonly nodeId: number; readonly host: string; readonly port: number }[]
  readonly topics: readonly { readonly name: string; readonly partitions: readonly PartitionMetadata[] }[]
}

/**
 * How the collectors ask the cluster: a request on the admin client, given up at the scrape deadline (`KafkaCluster`).
 */
export interface KafkaCalls {
  call<T>(what: string, deadline: number, request: (admin: Admin) => Promise<T>): Promise<T>
  /** The brokers and the partitions of `topics`, one request shared by the collectors that ask at once. */
  metadata(topics: readonly string[], deadline: number): Promise<ClusterMetadata>
  /** End and oldest offsets of many topics at once, partitions in number order. */
  topicOffsets(topics: readonly string[], deadline: number): Promise<TopicOffsets>
  /** End offsets of many topics at once, partitions in number order. */
  endOffsets(topics: readonly string[], deadline: number): Promise<PartitionOffsets>
  /** The consumer groups by the node id of the broker that coordinates them. */
  coordinatedGroups(deadline: number): Promise<ReadonlyMap<number, readonly string[]>>
  /** Groups that one broker coordinates, described at once. */
  describeGroups(coordinator: number, groups: readonly string[], deadline: number): Promise<readonly GroupDescription[]>
  /** A group's committed offsets, from the broker that coordinates it. */
  committedOffsets(coordinator: number, group: string, deadline: number): Promise<CommittedOffsets>
}

/** The topics a scrape reports on: listed at most every `--refresh.metadata`, filtered by the topic flags. */
export class TopicList {
  private listed: { readonly names: readonly string[]; readonly at: number } | undefined

  constructor(
    private readonly cluster: KafkaCalls,
    private readonly settings: KafkaSettings,
  ) {}

  async names(deadline: number): Promise<string[]> {
    const now = Date.now()
    if (this.listed === undefined || now - this.listed.at >= this.settings.refreshMetadataMs) {
      this.listed = {
        names: await this.cluster.call('listing topics', deadline, (admin) => admin.listTopics()),
        at: now,
      }
    }
    return this.listed.names.filter(this.settings.topics).sort()
  }
}

/** What did not finish, as one error for the collector: which items, and the first reason. */
function unfinishedError(
  what: string,
  failed: readonly { item: string; error: unknown }[],
  unfinished: readonly string[],
): Error | undefined {
  if (failed.length === 0 && unfinished.length === 0) return undefined
  const reasons = failed.length > 0 ? `; ${failed[0]?.item}: ${errorMessage(failed[0]?.error)}` : ''
  const late = unfinished.length > 0 ? `${unfinished.length} not read before the scrape deadline` : ''
  const counts = [failed.length > 0 ? `${failed.length} failed` : '', late].filter((part) => part !== '')
  return new Error(`${what}: ${counts.join(', ')}${reasons}`)
}

/**
 * `brokers`: `kafka_up`, `kafka_brokers`, `kafka_broker_info`. A cluster that does not answer is `kafka_up 0` before
 * the deadline.
 */
export function brokersCollector(cluster: KafkaCalls, topics: TopicList, descs: KafkaDescs): Collector {
  return {
    describe: () => [descs.up, descs.brokers, descs.brokerInfo],
    async collect(emit: Emit, { deadline, reportError }) {
      let brokers: ClusterMetadata['brokers']
      try {
        // The metadata the topics collector asks for: one request for both (asking for no topic gets every topic).
        ;({ brokers } = await cluster.metadata(await topics.names(deadline), deadline))
      } catch (error) {
        emit(constMetric(descs.up, 'gauge', 0))
        reportError(error)
        return
      }
      emit(constMetric(descs.up, 'gauge', 1))
      emit(constMetric(descs.brokers, 'gauge', brokers.length))
      for (const broker of brokers)
        emit(constMetric(descs.brokerInfo, 'gauge', 1, [`${broker.host}:${broker.port}`, String(broker.nodeId)]))
    },
  }
}

/** `topics`: partitions, offsets, leaders and replicas of every reported topic, offsets in one request per broker. */
export function topicsCollector(cluster: KafkaCalls, topics: TopicList, descs: KafkaDescs): Collector {
  return {
    describe: () => [
      descs.topicPartitions,
      descs.currentOffset,
      descs.oldestOffset,
      descs.leader,
      descs.replicas,
      descs.inSyncReplicas,
      descs.leaderIsPreferred,
      descs.underReplicated,
    ],
    async collect(emit: Emit, { deadline, reportError }) {
      const names = await topics.names(deadline)
      if (names.length === 0) return
      const metadata = await cluster.metadata(names, deadline)
      // In name and number order, the order of every scrape, which makes finding each series' entry cheap.
      for (const topic of [...metadata.topics].sort((a, b) => a.name.localeCompare(b.name))) {
        emit(constMetric(descs.topicPartitions, 'gauge', topic.partitions.length, [topic.name]))
        for (const p of [...topic.partitions].sort((a, b) => a.partitionId - b.partitionId)) {
          const labels = [topic.name, String(p.partitionId)]
          emit(constMetric(descs.leader, 'gauge', p.leader, labels))
          emit(constMetric(descs.replicas, 'gauge', p.replicas.length, labels))
          emit(constMetric(descs.inSyncReplicas, 'gauge', p.isr.length, labels))
          emit(constMetric(descs.leaderIsPreferred, 'gauge', p.replicas[0] === p.leader ? 1 : 0, labels))
          emit(constMetric(descs.underReplicated, 'gauge', p.isr.length < p.replicas.length ? 1 : 0, labels))
        }
      }
      // Offsets failing still leaves the partitions' metadata to serve.
      const offsets = await cluster.topicOffsets(names, deadline).catch((error: unknown) => void reportError(error))
      for (const [topic, partitions] of offsets ?? []) {
        for (const { partition, high, low } of partitions) {
          emit(constMetric(descs.currentOffset, 'gauge', high, [topic, String(partition)]))
          emit(constMetric(descs.oldestOffset, 'gauge', low, [topic, String(partition)]))
        }
      }
    },
  }
}

/** Committed offsets of the reported topics, by topic and partition, in name and number order. */
function reportedOffsets(answer: CommittedOffsets, topics: (topic: string) => boolean): PartitionOffsets {
  const offsets = new Map<string, Map<number, number>>()
  for (const { topic, partitions } of [...answer].sort((a, b) => a.topic.localeCompare(b.topic))) {
    if (!topics(topic)) continue
    const inOrder = [...partitions].sort((a, b) => a.partition - b.partition)
    offsets.set(topic, new Map(inOrder.map(({ partition, offset }) => [partition, Number(offset)])))
  }
  return offsets
}

/**
 * `groups`: members of every reported consumer group and, for groups with
 * members (or all, with `--offset.show-all`), committed offsets and lag,
 * `--group.workers` groups at a time. Committed offsets are read first, end
 * offsets after, so lag is never negative.
 */
export function groupsCollector(
  cluster: KafkaCalls,
  settings: KafkaSettings,
  descs: KafkaDescs,
  history: EndOffsetHistory,
): Collector {
  return {
    describe: () => [
      descs.groupMembers,
      descs.groupOffset,
      descs.groupOffsetSum,
      descs.groupLag,
      descs.groupLagSum,
      descs.groupLagSeconds,
    ],
    async collect(emit: Emit, { deadline, reportError }) {
      const coordinators = new Map<string, number>()
      for (const [node, groups] of await cluster.coordinatedGroups(deadline))
        for (const group of groups.filter(settings.groups)) coordinators.set(group, node)
      const ids = [...coordinators.keys()].sort()
      if (ids.length === 0) return
      const coordinatorOf = (id: string) => coordinators.get(id) as number
      const described = await Promise.all(
        [...groupBy(ids, coordinatorOf)].map(([node, groups]) => cluster.describeGroups(node, groups, deadline)),
      )
      const members = new Map(described.flat().map((group) => [group.groupId, group.members.length]))
      const membersOf = (id: string): number => members.get(id) ?? 0
      for (const id of ids) emit(constMetric(descs.groupMembers, 'gauge', membersOf(id), [id]))
      const reported = ids.filter((id) => settings.showAll || membersOf(id) > 0)
      const committed = await mapWithin(reported, settings.groupWorkers, deadline - deadlineMarginMs, async (group) =>
        reportedOffsets(await cluster.committedOffsets(coordinatorOf(group), group, deadline), settings.topics),
      )
      const topics = [...new Set(committed.done.flatMap(({ result }) => [...result.keys()]))].sort()
      // Lag needs end offsets; without them the committed offsets are still served.
      const endOffsets =
        (topics.length === 0
          ? undefined
          : await cluster.endOffsets(topics, deadline).catch((error: unknown) => void reportError(error))) ??
        (new Map() as PartitionOffsets)
      history.record(endOffsets)
      const now = history.now()
      for (const { item: group, result } of committed.done) {
        const { partitions, sums } = groupLag(result, endOffsets)
        for (const { topic, partition, committed: offset, lag } of partitions) {
          const labels = [group, topic, String(partition)]
          emit(constMetric(descs.groupOffset, 'gauge', offset, labels))
          if (lag === undefined) continue
          emit(constMetric(descs.groupLag, 'gauge', lag, labels))
          const seconds = history.lagSeconds(topic, partition, offset, now)
          if (seconds !== undefined) emit(constMetric(descs.groupLagSeconds, 'gauge', seconds, labels))
        }
        for (const { topic, committed: offset, lag } of sums) {
          emit(constMetric(descs.groupOffsetSum, 'gauge', offset, [group, topic]))
          if (lag !== undefined) emit(constMetric(descs.groupLagSum, 'gauge', lag, [group, topic]))
        }
      }
      const error = unfinishedError('consumer group offsets', committed.failed, committed.unfinished)
      if (error) reportError(error)
    },
  }
}
