import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import { type ExporterContext, flag } from 'promkit/exporter'
import { type DbKey, type KeyChecks, parseKeyList } from './keys.js'
import type { ConnectionSettings } from './target.js'

/** redis_exporter's flags, double-dashed, each also settable as `REDIS_EXPORTER_<FLAG>`. */
export const redisFlags = {
  address: flag.string('redis.addr', {
    default: 'redis://localhost:6379',
    description:
      'Redis to scrape on the telemetry path: redis://host:port, rediss://host:port (TLS) or unix:///path; empty for ' +
      'multi-target only.',
  }),
  user: flag.string('redis.user', { description: 'User name for Redis ACLs (Redis 6 and later).' }),
  password: flag.string('redis.password', { secret: true, description: 'Password for Redis.' }),
  passwordFile: flag.file('redis.password-file', {
    description:
      'JSON file mapping Redis URIs to passwords, for multi-target scrapes: {"redis://host:6379": "secret"}.',
  }),
  connectionTimeout: flag.duration('connection-timeout', {
    default: '15s',
    description: 'Timeout for connecting to Redis and for each command.',
  }),
  checkKeys: flag.string('check-keys', {
    default: '',
    description:
      'Keys or SCAN patterns to report key_size/key_value for: comma-separated, db3=pattern for another database.',
  }),
  checkSingleKeys: flag.string('check-single-keys', {
    default: '',
    description: 'Keys to report key_size/key_value for, without SCAN: comma-separated, db3=key for another database.',
  }),
  countKeys: flag.string('count-keys', {
    default: '',
    description:
      'SCAN patterns whose matching keys are counted (keys_count): comma-separated, db3=pattern for another database.',
  }),
  batchSize: flag.integer('check-keys-batch-size', {
    default: 1000,
    description: 'COUNT of each SCAN call for --check-keys and --count-keys.',
  }),
  includeSystemMetrics: flag.boolean('include-system-metrics', {
    description: 'Also report total_system_memory_bytes.',
  }),
  caFile: flag.file('tls-ca-cert-file', {
    description: 'CA certificate (PEM) that rediss:// servers must be signed by; default: the system CAs.',
  }),
  certFile: flag.file('tls-client-cert-file', {
    description: 'Client certificate (PEM) for rediss:// servers that ask for one.',
  }),
  keyFile: flag.file('tls-client-key-file', { description: 'Key (PEM) of --tls-client-cert-file.' }),
  skipTlsVerification: flag.boolean('skip-tls-verification', {
    description: "Do not verify rediss:// servers' certificates (testing only).",
  }),
  cluster: flag.boolean('is-cluster', {
    description:
      'The Redis is a Redis Cluster node: --check-keys and --check-single-keys find keys on any node (patterns are ' +
      'scanned on this node).',
  }),
}

/** Everything the Redis collectors need from the flags, read and checked once at start. */
export interface RedisSettings {
  readonly address: string
  readonly connection: ConnectionSettings
  readonly keys: KeyChecks
  readonly includeSystemMetrics: boolean
}

/** Reads `--redis.password-file`: a JSON object of URI → password. */
function readPasswords(file: string | undefined): Map<string, string> {
  if (file === undefined) return new Map()
  const text = readFileSync(file, 'utf8')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    // Not the parser's message: it quotes the text, which holds passwords.
    throw new Error(`--redis.password-file: ${JSON.stringify(file)} is not valid JSON`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`--redis.password-file: ${JSON.stringify(file)} must hold a JSON object of URI → password`)
  const passwords = new Map<string, string>()
  for (const [uri, password] of Object.entries(parsed)) {
    if (typeof password !== 'string')
      throw new Error(
        `--redis.password-file: the password for ${JSON.stringify(uri)} in ${JSON.stringify(file)} is not a string`,
      )
    passwords.set(uri, password)
  }
  return passwords
}

/** TLS options for rediss:// from the certificate flags (the files were found readable when the flags were read). */
function tlsOptions(context: ExporterContext): ConnectionOptions {
  const file = (declared: typeof redisFlags.caFile) => {
    const path = context.value(declared)
    return path === undefined ? undefined : readFileSync(path, 'utf8')
  }
  const cert = file(redisFlags.certFile)
  const key = file(redisFlags.keyFile)
  if ((cert === undefined) !== (key === undefined))
    throw new Error('--tls-client-cert-file and --tls-client-key-file go together')
  return { ca: file(redisFlags.caFile), cert, key, rejectUnauthorized: !context.value(redisFlags.skipTlsVerification) }
}

/** The key checks of the flags; on a cluster, only in database 0, the only one a cluster has. */
function keyChecks(context: ExporterContext, batchSize: number): KeyChecks {
  const lists = [redisFlags.checkKeys, redisFlags.checkSingleKeys, redisFlags.countKeys].map((declared) => ({
    name: declared.name,
    keys: parseKeyList(declared.name, context.value(declared)),
  }))
  const cluster = context.value(redisFlags.cluster)
  for (const { name, keys } of lists) {
    const elsewhere = keys.find((key) => key.db !== 0)
    if (cluster && elsewhere)
      throw new Error(
        `--${name}: "${elsewhere.key}" is in database ${elsewhere.db}, but a Redis Cluster (--is-cluster) has ` +
          `database 0 only`,
      )
  }
  const [patterns, singleKeys, countPatterns] = lists.map(({ keys }) => keys) as [DbKey[], DbKey[], DbKey[]]
  return { patterns, singleKeys, countPatterns, batchSize, cluster }
}

/** Reads the Redis flags; throws one line naming the flag for anything unreadable or malformed. */
export function redisSettings(context: ExporterContext): RedisSettings {
  const batchSize = context.value(redisFlags.batchSize)
  if (batchSize < 1) throw new Error('--check-keys-batch-size: must be at least 1')
  return {
    address: context.value(redisFlags.address),
    connection: {
      user: context.value(redisFlags.user),
      password: context.value(redisFlags.password),
      passwords: readPasswords(context.value(redisFlags.passwordFile)),
      timeoutMs: context.value(redisFlags.connectionTimeout),
      tls: tlsOptions(context),
    },
    keys: keyChecks(context, batchSize),
    includeSystemMetrics: context.value(redisFlags.includeSystemMetrics),
  }
}
