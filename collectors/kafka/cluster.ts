import kafkajs, { type Admin, type PartitionMetadata } from 'kafkajs'
import { beforeDeadline, errorMessage } from 'promkit'
import type { Logger } from 'promkit/exporter'
import type { ClusterMetadata, KafkaCalls } from './collectors.js'
import { groupBy } from './group-by.js'
import type { PartitionOffsets } from './lag.js'
import {
  type ListOffsetsAnswer,
  type ListOffsetsQuery,
  type ProtocolRequest,
  listOffsetsApiKey,
  listOffsetsDefinition,
} from './list-offsets.js'
import type { KafkaSettings } from './settings.js'

const { Kafka, logLevel } = kafkajs

/** Connecting to a broker gives up after this long; a scrape's deadline gives up sooner. */
const connectionTimeoutMs = 3000

/**
 * The part of kafkajs' internal cluster (behind the admin client) the exporter
 * uses for what the public API lacks: the offsets of many topics in one
 * ListOffsets request per broker (the admin client asks per topic, and
 * refreshes the metadata of every topic seen so far for each new one; the
 * cluster's own many-topic call merges the answers in time quadratic in the
 * number of topics), and adding many topics to the metadata in one refresh.
 * kafkajs is pinned to 2.2.4, whose internals these are.
 */
export interface InternalCluster {
  addMultipleTargetTopics(topics: readonly string[]): Promise<void>
  /** Reads the metadata of every topic added, when it is older than the cluster's metadataMaxAge or lacks one. */
  refreshMetadataIfNecessary(): Promise<void>
  /** Reads the metadata of every topic added, now. */
  refreshMetadata(): Promise<void>
  readonly brokerPool: { readonly metadata: { readonly brokers: readonly { readonly nodeId: number }[] } }
  /** One Metadata request for `topics` (for none, Kafka answers with every topic). */
  metadata(request: { topics: string[] }): Promise<{
    brokers: ClusterMetadata['brokers']
    topicMetadata: { topic: string; partitionMetadata: PartitionMetadata[] }[]
  }>
  findTopicPartitionMetadata(topic: string): readonly { readonly partitionId: number; readonly leader: number }[]
  findBroker(node: { nodeId: number }): Promise<InternalBroker>
}

/** The part of kafkajs' internal broker connection the exporter uses: requests as the protocol has them. */
interface InternalBroker {
  listGroups(): Promise<{ groups: { groupId: string }[] }>
  describeGroups(request: { groupIds: string[] }): Promise<{ groups: GroupDescription[] }>
  /** With no topics, the offsets of every topic the group committed to (kafkajs sends null from OffsetFetch v3). */
  offsetFetch(request: { groupId: string; topics: [] }): Promise<{ responses: CommittedOffsets }>
  /** The request of `definition` in the highest version the broker and it both speak. */
  lookupRequest(apiKey: number, definition: typeof listOffsetsDefinition): (query: ListOffsetsQuery) => ProtocolRequest
}

/** The symbol of kafkajs' private member `description` of `object` (its own or its prototypes'). */
function privateSymbol(object: object, description: string): symbol {
  for (let holder: object | null = object; holder !== null; holder = Object.getPrototypeOf(holder)) {
    const found = Object.getOwnPropertySymbols(holder).find((symbol) => symbol.description === description)
    if (found !== undefined) return found
  }
  throw new Error(`kafkajs has no ${description}: this is not kafkajs 2.2.4`)
}

/** Sends ListOffsets to a broker, encoded by `listOffsetsDefinition`. */
function askOffsets(broker: InternalBroker, query: ListOffsetsQuery): Promise<ListOffsetsAnswer> {
  // kafkajs' broker sends a request on its connection with this private method (authenticating again when due).
  const send = Reflect.get(broker, privateSymbol(broker, 'private:Broker:sendRequest')) as (
    request: ProtocolRequest,
  ) => Promise<ListOffsetsAnswer>
  return send.call(broker, broker.lookupRequest(listOffsetsApiKey, listOffsetsDefinition)(query))
}

/** ListOffsets' timestamps that ask for a partition's end offset and its oldest one. */
const latestOffset = -1
const earliestOffset = -2
/** ListOffsets' isolation level that answers the high watermark, as kafka_exporter (sarama's default) reads it. */
const readUncommitted = 0

