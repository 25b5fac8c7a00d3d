import type { Cluster, Redis } from 'ioredis'
import { type Emit, constMetric } from 'promkit'
import type { RedisConnection } from './connection.js'
import type { RedisDescs } from './descs.js'

/** A key or a SCAN pattern in one database, as `--check-keys` and friends name them. */
export interface DbKey {
  readonly db: number
  readonly key: string
}

/** What the key checks look at: `--check-keys` (patterns), `--check-single-keys`, `--count-keys`. */
export interface KeyChecks {
  readonly patterns: readonly DbKey[]
  readonly singleKeys: readonly DbKey[]
  readonly countPatterns: readonly DbKey[]
  /** `--check-keys-batch-size`: the COUNT of each SCAN call. */
  readonly batchSize: number
  /** `--is-cluster`: keys are looked up across the cluster; patterns are still scanned on the node scraped. */
  readonly cluster: boolean
}

const globCharacters = /[?*[\]^]/
/** Keys looked at together. */
const keysPerRound = 100
/** A string longer than this is not read for `key_value`: no number is that long. */
const longestNumber = 64

/**
 * Reads a key list flag: `key`, `db3=key` or `3=key`, comma-separated, keys
 * URL-escaped (`%2C` for a comma), as redis_exporter reads them. Throws naming the flag and the part.
 */
export function parseKeyList(flag: string, text: string): DbKey[] {
  const keys: DbKey[] = []
  for (const part of text.split(',')) {
    if (part.trim() === '') continue
    const pieces = part.split('=')
    if (pieces.length > 2) throw new Error(`--${flag}: "${part}" has more than one "=" (escape a "=" in a key as %3D)`)
    const [dbText, keyText] =
      pieces.length === 2 ? [(pieces[0] as string).trim().replace(/^db/, ''), pieces[1] as string] : ['0', part]
    if (!/^\d+$/.test(dbText)) throw new Error(`--${flag}: "${part}" names database "${dbText}", which is not a number`)
    let key: string
    try {
      key = decodeURIComponent(keyText.trim().replace(/\+/g, ' '))
    } catch {
      throw new Error(`--${flag}: "${part}" is not validly URL-escaped`)
    }
    if (key === '') throw new Error(`--${flag}: "${part}" names no key`)
    keys.push({ db: Number(dbText), key })
  }
  return keys
}

/** Every key matching `pattern`, by SCAN; stops between calls once `signal` fires. */
async function scan(client: Redis, pattern: string, batchSize: number, signal: AbortSignal): Promise<Set<string>> {
  const keys = new Set<string>()
  let cursor = '0'
  do {
    signal.throwIfAborted()
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', batchSize)
    for (const key of batch) keys.add(key)
    cursor = next
  } while (cursor !== '0')
  return keys
}

/**
 * The command that gives the length or size of a key of this type; "none" (gone since the SCAN) and module types have
 * none.
 */
const sizeCommands = new Map([
  ['list', 'llen'],
  ['set', 'scard'],
  ['zset', 'zcard'],
  ['hash', 'hlen'],
  ['stream', 'xlen'],
  ['string', 'strlen'],
])
/** A plain decimal number, the only string value reported as `key_value`. */
const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/** Emits key_size (and key_value for numbers) of the given keys of one database, 100 keys at a time. */
export async function checkKeys(
  reader: Redis | Cluster,
  db: number,
  keys: readonly string[],
  descs: RedisDescs,
  emit: Emit,
  signal: AbortSignal,
): Promise<void> {
  for (let start = 0; start < keys.length; start += keysPerRound) {
    signal.throwIfAborted()
    const batch = keys.slice(start, start + keysPerRound)
    // Commands sent together are pipelined by the client; on a cluster, each goes to the node that holds its key.
    const types = await Promise.all(batch.map((key) => reader.type(key)))
    const checked = await Promise.all(
      batch.map(async (key, i) => {
        const command = sizeCommands.get(types[i] as string)
        // A key that is gone has size 0, as in redis_exporter; a module type has no size.
        if (command === undefined) return types[i] === 'none' ? { key, size: 0, head: undefined } : undefined
        // For a string, its first bytes too: a number, or HYLL for a HyperLogLog.
        const [size, head] = await Promise.all([
          reader.call(command, key),
          types[i] === 'string' ? reader.getrange(key, 0, longestNumber - 1) : undefined,
        ])
        return { key, size: head?.startsWith('HYLL') ? await reader.pfcount(key) : Number(size), head }
      }),
    )
    for (const result of checked) {
      if (result === undefined) continue
      const labels = [`db${db}`, result.key]
      emit(constMetric(descs.keySize, 'gauge', result.size, labels))
      if (result.head !== undefined && result.size <= longestNumber && decimal.test(result.head))
        emit(constMetric(descs.keyValue, 'gauge', Number(result.head), labels))
    }
  }
}

/**
 * The `keys` collector's work: expands `--check-keys` patterns by SCAN, checks
 * those keys and `--check-single-keys`, counts `--count-keys` patterns. Each
 * database is read on its own connection, so no SELECT ever changes the
 * connection other scrapes use. Stops at the scrape deadline.
 */
export async function collectKeys(
  connection: RedisConnection,
  checks: KeyChecks,
  descs: RedisDescs,
  emit: Emit,
  signal: AbortSignal,
): Promise<void> {
  const byDb = new Map<number, Set<string>>()
  const add = (db: number, key: string) => (byDb.get(db) ?? byDb.set(db, new Set()).get(db))?.add(key)
  for (const { db, key } of checks.singleKeys) add(db, key)
  for (const { db, key } of checks.patterns) {
    if (!globCharacters.test(key)) {
      add(db, key)
      continue
    }
    const client = await connection.database(db).ready()
    for (const found of await scan(client, key, checks.batchSize, signal)) add(db, found)
  }
  for (const [db, keys] of byDb) {
    const reader = checks.cluster ? await connection.cluster() : await connection.database(db).ready()
    await checkKeys(reader, db, [...keys].sort(), descs, emit, signal)
  }
  for (const { db, key } of checks.countPatterns) {
    const client = await connection.database(db).ready()
    emit(
      constMetric(descs.keysCount, 'gauge', (await scan(client, key, checks.batchSize, signal)).size, [`db${db}`, key]),
    )
  }
}
