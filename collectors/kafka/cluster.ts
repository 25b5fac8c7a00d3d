import kafkajs, { type Admin } from 'kafkajs'
import { beforeDeadline, errorMessage } from 'promkit'
import type { Logger } from 'promkit/exporter'
import type { KafkaCalls } from './collectors.js'
import type { KafkaSettings } from './settings.js'

const { Kafka, logLevel } = kafkajs

/** Connecting to a broker gives up after this long; a scrape's deadline gives up sooner. */
const connectionTimeoutMs = 3000

/**
 * The part of kafkajs' internal cluster (behind the admin client) the exporter
 * uses for what the public API lacks: the offsets of many topics in one
 * ListOffsets request per broker (the admin client asks per topic, and
 * refreshes the metadata of every topic seen so far for each new one), and
 * adding many topics to the metadata in one refresh. kafkajs is pinned to
 * 2.2.4, whose internals these are.
 */
interface InternalCluster {
  addMultipleTargetTopics(topics: readonly string[]): Promise<void>
  refreshMetadataIfNecessary(): Promise<void>
  findTopicPartitionMetadata(topic: string): readonly { readonly partitionId: number }[]
  fetchTopicsOffset(
    topics: readonly { topic: string; fromBeginning: boolean; partitions: { partition: number }[] }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>
}

/**
 * kafkajs' private "createCluster" of a Kafka instance, wrapped to hand over the cluster it creates for the admin
 * client.
 */
export function captureCluster(kafka: object, captured: (cluster: InternalCluster) => void): void {
  const own = kafka as Record<symbol, (...args: unknown[]) => InternalCluster>
  const create = Object.getOwnPropertySymbols(kafka).find(
    (symbol) => symbol.description === 'private:Kafka:createCluster',
  )
  if (create === undefined) throw new Error('kafkajs has no private:Kafka:createCluster: this is not kafkajs 2.2.4')
  const original = own[create] as (...args: unknown[]) => InternalCluster
  own[create] = (...args: unknown[]) => {
    const cluster = original(...args)
    captured(cluster)
    return cluster
  }
}

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
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current.name === 'KafkaJSConnectionError' || current.name === 'KafkaJSSASLAuthenticationError') return true
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
    captureCluster(kafka, (cluster) => (internal = cluster))
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
   * The end and oldest offsets of `topics` in two ListOffsets requests per
   * broker (after one metadata refresh for topics not seen before).
   */
  topicOffsets(topics: readonly string[], deadline: number): Promise<TopicOffsets> {
    return this.on(`reading offsets of ${topics.length} topics`, deadline, async ({ internal }) => {
      await internal.addMultipleTargetTopics(topics)
      await internal.refreshMetadataIfNecessary()
      const request = (fromBeginning: boolean) =>
        internal.fetchTopicsOffset(
          topics.map((topic) => ({
            topic,
            fromBeginning,
            partitions: internal
              .findTopicPartitionMetadata(topic)
              .map(({ partitionId }) => ({ partition: partitionId })),
          })),
        )
      const [high, low] = await Promise.all([request(false), request(true)])
      // Both requests asked for the same partitions, so each end offset has its oldest one.
      const lows = new Map(
        low.flatMap(({ topic, partitions }) =>
          partitions.map(({ partition, offset }) => [`${topic}\u0000${partition}`, Number(offset)] as const),
        ),
      )
      return new Map(
        high.map(({ topic, partitions }) => [
          topic,
          partitions.map(({ partition, offset }) => ({
            partition,
            high: Number(offset),
            low: lows.get(`${topic}\u0000${partition}`) as number,
          })),
        ]),
      )
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
