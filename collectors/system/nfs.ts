import { type Collector, Desc, type Metric, constMetric } from 'promkit'
import type { CollectorDefinition, ExporterContext } from 'promkit/exporter'
import { lines, number, readOptional, systemPaths } from './paths.js'

/** The lines of /proc/net/rpc/nfs or nfsd: each line's name (`net`, `rpc`, `proc3`, …) and its numbers. */
export function parseRpcStats(text: string, file: string): Map<string, number[]> {
  return new Map(
    lines(text).map((line) => {
      const [name, ...values] = line.split(/\s+/) as [string, ...string[]]
      return [name, values.map((value, index) => number(value, file, `${name} field ${index + 1}`))]
    }),
  )
}

/** The procedures of NFS versions 2 and 3, in the order of their `proc2` and `proc3` counts (after the count). */
const v2 =
  'Null GetAttr SetAttr Root Lookup ReadLink Read WrCache Write Create Remove Rename Link SymLink MkDir RmDir ' +
  'ReadDir FsStat'
const v3 =
  'Null GetAttr SetAttr Lookup Access ReadLink Read Write Create MkDir SymLink MkNod Remove RmDir Rename Link ' +
  'ReadDir ReadDirPlus FsStat FsInfo PathConf Commit'
/** A client's NFSv4 operations, in the order of its `proc4` counts, as node_exporter's procfs names them. */
const clientV4 =
  'Null Read Write Commit Open OpenConfirm OpenNoattr OpenDowngrade Close Setattr FsInfo Renew SetClientID ' +
  'SetClientIDConfirm Lock Lockt Locku Access Getattr Lookup LookupRoot Remove Rename Link Symlink Create Pathconf ' +
  'StatFs ReadLink ReadDir ServerCaps DelegReturn GetACL SetACL FsLocations ReleaseLockowner Secinfo FsidPresent ' +
  'ExchangeID CreateSession DestroySession Sequence GetLeaseTime ReclaimComplete GetDeviceInfo LayoutGet ' +
  'LayoutCommit LayoutReturn SecinfoNoName TestStateID FreeStateID GetDeviceList BindConnToSession DestroyClientID ' +
  'Seek Allocate DeAllocate LayoutStats Clone'
/** A server's NFSv4 operations, by their index in `proc4ops` (`-`: one node_exporter does not give). */
const serverV4 =
  '- - - Access Close Commit Create DelegPurge DelegReturn GetAttr GetFH Link Lock Lockt Locku Lookup LookupRoot ' +
  'Nverify Open OpenAttr OpenConfirm OpenDgrd PutFH - - Read ReadDir ReadLink Remove Rename Renew RestoreFH SaveFH ' +
  'SecInfo SetAttr SetClientID SetClientIDConfirm Verify Write RelLockOwner'

/**
 * The request counts of one `procN` line, by procedure (the line's first number is how many follow); a procedure a
 * shorter line lacks counts 0, one named `-`, or `Null` when `withNull` is false (nfsd), is left out.
 */
export function requests(
  values: readonly number[] | undefined,
  names: string,
  withNull = true,
): (readonly [string, number])[] {
  if (values === undefined) return []
  return names
    .split(' ')
    .flatMap((name, index) =>
      name === '-' || (name === 'Null' && !withNull) ? [] : [[name, values[index + 1] ?? 0] as const],
    )
}

/** A collector reading one /proc/net/rpc file, emitting what `metrics` makes of its lines; nothing without the file. */
function rpcCollector(
  name: 'nfs' | 'nfsd',
  metrics: (context: ExporterContext) => { descs: Desc[]; from(stats: Map<string, number[]>): Metric[] },
): CollectorDefinition {
  return {
    name,
    defaultEnabled: true,
    create(context): Collector {
      const paths = systemPaths(context)
      const { descs, from } = metrics(context)
      return {
        describe: () => descs,
        async collect(emit) {
          const file = paths.proc('net', 'rpc', name)
          const text = await readOptional(file)
          if (text === undefined) return
          for (const metric of from(parseRpcStats(text, file))) emit(metric)
        },
      }
    },
  }
}

/** A desc maker for one subsystem. */
const descMaker = (context: ExporterContext, subsystem: string) => (name: string, help: string, labels?: string[]) =>
  new Desc({ namespace: context.namespace, subsystem, name, help, variableLabels: labels })

/**
 * node_exporter's nfs collector, the NFS client's /proc/net/rpc/nfs: packets by protocol and TCP connections, RPCs,
 * retransmissions and authentication refreshes, and `node_nfs_requests_total{proto,method}` for NFS 2, 3 and 4.
 */
