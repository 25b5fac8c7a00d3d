import { Cluster, Redis, type RedisOptions } from 'ioredis'

/** One attempt shared by every caller while it runs; a call after it settled starts a new one. */
class SharedAttempt<T> {
  private pending: Promise<T> | undefined

  run(start: () => Promise<T>): Promise<T> {
    this.pending ??= start().finally(() => {
      this.pending = undefined
    })
    return this.pending
  }
}

/**
 * One Redis connection, opened on first use and reused by every scrape:
 * overlapping scrapes share it (commands are pipelined on the one socket), and
 * when it drops, the next scrape opens it again. It never reconnects in the
 * background, so a Redis that is down costs one connect attempt per scrape.
 */
export class RedisConnection {
  private readonly client: Redis
  private readonly connecting = new SharedAttempt<Redis>()
  /** What the client last reported: its 'error' event says why a connect failed (refused, WRONGPASS, TLS). */
  private lastError: Error | undefined
  private readonly perDatabase = new Map<number, RedisConnection>()

  constructor(
    private readonly options: RedisOptions,
    /** The address with its password masked, for errors and logs. */
    readonly shown: string,
  ) {
    this.client = new Redis(options)
    this.client.on('error', (error: Error) => (this.lastError = error))
  }

  /**
   * The connected client: the open one, the one being opened, or a new attempt. Rejects saying why it cannot connect.
   */
  ready(): Promise<Redis> {
    if (this.client.status === 'ready') return Promise.resolve(this.client)
    return this.connecting.run(() => {
      this.lastError = undefined
      return this.client.connect().then(
        () => this.client,
        (error: Error) => {
          throw new Error(`cannot connect to ${this.shown}: ${(this.lastError ?? error).message}`)
        },
      )
    })
  }

  /**
   * A connection to database `db` of the same server (key checks), opened once and reused; this one for its own
   * database.
   */
  database(db: number): RedisConnection {
    if (db === this.options.db) return this
    let connection = this.perDatabase.get(db)
    if (!connection) {
      connection = new RedisConnection({ ...this.options, db }, this.shown)
      this.perDatabase.set(db, connection)
    }
    return connection
  }

  private clusterClient: Cluster | undefined
  private readonly connectingCluster = new SharedAttempt<Cluster>()

  /**
   * A Redis Cluster client that starts from this node (`--is-cluster`), so
   * that a key on another node is found there: opened once and reused.
   */
  cluster(): Promise<Cluster> {
    if (this.clusterClient?.status === 'ready') return Promise.resolve(this.clusterClient)
    return this.connectingCluster.run(() => {
      const { host, port, retryStrategy: _retry, enableOfflineQueue: _queue, ...redisOptions } = this.options
      const cluster = new Cluster([{ host, port }], {
        redisOptions,
        lazyConnect: true,
        enableAutoPipelining: true,
        clusterRetryStrategy: () => null,
      })
      // Before connect() rejects ("None of startup nodes is available"), ioredis emits 'error' for the
      // failed slots refresh, with the node's own answer as lastNodeError ("ERR This instance has cluster support
      // disabled").
      let failure: (Error & { lastNodeError?: Error }) | undefined
      cluster.on('error', (error: Error & { lastNodeError?: Error }) => (failure = error))
      this.clusterClient?.disconnect()
      this.clusterClient = cluster
      return cluster.connect().then(
        () => cluster,
        () => {
          throw new Error(`cannot connect to the cluster of ${this.shown}: ${failure?.lastNodeError?.message}`)
        },
      )
    })
  }

  /** Closes this connection, its per-database ones and its cluster client. */
  close(): void {
    for (const connection of this.perDatabase.values()) connection.close()
    this.clusterClient?.disconnect()
    this.client.disconnect()
  }
}
