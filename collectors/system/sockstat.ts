import { type Collector, Desc, cachedDescs, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { lines, number, readOptional, systemPaths } from './paths.js'

/** The kernel's page size: what /proc/net/sockstat counts `mem` in (4 KiB on x86 and most arm64 kernels). */
const pageBytes = 4096

/** Parses /proc/net/sockstat or sockstat6: `PROTO: key value key value …` lines, into `PROTO_key` → value. */
export function parseSockstat(text: string, file: string): Map<string, number> {
  const fields = new Map<string, number>()
  for (const line of lines(text)) {
    const [label, ...pairs] = line.split(/\s+/)
    const protocol = (label as string).replace(/:$/, '')
    if (pairs.length % 2 !== 0)
      throw new Error(`couldn't parse ${file}: ${JSON.stringify(line)} has a key without a value`)
    for (let index = 0; index < pairs.length; index += 2) {
      const key = pairs[index] as string
      const value = number(pairs[index + 1], file, `${protocol} ${key}`)
      fields.set(`${protocol}_${key}`, value)
      if (key === 'mem') fields.set(`${protocol}_mem_bytes`, value * pageBytes)
    }
  }
  return fields
}

/** `node_sockstat_<PROTO>_<state>` from /proc/net/sockstat and sockstat6, `_mem_bytes` in bytes, as node_exporter. */
export const sockstatCollector: CollectorDefinition = {
  name: 'sockstat',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const descFor = cachedDescs((field) => {
      const [protocol, state] =
        field === 'sockets_used' ? ['IPv4', ''] : [field.split('_')[0], field.slice(field.indexOf('_') + 1)]
      return new Desc({
        namespace: context.namespace,
        subsystem: 'sockstat',
        name: field,
        help:
          state === '' ? `Number of ${protocol} sockets in use.` : `Number of ${protocol} sockets in state ${state}.`,
      })
    })
    return {
      // Which protocols are listed depends on the kernel: unchecked.
      describe: () => [],
      async collect(emit) {
        const [v4, v6] = await Promise.all([
          readOptional(paths.proc('net', 'sockstat')),
          readOptional(paths.proc('net', 'sockstat6')),
        ])
        const fields = new Map([
          ...(v4 === undefined ? [] : parseSockstat(v4, '/proc/net/sockstat')),
          ...(v6 === undefined ? [] : parseSockstat(v6, '/proc/net/sockstat6')),
        ])
        for (const [field, value] of fields) emit(constMetric(descFor(field), 'gauge', value))
      },
    }
  },
}
