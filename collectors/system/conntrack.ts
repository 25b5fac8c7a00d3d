import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { lines, number, readOptional, systemPaths } from './paths.js'

/** The per-CPU counters of /proc/net/stat/nf_conntrack that node_exporter reports, with its help. */
const statistics = {
  found: 'Number of searched entries which were successful.',
  invalid: 'Number of packets seen which can not be tracked.',
  ignore: 'Number of packets seen which are already connected to a conntrack entry.',
  insert: 'Number of entries inserted into the list.',
  insert_failed: 'Number of entries for which list insertion was attempted but failed.',
  drop: 'Number of packets dropped due to conntrack failure.',
  early_drop: 'Number of dropped conntrack entries to make room for new ones, if maximum table size was reached.',
  search_restart: 'Number of conntrack table lookups which had to be restarted due to hashtable resizes.',
}

/** Parses /proc/net/stat/nf_conntrack: a header line, then a line of hexadecimal counters per CPU, summed. */
export function parseConntrackStat(text: string): Map<string, number> {
  const [header, ...rows] = lines(text)
  const names = (header ?? '').split(/\s+/)
  const sums = new Map<string, number>()
  for (const row of rows) {
    const values = row.split(/\s+/)
    if (values.length !== names.length) {
      throw new Error(
        `couldn't parse /proc/net/stat/nf_conntrack: ${values.length} columns under ${names.length} names`,
      )
    }
    names.forEach((name, column) => {
      const value = Number.parseInt(values[column] as string, 16)
      if (Number.isNaN(value)) throw new Error(`couldn't parse /proc/net/stat/nf_conntrack: ${name} is not hexadecimal`)
      sums.set(name, (sums.get(name) ?? 0) + value)
    })
  }
  return sums
}

/**
 * `node_nf_conntrack_entries`, `_entries_limit` and `node_nf_conntrack_stat_*` (summed over CPUs), as node_exporter
 * has them; no data on a machine without netfilter's conntrack.
 */
export const conntrackCollector: CollectorDefinition = {
  name: 'conntrack',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const desc = (name: string, help: string) =>
      new Desc({ namespace: context.namespace, subsystem: 'nf_conntrack', name, help })
    const entries = desc('entries', 'Number of currently allocated flow entries for connection tracking.')
    const limit = desc('entries_limit', 'Maximum size of connection tracking table.')
    const stats = Object.entries(statistics).map(([name, help]) => [name, desc(`stat_${name}`, help)] as const)
    const netfilter = (file: string) => readOptional(paths.proc('sys', 'net', 'netfilter', file))
    return {
      describe: () => [entries, limit, ...stats.map(([, family]) => family)],
      async collect(emit) {
        const [count, max, stat] = await Promise.all([
          netfilter('nf_conntrack_count'),
          netfilter('nf_conntrack_max'),
          readOptional(paths.proc('net', 'stat', 'nf_conntrack')),
        ])
        if (count === undefined || max === undefined) {
          return context.logger.debug('no /proc/sys/net/netfilter/nf_conntrack_*: the conntrack collector has no data')
        }
        emit(constMetric(entries, 'gauge', number(count.trim(), 'nf_conntrack_count', 'entries')))
        emit(constMetric(limit, 'gauge', number(max.trim(), 'nf_conntrack_max', 'limit')))
        if (stat === undefined) return
        const sums = parseConntrackStat(stat)
        for (const [name, family] of stats) emit(constMetric(family, 'gauge', sums.get(name) ?? 0))
      },
    }
  },
}
