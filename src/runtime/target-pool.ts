import { PromkitError } from '../errors.js'

/** Anything a multi-target exporter keeps open between scrapes of a target: a client connection, a session. */
export interface PooledConnection {
  close(): void
}

/**
 * What one multi-target scrape reaches its target through: connections shared with other scrapes of the same target.
 */
export interface TargetConnections {
  /**
   * The open connection under `key`, or a new one from `open()`. Give equal
   * keys exactly to targets that may share a connection: key by what it
   * connects to and authenticates with (host, port, user, a digest of the
   * password, TLS, database), never by the raw target text, which a client can
   * vary at will. The connection is held for this scrape; throws
   * PROMKIT_ERR_POOL_FULL when every pooled connection is held by a scrape.
   */
  get<T extends PooledConnection>(key: string, open: () => T): T
}

/** A pool's counts, for the exporter's self-metrics. */
export interface TargetPoolStats {
  /** Connections open now. */
  readonly open: number
  /** Connections closed, least recently used first, to make room for another target. */
  readonly evicted: number
  /** Scrapes refused because every connection was held by a scrape. */
  readonly refused: number
}

interface Entry {
  readonly connection: PooledConnection
  lastUsed: number
  /** Scrapes holding it now. */
  holders: number
}

/**
 * The connections of a multi-target exporter: at most `maxConnections`, one
 * per key, reused across scrapes. A connection unused for `idleMs` is closed;
 * when the pool is full, the least recently used one that no scrape holds is
 * closed to make room, and when every one is held the scrape is refused. So a
 * client that invents targets can cost the target at most `maxConnections`
 * connections, never all of its `maxclients`.
 */
export class TargetPool {
  /** In least recently used order: a used entry moves to the end. */
  private readonly entries = new Map<string, Entry>()
  private evicted = 0
  private refused = 0

  constructor(
    private readonly maxConnections: number,
    private readonly idleMs: number,
  ) {}

  /** Connections for one scrape; `release()` when the scrape is done. */
  scope(): { readonly connections: TargetConnections; release(): void } {
    const held: Entry[] = []
    return {
      connections: {
        get: <T extends PooledConnection>(key: string, open: () => T): T => {
          const entry = this.take(key, open)
          held.push(entry)
          return entry.connection as T
        },
      },
      release: () => {
        for (const entry of held.splice(0)) entry.holders--
      },
    }
  }

  /** How many are open, evicted and refused so far. */
  get stats(): TargetPoolStats {
    return { open: this.entries.size, evicted: this.evicted, refused: this.refused }
  }

  /** Closes every connection. */
  close(): void {
    for (const { connection } of this.entries.values()) connection.close()
    this.entries.clear()
  }

  private take(key: string, open: () => PooledConnection): Entry {
    const now = Date.now()
    for (const [idleKey, idle] of this.entries) {
      if (idle.holders === 0 && now - idle.lastUsed > this.idleMs) this.remove(idleKey, idle)
    }
    let entry = this.entries.get(key)
    if (entry === undefined) {
      if (this.entries.size >= this.maxConnections) this.makeRoom()
      entry = { connection: open(), lastUsed: now, holders: 0 }
    }
    this.entries.delete(key)
    this.entries.set(key, entry)
    entry.lastUsed = now
    entry.holders++
    return entry
  }

  private makeRoom(): void {
    for (const [key, entry] of this.entries) {
      if (entry.holders === 0) {
        this.remove(key, entry)
        this.evicted++
        return
      }
    }
    this.refused++
    throw new PromkitError(
      'PROMKIT_ERR_POOL_FULL',
      `all ${this.maxConnections} target connections are in use by scrapes (--multi-target.max-connections)`,
    )
  }

  private remove(key: string, entry: Entry): void {
    entry.connection.close()
    this.entries.delete(key)
  }
}