/**
 * kafkajs' private "createCluster" of a Kafka instance, wrapped to hand over the cluster it creates for the admin
 * client, and to give that cluster a metadata age: `admin()` passes none, so its metadata is always stale and every
 * request that checks it first (ListGroups, ListOffsets) reads the metadata of every topic again; at 1,000 topics
 * of 50 partitions, 4 needless Metadata requests a scrape of about 100 ms each.
 */
export function captureCluster(
  kafka: object,
  metadataMaxAgeMs: number,
  captured: (cluster: InternalCluster) => void,
): void {
  const own = kafka as Record<symbol, (options: object) => InternalCluster>
  const create = privateSymbol(kafka, 'private:Kafka:createCluster')
  const original = own[create] as (options: object) => InternalCluster
  own[create] = (options: object) => {
    const cluster = original({ ...options, metadataMaxAge: metadataMaxAgeMs })
    captured(cluster)
    return cluster
  }
}

/** A consumer group as DescribeGroups answers: its members, of which the exporter counts the number. */
export interface GroupDescription {
  readonly groupId: string
  readonly members: readonly unknown[]
}

/** A consumer group's committed offsets as OffsetFetch answers, by topic (-1 for a partition never committed). */
export type CommittedOffsets = readonly {
  readonly topic: string
  readonly partitions: readonly { readonly partition: number; readonly offset: string }[]
}[]

/** End offsets (`high`) and oldest offsets (`low`) by topic and partition. */
export type TopicOffsets = ReadonlyMap<
  string,
  readonly { readonly partition: number; readonly high: number; readonly low: number }[]
>

/**
 * Whether an error (or one it was caused by) is kafkajs losing its connection
 * (refused, reset, TLS or SASL failure): then the client is dropped. Other
 * errors (a request timing out, a group without coordinator) keep it, with
 * the topic metadata it has warmed up, which costs a growing metadata request
 * per topic the first time on a large cluster.
 */
export function lostConnection(error: unknown): boolean {
  return causedBy(error, ['KafkaJSConnectionError', 'KafkaJSSASLAuthenticationError'])
}

/** Whether an error, or one it was caused by, is one of kafkajs' errors `names`. */
function causedBy(error: unknown, names: readonly string[]): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (names.includes(current.name)) return true
  }
  return false
}

/**
 * One long-lived kafkajs admin client for the cluster, shared by the
 * collectors and across scrapes. kafkajs has no AbortSignal, so every call is
 * bounded by the scrape's deadline from outside, and the client's own
 * timeouts bound what it keeps doing after that. A call that loses the
 * connection drops the client, so the next scrape connects anew (the cluster
 * came back, a broker moved); a connection still being made is shared, never
 * duplicated.
 */
export class KafkaCluster implements KafkaCalls {
  private admin: Promise<{ admin: Admin; internal: InternalCluster }> | undefined
  /** The Metadata request under way, shared by calls for the same topics. */
  private metadataUnderWay: { readonly topics: string; readonly metadata: Promise<ClusterMetadata> } | undefined

  constructor(
    private readonly settings: KafkaSettings,
    private readonly logger: Logger,
    /** kafkajs' request timeout: the exporter's scrape timeout, so a request outlives no scrape by much. */
    private readonly requestTimeoutMs: number,
  ) {}

  /** The brokers as `--kafka.server` gave them, for messages. */
  get shown(): string {
    return this.settings.brokers.join(',')
  }

