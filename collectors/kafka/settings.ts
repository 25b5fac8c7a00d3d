import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import type { SASLOptions } from 'kafkajs'
import { type ExporterContext, flag } from 'promkit/exporter'

/** SASL mechanisms kafka_exporter accepts; kafkajs speaks the first three. */
const mechanisms = ['plain', 'scram-sha256', 'scram-sha512', 'gssapi', 'awsiam', 'oauthbearer'] as const

/** kafka_exporter 1.7's flags, double-dashed, each also settable as `KAFKA_EXPORTER_<FLAG>`. */
export const kafkaFlags = {
  servers: flag.list('kafka.server', {
    default: ['kafka:9092'],
    description: 'Address (host:port) of a Kafka broker; repeat for several.',
  }),
  version: flag.string('kafka.version', {
    default: '2.0.0',
    description:
      "Kafka broker version. Accepted for kafka_exporter's sake: the client negotiates each request's version with " +
      'the broker.',
  }),
  labels: flag.string('kafka.labels', {
    default: '',
    description: 'Labels added to every Kafka metric, e.g. cluster=prod,env=eu (name=value, comma-separated).',
  }),
  topicFilter: flag.regexp('topic.filter', { default: '.*', description: 'Regexp of the topics to report.' }),
  topicExclude: flag.regexp('topic.exclude', { default: '^$', description: 'Regexp of the topics not to report.' }),
  groupFilter: flag.regexp('group.filter', { default: '.*', description: 'Regexp of the consumer groups to report.' }),
  groupExclude: flag.regexp('group.exclude', {
    default: '^$',
    description: 'Regexp of the consumer groups not to report.',
  }),
  showAll: flag.boolean('offset.show-all', {
    default: true,
    description:
      'Report the offsets and lag of every consumer group; with --no-offset.show-all, only of groups with members.',
  }),
  concurrent: flag.boolean('concurrent.enable', {
    description:
      "Accepted for kafka_exporter's sake: groups are always read concurrently, --group.workers at a time, and " +
      "all topics' offsets in one request per broker.",
  }),
  topicWorkers: flag.integer('topic.workers', {
    default: 100,
    description: "Accepted for kafka_exporter's sake: all topics' offsets are read in one request per broker.",
  }),
  groupWorkers: flag.integer('group.workers', {
    default: 100,
    description: 'Consumer groups whose offsets are read at once.',
  }),
  refreshMetadata: flag.duration('refresh.metadata', {
    default: '30s',
    description: 'How often the list of topics, and the partition leaders offsets are asked from, are read again.',
  }),
  autoTopicCreation: flag.boolean('kafka.allow-auto-topic-creation', {
    description:
      "Accepted for kafka_exporter's sake: the exporter only reads topics that exist, so it never creates one.",
  }),
  saslEnabled: flag.boolean('sasl.enabled', { description: 'Authenticate with SASL.' }),
  saslHandshake: flag.boolean('sasl.handshake', {
    default: true,
    description: 'Send the SASL handshake (the client always does; --no-sasl.handshake is accepted with a warning).',
  }),
  saslUsername: flag.string('sasl.username', { description: 'SASL user name.' }),
  saslPassword: flag.string('sasl.password', { secret: true, description: 'SASL password.' }),
  saslPasswordFile: flag.file('sasl.password-file', {
    description: 'File holding the SASL password (instead of --sasl.password).',
    conflicts: ['sasl.password'],
  }),
  saslMechanism: flag.enum('sasl.mechanism', mechanisms, {
    default: 'plain',
    description: 'SASL mechanism: plain, scram-sha256 or scram-sha512.',
  }),
  tlsEnabled: flag.boolean('tls.enabled', { description: 'Connect to the brokers over TLS.' }),
  tlsServerName: flag.string('tls.server-name', {
    description: "Name to check the brokers' certificates against (default: the broker's host).",
  }),
  tlsCaFile: flag.file('tls.ca-file', {
    description: "CA certificate (PEM) the brokers' certificates must be signed by (default: the system CAs).",
  }),
  tlsCertFile: flag.file('tls.cert-file', { description: 'Client certificate (PEM), for brokers that ask for one.' }),
  tlsKeyFile: flag.file('tls.key-file', { description: 'Key (PEM) of --tls.cert-file.' }),
  tlsInsecure: flag.boolean('tls.insecure-skip-tls-verify', {
    description: "Do not verify the brokers' certificates (testing only).",
  }),
  verbosity: flag.integer('verbosity', {
    default: 0,
    description: "Accepted for kafka_exporter's sake; use --log.level.",
  }),
  clientLog: flag.boolean('log.enable-sarama', { description: "The Kafka client's own log lines, at debug level." }),
  zookeeperLag: flag.boolean('use.consumelag.zookeeper', {
    description:
      'Not supported: consumer lag is read from Kafka (kafka_exporter reads it from ZooKeeper with this flag).',
  }),
  zookeeper: flag.list('zookeeper.server', { description: 'Not supported (see --use.consumelag.zookeeper).' }),
  serverTls: flag.boolean('server.tls.enabled', { description: 'Not supported: serve TLS with --web.config.file.' }),
}

