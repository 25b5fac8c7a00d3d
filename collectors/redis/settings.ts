import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import type { ExporterContext, FlagDefinition } from 'promkit/exporter'
import { type DbKey, type KeyChecks, parseKeyList } from './keys.js'
import type { ConnectionSettings } from './target.js'

/** redis_exporter's flags, double-dashed, each also settable as `REDIS_EXPORTER_<FLAG>`. */
export const redisFlags: readonly FlagDefinition[] = [
  { name: 'redis.addr', default: 'redis://localhost:6379', description: 'Redis to scrape on the telemetry path: redis://host:port, rediss://host:port (TLS) or unix:///path; empty for multi-target only.' },
  { name: 'redis.user', description: 'User name for Redis ACLs (Redis 6 and later).' },
  { name: 'redis.password', secret: true, description: 'Password for Redis.' },
  { name: 'redis.password-file', description: 'JSON file mapping Redis URIs to passwords, for multi-target scrapes: {"redis://host:6379": "secret"}.' },
  { name: 'connection-timeout', type: 'duration', default: '15s', description: 'Timeout for connecting to Redis and for each command.' },
  { name: 'check-keys', default: '', description: 'Keys or SCAN patterns to report key_size/key_value for: comma-separated, db3=pattern for another database.' },
  { name: 'check-single-keys', default: '', description: 'Keys to report key_size/key_value for, without SCAN: comma-separated, db3=key for another database.' },
  { name: 'count-keys', default: '', description: 'SCAN patterns whose matching keys are counted (keys_count): comma-separated, db3=pattern for another database.' },
  { name: 'check-keys-batch-size', type: 'number', default: '1000', description: 'COUNT of each SCAN call for --check-keys and --count-keys.' },
  { name: 'include-system-metrics', type: 'boolean', description: 'Also report total_system_memory_bytes.' },
  { name: 'tls-ca-cert-file', description: 'CA certificate (PEM) that rediss:// servers must be signed by; default: the system CAs.' },
  { name: 'tls-client-cert-file', description: 'Client certificate (PEM) for rediss:// servers that ask for one.' },
  { name: 'tls-client-key-file', description: 'Key (PEM) of --tls-client-cert-file.' },
  { name: 'skip-tls-verification', type: 'boolean', description: "Do not verify rediss:// servers' certificates (testing only)." },
  { name: 'is-cluster', type: 'boolean', description: 'The Redis is a Redis Cluster node: --check-keys and --check-single-keys find keys on any node (patterns are scanned on this node).' },
]

/** Everything the Redis collectors need from the flags, read and checked once at start. */
export interface RedisSettings {
  readonly address: string
  readonly connection: ConnectionSettings
  readonly keys: KeyChecks
  readonly includeSystemMetrics: boolean
}

/** A file named by a flag; an unreadable one is an error naming the flag and the reason (ENOENT, EACCES). */
function readFlagFile(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new Error(`--${flag}: cannot read ${JSON.stringify(file)}: ${(error as NodeJS.ErrnoException).code}`)
  }
}

/** Reads `--redis.password-file`: a JSON object of URI → password. */
function readPasswords(file: string | undefined): Map<string, string> {
  if (file === undefined) return new Map()
  const text = readFlagFile('redis.password-file', file)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    // Not the parser's message: it quotes the text, which holds passwords.
    throw new Error(`--redis.password-file: ${JSON.stringify(file)} is not valid JSON`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`--redis.password-file: ${JSON.stringify(file)} must hold a JSON object of URI → password`)
  const passwords = new Map<string, string>()
  for (const [uri, password] of Object.entries(parsed)) {
    if (typeof password !== 'string') throw new Error(`--redis.password-file: the password for ${JSON.stringify(uri)} in ${JSON.stringify(file)} is not a string`)
    passwords.set(uri, password)
  }
  return passwords
}

/** TLS options for rediss:// from the certificate flags. */
function tlsOptions(flags: ExporterContext['flags']): ConnectionOptions {
  const file = (flag: string) => (flags[flag] === undefined ? undefined : readFlagFile(flag, flags[flag] as string))
  const cert = file('tls-client-cert-file')
  const key = file('tls-client-key-file')
  if ((cert === undefined) !== (key === undefined)) throw new Error('--tls-client-cert-file and --tls-client-key-file go together')
  return { ca: file('tls-ca-cert-file'), cert, key, rejectUnauthorized: flags['skip-tls-verification'] !== true }
}

/** The key checks of the flags; on a cluster, only in database 0, the only one a cluster has. */
function keyChecks(flags: ExporterContext['flags'], batchSize: number): KeyChecks {
  const lists = ['check-keys', 'check-single-keys', 'count-keys'].map((flag) => ({ flag, keys: parseKeyList(flag, flags[flag] as string) }))
  const cluster = flags['is-cluster'] === true
  for (const { flag, keys } of lists) {
    const elsewhere = keys.find((key) => key.db !== 0)
    if (cluster && elsewhere) throw new Error(`--${flag}: "${elsewhere.key}" is in database ${elsewhere.db}, but a Redis Cluster (--is-cluster) has database 0 only`)
  }
  const [patterns, singleKeys, countPatterns] = lists.map(({ keys }) => keys) as [DbKey[], DbKey[], DbKey[]]
  return { patterns, singleKeys, countPatterns, batchSize, cluster }
}

/** Reads the Redis flags; throws one line naming the flag for anything unreadable or malformed. */
export function redisSettings(flags: ExporterContext['flags']): RedisSettings {
  const batchSize = flags['check-keys-batch-size'] as number
  if (batchSize < 1) throw new Error('--check-keys-batch-size: must be at least 1')
  return {
    address: flags['redis.addr'] as string,
    connection: {
      user: flags['redis.user'] as string | undefined,
      password: flags['redis.password'] as string | undefined,
      passwords: readPasswords(flags['redis.password-file'] as string | undefined),
      timeoutMs: flags['connection-timeout'] as number,
      tls: tlsOptions(flags),
    },
    keys: keyChecks(flags, batchSize),
    includeSystemMetrics: flags['include-system-metrics'] === true,
  }
}