  private connect(): Promise<{ admin: Admin; internal: InternalCluster }> {
    const { settings, logger } = this
    const kafka = new Kafka({
      clientId: 'kafka_exporter',
      brokers: [...settings.brokers],
      connectionTimeout: connectionTimeoutMs,
      requestTimeout: this.requestTimeoutMs,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 1000 },
      ...(settings.ssl ? { ssl: settings.ssl } : {}),
      ...(settings.sasl ? { sasl: settings.sasl } : {}),
      logLevel: settings.clientLog ? logLevel.DEBUG : logLevel.NOTHING,
      // --log.enable-sarama: the client's own lines, at debug level, as kafka_exporter logs sarama's.
      logCreator: () => (entry) => logger.debug({ client: entry.namespace }, entry.log.message),
    })
    let internal: InternalCluster | undefined
    captureCluster(kafka, settings.refreshMetadataMs, (cluster) => (internal = cluster))
    const admin = kafka.admin()
    return admin.connect().then(
      () => ({ admin, internal: internal as InternalCluster }),
      (error: unknown) => {
        void admin.disconnect().catch(() => {})
        throw error
      },
    )
  }

  /**
   * Runs `request` on the connected client, giving up shortly before the
   * scrape deadline (`Date.now()` ms) with an error that says what did not
   * answer, in time for the collector to report it.
   */
  async call<T>(what: string, deadline: number, request: (admin: Admin) => Promise<T>): Promise<T> {
    return this.on(what, deadline, ({ admin }) => request(admin))
  }

  /**
   * The brokers and the partitions of `topics` in one Metadata request,
   * shared by the calls that ask for the same topics while it is under way:
   * the brokers and topics collectors of one scrape.
   */
  metadata(topics: readonly string[], deadline: number): Promise<ClusterMetadata> {
    const key = topics.join('\u0000')
    if (this.metadataUnderWay?.topics !== key) {
      const metadata = this.on('reading the cluster metadata', deadline, async ({ internal }) => {
        const { brokers, topicMetadata } = await internal.metadata({ topics: [...topics] })
        return {
          brokers,
          topics: topicMetadata.map(({ topic, partitionMetadata }) => ({ name: topic, partitions: partitionMetadata })),
        }
      })
      const underWay = { topics: key, metadata }
      this.metadataUnderWay = underWay
      const done = () => {
        if (this.metadataUnderWay === underWay) this.metadataUnderWay = undefined
      }
      metadata.then(done, done)
    }
    return this.metadataUnderWay.metadata
  }

  /**
   * The end and oldest offsets of `topics` in two ListOffsets requests per
   * broker (after one metadata refresh for topics not seen before, shared by
   * both).
   */
  topicOffsets(topics: readonly string[], deadline: number): Promise<TopicOffsets> {
    return this.on(`reading offsets of ${topics.length} topics`, deadline, async ({ internal }) => {
      const [high, low] = (await listOffsets(internal, topics, [latestOffset, earliestOffset])) as [
        PartitionOffsets,
        PartitionOffsets,
      ]
      // Both requests asked for the same partitions, so each end offset has its oldest one.
      return new Map(
        [...high].map(([topic, ends]) => [
          topic,
          [...ends].map(([partition, end]) => ({
            partition,
            high: end,
            low: (low.get(topic) as ReadonlyMap<number, number>).get(partition) as number,
          })),
        ]),
      )
    })
  }

  /** The end offsets of `topics`, in one ListOffsets request per broker. */
  endOffsets(topics: readonly string[], deadline: number): Promise<PartitionOffsets> {
    return this.on(
      `reading end offsets of ${topics.length} topics`,
      deadline,
      async ({ internal }) => (await listOffsets(internal, topics, [latestOffset]))[0] as PartitionOffsets,
    )
  }

  /**
   * The consumer groups, by the node id of the broker that coordinates them:
   * each broker answers ListGroups with the groups it coordinates (kafka_exporter
   * asks the same way), so describing a group or reading its offsets needs no
   * FindCoordinator round trip of its own.
   */
  coordinatedGroups(deadline: number): Promise<ReadonlyMap<number, readonly string[]>> {
    return this.on('listing consumer groups', deadline, async ({ internal }) => {
      await internal.refreshMetadataIfNecessary()
      const nodes = internal.brokerPool.metadata.brokers.map(({ nodeId }) => nodeId)
      const lists = await Promise.all(
        nodes.map(async (nodeId) => {
          const { groups } = await (await internal.findBroker({ nodeId })).listGroups()
          return [nodeId, groups.map(({ groupId }) => groupId)] as const
        }),
      )
      return new Map(lists)
    })
  }

  /** Describes `groups`, which the broker `coordinator` coordinates, in one DescribeGroups request. */
  describeGroups(coordinator: number, groups: readonly string[], deadline: number): Promise<GroupDescription[]> {
    return this.on(`describing ${groups.length} consumer groups`, deadline, async ({ internal }) => {
      const broker = await internal.findBroker({ nodeId: coordinator })
      return (await broker.describeGroups({ groupIds: [...groups] })).groups
    })
  }

  /** A consumer group's committed offsets, from the broker `coordinator` that coordinates it. */
  committedOffsets(coordinator: number, group: string, deadline: number): Promise<CommittedOffsets> {
    return this.on(`reading offsets of group ${group}`, deadline, async ({ internal }) => {
      const broker = await internal.findBroker({ nodeId: coordinator })
      return (await broker.offsetFetch({ groupId: group, topics: [] })).responses
    })
  }

  private async on<T>(
    what: string,
    deadline: number,
    request: (client: { admin: Admin; internal: InternalCluster }) => Promise<T>,
  ): Promise<T> {
    this.admin ??= this.connect()
    const admin = this.admin
    const work = admin.then(request)
    const late = Symbol('late')
    let result: T | typeof late
    try {
      result = await beforeDeadline(work, deadline, () => late)
    } catch (error) {
      if (lostConnection(error)) this.drop(admin)
      throw new Error(`${what}: ${errorMessage(error)}`, { cause: error })
    }
    if (result === late) {
      // Still waiting: leave it be, and drop the client if it loses the connection later.
      work.catch((error: unknown) => lostConnection(error) && this.drop(admin))
      throw new Error(`${what}: Kafka (${this.shown}) did not answer before the scrape deadline`)
    }
    return result
  }

  /** Forgets a client that lost its connection, once, and disconnects it in the background. */
  private drop(admin: NonNullable<KafkaCluster['admin']>): void {
    if (this.admin !== admin) return
    this.admin = undefined
    admin.then((client) => client.admin.disconnect()).catch(() => {})
  }

  /** Disconnects, at shutdown. */
  async close(): Promise<void> {
    const admin = this.admin
    this.admin = undefined
    await admin?.then((client) => client.admin.disconnect()).catch(() => {})
  }
}