/** How the exporter reaches the cluster, read and checked once at start. */
export interface KafkaSettings {
  readonly brokers: readonly string[]
  /** Const labels of every Kafka metric (`--kafka.labels`). */
  readonly labels: Readonly<Record<string, string>>
  readonly topics: (topic: string) => boolean
  readonly groups: (group: string) => boolean
  readonly showAll: boolean
  readonly groupWorkers: number
  readonly refreshMetadataMs: number
  readonly ssl: ConnectionOptions | undefined
  readonly sasl: SASLOptions | undefined
  readonly clientLog: boolean
}

/** `cluster=prod,env=eu` as labels; one line naming the flag for anything else. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const pair of text.split(',').filter((item) => item.trim() !== '')) {
    const equals = pair.indexOf('=')
    if (equals < 1) throw new Error(`--kafka.labels: ${JSON.stringify(pair)} is not name=value`)
    labels[pair.slice(0, equals).trim()] = pair.slice(equals + 1).trim()
  }
  return labels
}

function refuse(message: string): never {
  throw new Error(message)
}

/**
 * The flags' TLS options, or undefined without `--tls.enabled` (the files were found readable when the flags were
 * read).
 */
function tlsOptions(context: ExporterContext): ConnectionOptions | undefined {
  if (!context.value(kafkaFlags.tlsEnabled)) return undefined
  const file = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path, 'utf8'))
  const cert = file(context.value(kafkaFlags.tlsCertFile))
  const key = file(context.value(kafkaFlags.tlsKeyFile))
  if ((cert === undefined) !== (key === undefined)) refuse('--tls.cert-file and --tls.key-file go together')
  const serverName = context.value(kafkaFlags.tlsServerName)
  return {
    ca: file(context.value(kafkaFlags.tlsCaFile)),
    cert,
    key,
    rejectUnauthorized: !context.value(kafkaFlags.tlsInsecure),
    ...(serverName ? { servername: serverName } : {}),
  }
}

/** The flags' SASL options, or undefined without `--sasl.enabled`; a mechanism the client cannot speak is refused. */
function saslOptions(context: ExporterContext): KafkaSettings['sasl'] {
  if (!context.value(kafkaFlags.saslEnabled)) return undefined
  const mechanism = context.value(kafkaFlags.saslMechanism)
  if (mechanism !== 'plain' && mechanism !== 'scram-sha256' && mechanism !== 'scram-sha512') {
    refuse(`--sasl.mechanism: ${mechanism} is not supported (kafkajs speaks plain, scram-sha256 and scram-sha512)`)
  }
  const file = context.value(kafkaFlags.saslPasswordFile)
  const password = file === undefined ? context.value(kafkaFlags.saslPassword) : readFileSync(file, 'utf8').trim()
  const username = context.value(kafkaFlags.saslUsername)
  if (username === undefined || password === undefined)
    refuse('--sasl.enabled needs --sasl.username and --sasl.password (or --sasl.password-file)')
  if (mechanism === 'plain') return { mechanism: 'plain', username, password }
  return mechanism === 'scram-sha256'
    ? { mechanism: 'scram-sha-256', username, password }
    : { mechanism: 'scram-sha-512', username, password }
}

/** Reads the Kafka flags; throws one line naming the flag for anything the exporter cannot do. */
export function kafkaSettings(context: ExporterContext): KafkaSettings {
  if (context.value(kafkaFlags.zookeeperLag) || context.value(kafkaFlags.zookeeper).length > 0) {
    refuse(
      '--use.consumelag.zookeeper and --zookeeper.server are not supported: consumer lag is read from Kafka, where ' +
        'consumers commit their offsets',
    )
  }
  if (context.value(kafkaFlags.serverTls))
    refuse('--server.tls.enabled is not supported: serve TLS with --web.config.file (exporter-toolkit web config)')
  for (const [declared, name] of [
    [kafkaFlags.topicWorkers, 'topic.workers'],
    [kafkaFlags.groupWorkers, 'group.workers'],
  ] as const) {
    if (context.value(declared) < 1) refuse(`--${name}: must be at least 1`)
  }
  if (context.value(kafkaFlags.refreshMetadata) === 0) refuse('--refresh.metadata: must be more than 0')
  const [topicFilter, topicExclude, groupFilter, groupExclude] = [
    kafkaFlags.topicFilter,
    kafkaFlags.topicExclude,
    kafkaFlags.groupFilter,
    kafkaFlags.groupExclude,
  ].map((declared) => context.value(declared)) as [RegExp, RegExp, RegExp, RegExp]
  if (context.value(kafkaFlags.saslEnabled) && !context.value(kafkaFlags.saslHandshake)) {
    context.logger.warn(
      '--no-sasl.handshake: kafkajs always sends the SASL handshake; a SASL proxy that refuses it is not supported',
    )
  }
  return {
    brokers: context.value(kafkaFlags.servers),
    labels: parseLabels(context.value(kafkaFlags.labels)),
    topics: (topic) => topicFilter.test(topic) && !topicExclude.test(topic),
    groups: (group) => groupFilter.test(group) && !groupExclude.test(group),
    showAll: context.value(kafkaFlags.showAll),
    groupWorkers: context.value(kafkaFlags.groupWorkers),
    refreshMetadataMs: context.value(kafkaFlags.refreshMetadata),
    ssl: tlsOptions(context),
    sasl: saslOptions(context),
    clientLog: context.value(kafkaFlags.clientLog),
  }
}