export const nfsCollector = rpcCollector('nfs', (context) => {
  const desc = descMaker(context, 'nfs')
  const packets = desc('packets_total', 'Total NFSd network packets (sent+received) by protocol type.', ['protocol'])
  const connections = desc('connections_total', 'Total number of NFSd TCP connections.')
  const rpcs = desc('rpcs_total', 'Total number of RPCs performed.')
  const retransmissions = desc('rpc_retransmissions_total', 'Number of RPC transmissions performed.')
  const refreshes = desc('rpc_authentication_refreshes_total', 'Number of RPC authentication refreshes performed.')
  const calls = desc('requests_total', 'Number of NFS procedures invoked.', ['proto', 'method'])
  return {
    descs: [packets, connections, rpcs, retransmissions, refreshes, calls],
    from(stats) {
      const [, udp = 0, tcp = 0, tcpConnections = 0] = stats.get('net') ?? []
      const [rpcCount = 0, retransmitted = 0, refreshed = 0] = stats.get('rpc') ?? []
      return [
        constMetric(packets, 'counter', udp, ['udp']),
        constMetric(packets, 'counter', tcp, ['tcp']),
        constMetric(connections, 'counter', tcpConnections),
        constMetric(rpcs, 'counter', rpcCount),
        constMetric(retransmissions, 'counter', retransmitted),
        constMetric(refreshes, 'counter', refreshed),
        ...(
          [
            ['2', requests(stats.get('proc2'), v2)],
            ['3', requests(stats.get('proc3'), v3)],
            ['4', requests(stats.get('proc4'), clientV4)],
          ] as const
        ).flatMap(([proto, counts]) =>
          counts.map(([method, count]) => constMetric(calls, 'counter', count, [proto, method])),
        ),
      ]
    },
  }
})

/**
 * node_exporter's nfsd collector, the NFS server's /proc/net/rpc/nfsd: reply cache, stale file handles, disk bytes,
 * threads, read-ahead cache, packets, RPCs and their errors, and `node_nfsd_requests_total{proto,method}` for NFS 2, 3
 * and 4 (4 by operation).
 */
export const nfsdCollector = rpcCollector('nfsd', (context) => {
  const desc = descMaker(context, 'nfsd')
  const replyCache = {
    hits: desc('reply_cache_hits_total', 'Total number of NFSd Reply Cache hits (client lost server response).'),
    misses: desc(
      'reply_cache_misses_total',
      'Total number of NFSd Reply Cache an operation that requires caching (idempotent).',
    ),
    nocache: desc(
      'reply_cache_nocache_total',
      'Total number of NFSd Reply Cache non-idempotent operations (rename/delete/…).',
    ),
  }
  const stale = desc('file_handles_stale_total', 'Total number of NFSd stale file handles')
  const read = desc('disk_bytes_read_total', 'Total NFSd bytes read.')
  const written = desc('disk_bytes_written_total', 'Total NFSd bytes written.')
  const threads = desc('server_threads', 'Total number of NFSd kernel threads that are running.')
  const readAheadSize = desc('read_ahead_cache_size_blocks', 'How large the read ahead cache is in blocks.')
  const readAheadMisses = desc('read_ahead_cache_not_found_total', 'Total number of NFSd read ahead cache not found.')
  const packets = desc('packets_total', 'Total NFSd network packets (sent+received) by protocol type.', ['proto'])
  const connections = desc('connections_total', 'Total number of NFSd TCP connections.')
  const rpcs = desc('server_rpcs_total', 'Total number of NFSd RPCs.')
  const rpcErrors = desc('rpc_errors_total', 'Total number of NFSd RPC errors by error type.', ['error'])
  const calls = desc('requests_total', 'Total number NFSd Requests by method and protocol.', ['proto', 'method'])
  return {
    descs: [
      ...Object.values(replyCache),
      stale,
      read,
      written,
      threads,
      readAheadSize,
      readAheadMisses,
      packets,
      connections,
      rpcs,
      rpcErrors,
      calls,
    ],
    from(stats) {
      const [hits = 0, misses = 0, nocache = 0] = stats.get('rc') ?? []
      const [bytesRead = 0, bytesWritten = 0] = stats.get('io') ?? []
      const readAhead = stats.get('ra') ?? []
      const [, udp = 0, tcp = 0, tcpConnections = 0] = stats.get('net') ?? []
      const [rpcCount = 0, , badFormat = 0, badAuth = 0, badClient = 0] = stats.get('rpc') ?? []
      // proc4ops' first number is how many operations follow; requests() skips it.
      const delegations = stats.get('wdeleg_getattr')?.[0]
      const v4: (readonly [string, number])[] = [
        ...requests(stats.get('proc4ops'), serverV4),
        ...(delegations === undefined ? [] : [['WdelegGetattr', delegations] as const]),
      ]
      return [
        constMetric(replyCache.hits, 'counter', hits),
        constMetric(replyCache.misses, 'counter', misses),
        constMetric(replyCache.nocache, 'counter', nocache),
        constMetric(stale, 'counter', stats.get('fh')?.[0] ?? 0),
        constMetric(read, 'counter', bytesRead),
        constMetric(written, 'counter', bytesWritten),
        constMetric(threads, 'gauge', stats.get('th')?.[0] ?? 0),
        constMetric(readAheadSize, 'gauge', readAhead[0] ?? 0),
        constMetric(readAheadMisses, 'counter', readAhead[readAhead.length - 1] ?? 0),
        constMetric(packets, 'counter', udp, ['udp']),
        constMetric(packets, 'counter', tcp, ['tcp']),
        constMetric(connections, 'counter', tcpConnections),
        constMetric(rpcs, 'counter', rpcCount),
        constMetric(rpcErrors, 'counter', badFormat, ['fmt']),
        constMetric(rpcErrors, 'counter', badAuth, ['auth']),
        constMetric(rpcErrors, 'counter', badClient, ['cInt']),
        ...(
          [
            ['2', requests(stats.get('proc2'), v2, false)],
            ['3', requests(stats.get('proc3'), v3, false)],
            ['4', v4],
          ] as const
        ).flatMap(([proto, counts]) =>
          counts.map(([method, count]) => constMetric(calls, 'counter', count, [proto, method])),
        ),
      ]
    },
  }
})
