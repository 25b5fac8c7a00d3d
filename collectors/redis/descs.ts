import { Desc } from 'promkit'
import { type InfoMetric, infoFieldTable } from './info-fields.js'

/** An INFO field's descriptor and how its value is read. */
export interface InfoFieldDesc extends InfoMetric {
  readonly desc: Desc
}

/**
 * Every descriptor the Redis collectors emit, built once per namespace, with
 * redis_exporter 1.45's names and labels.
 */
export function redisDescs(namespace: string, includeSystemMetrics: boolean) {
  const desc = (name: string, help: string, variableLabels: string[] = []) =>
    new Desc({ namespace, name, help, variableLabels })
  const master = ['master_host', 'master_port']
  const slave = ['slave_ip', 'slave_port', 'slave_state']
  const infoFields = new Map<string, InfoFieldDesc>()
  for (const [field, metric] of infoFieldTable(includeSystemMetrics)) {
    infoFields.set(field, {
      ...metric,
      desc: desc(metric.metric, `Redis INFO field ${field}${metric.scale === 1 ? '' : ' (in seconds)'}.`),
    })
  }
  // CLUSTER INFO fields (Redis 7.0), all gauges; the two message totals are renamed as redis_exporter renames them.
  const clusterFields = new Map<string, Desc>()
  const messageTypes = [
    'ping',
    'pong',
    'meet',
    'fail',
    'publish',
    'publishshard',
    'auth_req',
    'auth_ack',
    'update',
    'mfstart',
    'module',
  ]
  const clusterNames = [
    ...[
      'state',
      'slots_assigned',
      'slots_ok',
      'slots_pfail',
      'slots_fail',
      'known_nodes',
      'size',
      'current_epoch',
      'my_epoch',
    ].map((field) => `cluster_${field}`),
    ...messageTypes.flatMap((type) => [
      `cluster_stats_messages_${type}_sent`,
      `cluster_stats_messages_${type}_received`,
    ]),
  ]
  for (const field of clusterNames) clusterFields.set(field, desc(field, `CLUSTER INFO field ${field}.`))
  clusterFields.set(
    'cluster_stats_messages_sent',
    desc('cluster_messages_sent_total', 'CLUSTER INFO field cluster_stats_messages_sent.'),
  )
  clusterFields.set(
    'cluster_stats_messages_received',
    desc('cluster_messages_received_total', 'CLUSTER INFO field cluster_stats_messages_received.'),
  )
  const named = {
    up: desc('up', 'Whether the last scrape reached Redis (1) or not (0).'),
    connectTime: desc(
      'exporter_last_scrape_connect_time_seconds',
      'Time taken to get a ready connection to Redis in this scrape.',
    ),
    instanceInfo: desc('instance_info', 'Information about the Redis instance.', [
      'role',
      'redis_version',
      'redis_build_id',
      'redis_mode',
      'os',
      'maxmemory_policy',
      'tcp_port',
      'run_id',
      'process_id',
    ]),
    slaveInfo: desc('slave_info', 'Information about the Redis replica.', [...master, 'read_only']),
    startTime: desc('start_time_seconds', 'Start time of the Redis instance since unix epoch in seconds.'),
    configMaxmemory: desc('config_maxmemory', 'CONFIG maxmemory.'),
    configMaxclients: desc('config_maxclients', 'CONFIG maxclients.'),
    configIoThreads: desc('config_io_threads', 'CONFIG io-threads.'),
    dbKeys: desc('db_keys', 'Total number of keys by DB.', ['db']),
    dbKeysExpiring: desc('db_keys_expiring', 'Total number of expiring keys by DB.', ['db']),
    dbAvgTtl: desc('db_avg_ttl_seconds', 'Average TTL of expiring keys by DB, in seconds.', ['db']),
    commands: desc('commands_total', 'Total number of calls per command.', ['cmd']),
    commandsDuration: desc('commands_duration_seconds_total', 'Total time spent per command, in seconds.', ['cmd']),
    commandsRejected: desc(
      'commands_rejected_calls_total',
      'Calls refused before execution per command (e.g. wrong arity, ACL).',
      ['cmd'],
    ),
    commandsFailed: desc('commands_failed_calls_total', 'Calls that failed during execution per command.', ['cmd']),
    latencyPercentiles: desc(
      'latency_percentiles_usec',
      'Latency percentiles per command, in microseconds (INFO latencystats).',
      ['cmd'],
    ),
    errors: desc('errors_total', 'Total number of error replies per error prefix.', ['err']),
    masterLinkUp: desc('master_link_up', 'Whether the replica is connected to its master.', master),
    masterLastIo: desc('master_last_io_seconds_ago', 'Seconds since the replica last heard from its master.', master),
    masterSyncInProgress: desc('master_sync_in_progress', 'Whether the replica is syncing from its master.', master),
    slaveReplOffset: desc('slave_repl_offset', 'Replication offset of the replica.', master),
    connectedSlaveOffset: desc('connected_slave_offset_bytes', 'Replication offset of a connected replica.', slave),
    connectedSlaveLag: desc('connected_slave_lag_seconds', 'Lag of a connected replica, in seconds.', slave),
    slowlogLength: desc('slowlog_length', 'Entries in the slow log.'),
    slowlogLastId: desc('slowlog_last_id', 'Id of the latest slow log entry.'),
    lastSlowExecution: desc(
      'last_slow_execution_duration_seconds',
      'Duration of the latest slow log entry, in seconds.',
    ),
    latencySpikeLast: desc('latency_spike_last', 'Unix time of the latest latency spike per event (LATENCY LATEST).', [
      'event_name',
    ]),
    latencySpikeDuration: desc(
      'latency_spike_duration_seconds',
      'Duration of the latest latency spike per event, in seconds.',
      ['event_name'],
    ),
  }
  const keys = {
    keySize: desc('key_size', 'Length or size of a checked key (--check-keys, --check-single-keys).', ['db', 'key']),
    keyValue: desc('key_value', 'Value of a checked key holding a number.', ['db', 'key']),
    keysCount: desc('keys_count', 'Keys matching a --count-keys pattern.', ['db', 'key']),
  }
  return {
    ...named,
    ...keys,
    infoFields,
    clusterFields,
    /** What the `redis` collector emits. */
    redis: [...Object.values(named), ...[...infoFields.values()].map((field) => field.desc), ...clusterFields.values()],
    /** What the `keys` collector emits. */
    keys: Object.values(keys),
  }
}

/** The Redis collectors' descriptors. */
export type RedisDescs = ReturnType<typeof redisDescs>