/**
 * The offsets at each of `timestamps` (`latestOffset`, `earliestOffset`) of
 * every partition of `topics`: one metadata refresh for topics not seen
 * before (or when `--refresh.metadata` has passed), then for each timestamp
 * one ListOffsets request to each partition's leader, all at once. A broker
 * answering with an error (a leader that moved since the metadata was read)
 * has the metadata read again and the offsets asked once more. Each answer
 * has the topics in the order given and partitions by number, as the series
 * are emitted.
 */
export async function listOffsets(
  internal: InternalCluster,
  topics: readonly string[],
  timestamps: readonly number[],
): Promise<PartitionOffsets[]> {
  await internal.addMultipleTargetTopics(topics)
  await internal.refreshMetadataIfNecessary()
  try {
    return await offsetsFromLeaders(internal, topics, timestamps)
  } catch (error) {
    // A broker's answer with an error code: a partition it no longer leads.
    if (!causedBy(error, ['KafkaJSProtocolError'])) throw error
    await internal.refreshMetadata()
    return offsetsFromLeaders(internal, topics, timestamps)
  }
}

/** `listOffsets`' requests, to the leaders the cluster's metadata names. */
async function offsetsFromLeaders(
  internal: InternalCluster,
  topics: readonly string[],
  timestamps: readonly number[],
): Promise<PartitionOffsets[]> {
  const partitions = topics.flatMap((topic) =>
    internal.findTopicPartitionMetadata(topic).map(({ partitionId, leader }) => ({ topic, partitionId, leader })),
  )
  const byLeader = [...groupBy(partitions, ({ leader }) => leader)].map(
    ([nodeId, led]) => [nodeId, [...groupBy(led, ({ topic }) => topic)]] as const,
  )
  const at = async (timestamp: number): Promise<PartitionOffsets> => {
    const answers = await Promise.all(
      byLeader.map(async ([nodeId, ledByTopic]) => {
        const broker = await internal.findBroker({ nodeId })
        const topics = ledByTopic.map(([topic, ofTopic]) => ({
          topic,
          partitions: ofTopic.map(({ partitionId }) => partitionId),
        }))
        return (await askOffsets(broker, { timestamp, isolationLevel: readUncommitted, topics })).responses
      }),
    )
    const answered = new Map(topics.map((topic) => [topic, [] as { partition: number; offset: number }[]]))
    for (const { topic, partitions } of answers.flat()) (answered.get(topic) as unknown[]).push(...partitions)
    return new Map(
      [...answered].map(([topic, offsets]) => [
        topic,
        new Map(offsets.sort((a, b) => a.partition - b.partition).map(({ partition, offset }) => [partition, offset])),
      ]),
    )
  }
  return Promise.all(timestamps.map(at))
}
