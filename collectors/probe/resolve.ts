import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import type { IpProtocol } from './config.js'
import { ProbeFailure } from './failure.js'

/** A target's name resolved to the address a probe connects to. */
export interface ResolvedTarget {
  readonly address: string
  /** 4 or 6: `probe_ip_protocol`. */
  readonly family: 4 | 6
  /** `probe_dns_lookup_time_seconds`. */
  readonly lookupSeconds: number
}

/** How a name is resolved to one address of one IP version: node:dns' `lookup` (getaddrinfo). */
export type AddressLookup = (host: string, options: { family: 4 | 6 }) => Promise<{ address: string }>

/**
 * Resolves `host` as blackbox_exporter does: to the preferred IP version
 * first, then (with `fallback`) to the other; an IP address stands for itself.
 * The system resolver is asked (getaddrinfo: /etc/hosts, then DNS), as Go's
 * resolver does by default on Linux.
 */
export async function resolveTarget(
  host: string,
  preferred: IpProtocol,
  fallback: boolean,
  lookupAddress: AddressLookup = lookup,
): Promise<ResolvedTarget> {
  const started = performance.now()
  const literal = isIP(host)
  if (literal !== 0) return { address: host, family: literal as 4 | 6, lookupSeconds: 0 }
  const first = preferred === 'ip6' ? 6 : 4
  const families: (4 | 6)[] = fallback ? [first, first === 6 ? 4 : 6] : [first]
  let lastError: unknown
  for (const family of families) {
    try {
      const { address } = await lookupAddress(host, { family })
      return { address, family, lookupSeconds: (performance.now() - started) / 1000 }
    } catch (error) {
      lastError = error
    }
  }
  throw new ProbeFailure('dns', `resolving ${host}: ${(lastError as NodeJS.ErrnoException).code}`)
}

/**
 * A server's host and port from `host:port` or `[v6]:port`; with a `defaultPort`, also from a host or IPv6 address
 * alone (the dns and grpc probers), without one the port is required (the tcp prober).
 */
export function serverAddress(target: string, defaultPort?: number): { host: string; port: number } {
  const refused = (problem: string) => new ProbeFailure('invalid_target', `${JSON.stringify(target)}${problem}`)
  const notHostPort = ' is not host:port'
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(target)
  if (match) {
    const port = Number(match[3])
    if (port < 1 || port > 65_535) throw refused(defaultPort === undefined ? notHostPort : ': bad port')
    return { host: (match[1] ?? match[2]) as string, port }
  }
  if (defaultPort === undefined) throw refused(notHostPort)
  const bracketed = /^\[([^\]]+)\]$/.exec(target)
  const host = bracketed ? (bracketed[1] as string) : target
  if (host === '' || (host.includes(':') && isIP(host) !== 6)) throw refused(' is not a host, host:port or IP address')
  return { host, port: defaultPort }
}

/**
 * `probe_ip_addr_hash`: FNV-1a (32 bits) of the address's bytes, four for
 * IPv4 and sixteen for IPv6, as blackbox_exporter hashes Go's net.IP, so the
 * two exporters give equal values and a change of address shows as a change.
 */
export function ipAddressHash(address: string): number {
  let hash = 0x811c9dc5
  for (const byte of addressBytes(address)) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

function addressBytes(address: string): number[] {
  if (isIP(address) === 4) return address.split('.').map(Number)
  // Expand `::` to the missing zero groups, then write each group as two bytes.
  const [head = '', tail] = address.split('::') as [string, string | undefined]
  const groups = (text: string) => (text === '' ? [] : text.split(':'))
  const written = [...groups(head), ...(tail === undefined ? [] : groups(tail))]
  const zeros = new Array<string>(8 - written.length).fill('0')
  const all = tail === undefined ? written : [...groups(head), ...zeros, ...groups(tail)]
  return all.flatMap((group) => {
    const value = Number.parseInt(group, 16)
    return [value >> 8, value & 0xff]
  })
}
