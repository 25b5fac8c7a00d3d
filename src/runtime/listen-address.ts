import { isIP } from 'node:net'
import { PromkitError, quote } from '../errors.js'

/** Where one server listens. `host` is undefined for every interface. */
export interface ListenAddress {
  readonly host: string | undefined
  readonly port: number
}

/**
 * Parses `host:port`, `:port` (every interface) or `[ipv6]:port`, as Go's
 * net.Listen takes them; `what` names the flag in the error.
 */
export function parseListenAddress(text: string, what: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text)
  const port = Number(match?.[3])
  const host = match?.[1] ?? match?.[2]
  if (!match || port > 65535 || (match[1] !== undefined && isIP(match[1]) !== 6)) {
    throw new PromkitError(
      'PROMKIT_ERR_INVALID_FLAG',
      `${what}: ${quote(text)} is not a listen address (want host:port, :port or [ipv6]:port)`,
    )
  }
  return { host: host === '' ? undefined : host, port }
}

/** How an address reads in logs and URLs. */
export function formatListenAddress(address: ListenAddress): string {
  const host = address.host === undefined ? '' : address.host.includes(':') ? `[${address.host}]` : address.host
  return `${host}:${address.port}`
}
