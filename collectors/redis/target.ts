import { createHash } from 'node:crypto'
import type { ConnectionOptions } from 'node:tls'
import type { RedisOptions } from 'ioredis'
import { redactTarget } from 'promkit/exporter'

/** How to reach and log in to Redis, beyond the address: from the flags, the same for every target. */
export interface ConnectionSettings {
  /** `--redis.user` and `--redis.password`: used when the address carries no credentials of its own. */
  readonly user: string | undefined
  readonly password: string | undefined
  /** `--redis.password-file`: target URI (as written) → password. */
  readonly passwords: ReadonlyMap<string, string>
  /** `--connection-timeout`, for connecting and for each command. */
  readonly timeoutMs: number
  /** TLS options for `rediss://` targets (CA, client certificate, verification). */
  readonly tls: ConnectionOptions
}

/** A Redis address made ready for the client, with the form that may be shown in logs. */
export interface RedisTarget {
  /** The address with its password masked, for logs and errors. */
  readonly shown: string
  readonly options: RedisOptions
}

/** The name the exporter's connections carry in CLIENT LIST, as redis_exporter's do. */
export const clientName = 'redis_exporter'

/**
 * Reads `redis://[user[:password]@]host[:port][/db]`, `rediss://...` (TLS),
 * `unix:///path/to/socket` or a bare `host:port` into client options. The
 * address's own credentials win over the password file, which wins over
 * `--redis.user`/`--redis.password`. Throws a message naming the address (masked).
 */
export function parseTarget(address: string, settings: ConnectionSettings): RedisTarget {
  const shown = redactTarget(address)
  const uri = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `redis://${address}`
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    throw new Error(
      `Redis address "${shown}" is not a URI (want redis://host:port, rediss://host:port or unix:///path)`,
    )
  }
  const common: RedisOptions = {
    username: decodeURIComponent(url.username) || settings.user,
    password: decodeURIComponent(url.password) || settings.passwords.get(address) || settings.password,
    connectTimeout: settings.timeoutMs,
    commandTimeout: settings.timeoutMs,
    connectionName: clientName,
    // CLIENT SETINFO fails on Redis before 7.2 and would show up in the errorstats this exporter reports.
    disableClientInfo: true,
    lazyConnect: true,
    // Commands sent in the same tick (a scrape's, a round of key checks) go out in one write.
    enableAutoPipelining: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // No reconnect loop in the background: the next scrape connects again.
    retryStrategy: () => null,
  }
  if (url.protocol === 'unix:') return { shown, options: { ...common, path: url.pathname, db: 0 } }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new Error(`Redis address "${shown}" has scheme "${url.protocol.slice(0, -1)}" (want redis, rediss or unix)`)
  }
  if (url.hostname === '') throw new Error(`Redis address "${shown}" has no host`)
  const db = url.pathname.replace(/^\//, '')
  if (db !== '' && !/^\d+$/.test(db)) throw new Error(`Redis address "${shown}": database "${db}" is not a number`)
  return {
    shown,
    options: {
      ...common,
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? 6379 : Number(url.port),
      db: db === '' ? 0 : Number(db),
      ...(url.protocol === 'rediss:' ? { tls: settings.tls } : {}),
    },
  }
}

/**
 * What identifies the connection a target needs: where it connects, as whom
 * (the password as a digest), with or without TLS, to which database. Targets
 * that differ only in text the client ignores (`?n=1`, `redis://h` and `h:6379`)
 * share one connection; a different password never does.
 */
export function connectionKey(options: RedisOptions): string {
  const password = options.password === undefined ? '' : createHash('sha256').update(options.password).digest('base64')
  return JSON.stringify([
    options.path ?? `${options.host}:${options.port}`,
    options.username ?? '',
    password,
    options.tls !== undefined,
    options.db,
  ])
}
