import { type Emit, constMetric, constSummary } from 'promkit'
import type { RedisDescs } from './descs.js'
import { type InfoField, infoNumber, parseAttributes, parseInfo } from './info.js'

const masterHostKey = /^master(_\d+)?_host$/
const masterPortKey = /^master(_\d+)?_port$/
const masterLinkKey = /^master(_\d+)?_link_status$/
const masterLastIoKey = /^master(_\d+)?_last_io_seconds_ago$/
const masterSyncKey = /^master(_\d+)?_sync_in_progress$/
const replicaKey = /^slave\d+$/

/** What a scrape knows besides INFO. */
export interface InfoContext {
  /** CONFIG `databases`: db_keys and db_keys_expiring are 0 for each database INFO leaves out. */
  readonly databases: number
  /** Seconds since the epoch, for start_time_seconds. */
  readonly nowSeconds: number
}

/** Latency percentiles of one command: `p50=1.003,p99=...` → [[0.5, 1.003], ...]. */
function percentiles(value: string): [number, number][] {
  return [...parseAttributes(value)].map(([key, text]) => [Number(`${key.slice(1)}e-2`), Number(text)])
}

/**
 * Emits the metrics INFO ALL yields: mapped fields, keyspace, commandstats, latencystats, errorstats, replication,
 * instance info (its labels are INFO fields of the same names).
 */
export function emitInfoMetrics(
  fields: readonly InfoField[],
  descs: RedisDescs,
  emit: Emit,
  context: InfoContext,
): void {
  const values = new Map<string, string>()
  const commandStats = new Map<string, Map<string, string>>()
  const latency = new Map<string, [number, number][]>()
  const seenDbs = new Set<string>()
  let masterHost = ''
  let masterPort = ''
  for (const { section, key, value } of fields) {
    values.set(key, value)
    if (masterHostKey.test(key)) masterHost = value
    if (masterPortKey.test(key)) masterPort = value
    if (section === 'Keyspace') {
      const attributes = parseAttributes(value)
      seenDbs.add(key)
      emit(constMetric(descs.dbKeys, 'gauge', Number(attributes.get('keys')), [key]))
      emit(constMetric(descs.dbKeysExpiring, 'gauge', Number(attributes.get('expires')), [key]))
      if (attributes.has('avg_ttl'))
        emit(constMetric(descs.dbAvgTtl, 'gauge', Number(attributes.get('avg_ttl')) / 1000, [key]))
      continue
    }
    if (section === 'Commandstats') {
      if (key.startsWith('cmdstat_')) commandStats.set(key.slice('cmdstat_'.length), parseAttributes(value))
      continue
    }
    if (section === 'Latencystats') {
      if (key.startsWith('latency_percentiles_usec_'))
        latency.set(key.slice('latency_percentiles_usec_'.length), percentiles(value))
      continue
    }
    if (section === 'Errorstats') {
      if (key.startsWith('errorstat_'))
        emit(
          constMetric(descs.errors, 'counter', Number(parseAttributes(value).get('count')), [
            key.slice('errorstat_'.length),
          ]),
        )
      continue
    }
    if (section === 'Replication' && emitReplication(key, value, [masterHost, masterPort], descs, emit)) continue
    if (key === 'uptime_in_seconds') emit(constMetric(descs.startTime, 'gauge', context.nowSeconds - Number(value)))
    const field = descs.infoFields.get(key)
    const number = field && infoNumber(value)
    if (field && number !== undefined) emit(constMetric(field.desc, field.type, number * field.scale))
  }
  for (const [command, stats] of commandStats) {
    const calls = Number(stats.get('calls'))
    const usec = Number(stats.get('usec'))
    emit(constMetric(descs.commands, 'counter', calls, [command]))
    emit(constMetric(descs.commandsDuration, 'counter', usec / 1e6, [command]))
    if (stats.has('rejected_calls'))
      emit(constMetric(descs.commandsRejected, 'counter', Number(stats.get('rejected_calls')), [command]))
    if (stats.has('failed_calls'))
      emit(constMetric(descs.commandsFailed, 'counter', Number(stats.get('failed_calls')), [command]))
    const quantiles = latency.get(command)
    if (quantiles) emit(constSummary(descs.latencyPercentiles, { count: calls, sum: usec, quantiles }, [command]))
  }
  for (let db = 0; db < context.databases; db++) {
    if (seenDbs.has(`db${db}`)) continue
    emit(constMetric(descs.dbKeys, 'gauge', 0, [`db${db}`]))
    emit(constMetric(descs.dbKeysExpiring, 'gauge', 0, [`db${db}`]))
  }
  emit(
    constMetric(
      descs.instanceInfo,
      'gauge',
      1,
      descs.instanceInfo.variableLabels.map((label) => values.get(label) ?? ''),
    ),
  )
  if (values.get('role') === 'slave') {
    emit(
      constMetric(descs.slaveInfo, 'gauge', 1, [
        values.get('master_host') ?? '',
        values.get('master_port') ?? '',
        values.get('slave_read_only') ?? '',
      ]),
    )
  }
}

/** The Replication lines that carry labels; true when the line was one of them. */
function emitReplication(key: string, value: string, master: [string, string], descs: RedisDescs, emit: Emit): boolean {
  if (masterLinkKey.test(key)) emit(constMetric(descs.masterLinkUp, 'gauge', value === 'up' ? 1 : 0, master))
  else if (masterLastIoKey.test(key)) emit(constMetric(descs.masterLastIo, 'gauge', Number(value), master))
  else if (masterSyncKey.test(key)) emit(constMetric(descs.masterSyncInProgress, 'gauge', Number(value), master))
  else if (key === 'slave_repl_offset') emit(constMetric(descs.slaveReplOffset, 'gauge', Number(value), master))
  else if (replicaKey.test(key)) {
    const replica = parseAttributes(value)
    const labels = [replica.get('ip') ?? '', replica.get('port') ?? '', replica.get('state') ?? '']
    emit(constMetric(descs.connectedSlaveOffset, 'gauge', Number(replica.get('offset')), labels))
    if (replica.has('lag')) emit(constMetric(descs.connectedSlaveLag, 'gauge', Number(replica.get('lag')), labels))
  } else return false
  return true
}

/**
 * Emits the CLUSTER INFO fields redis_exporter exports, as gauges (`cluster_state:ok` is 1); `-` in a field name reads
 * as `_`.
 */
export function emitClusterInfo(text: string, descs: RedisDescs, emit: Emit): void {
  for (const { key, value } of parseInfo(text)) {
    const desc = descs.clusterFields.get(key.replace(/-/g, '_'))
    const number = infoNumber(value)
    if (desc && number !== undefined) emit(constMetric(desc, 'gauge', number))
  }
}
