import { BlockList, isIPv4, isIPv6 } from 'node:net'
import { PromkitError, quote } from '../errors.js'

/** A multi-target scrape's target, reduced to what the allow-list matches on. */
export interface TargetAddress {
  /** Host name or IP (IPv6 without brackets), or `unix:<path>` for a socket. */
  readonly host: string
  /** The port as written, or `''` when the target has none. */
  readonly port: string
}

const schemePrefix = /^[a-z][a-z0-9+.-]*:\/\//i

/**
 * Hides the credentials of a target for logs and answers. The userinfo is
 * found the way a URL parser finds it: everything before the last `@` of the
 * authority (which ends at the first `/`, `?`, `#` or `\`), so
 * `redis://:a@b@host` shows as `redis://:***@host`. A user name stays visible
 * only before a `:`; a lone name (which some clients take as the password) is
 * hidden. When an `@` comes after the authority ends (`redis://:pass/word@host`,
 * which a parser refuses or reads as a path), everything up to the last `@` is
 * hidden, so a refused target never echoes what its writer meant as a password.
 */
export function redactTarget(target: string): string {
  const start = schemePrefix.exec(target)?.[0].length ?? 0
  const at = target.lastIndexOf('@')
  if (at < start) return target
  const prefix = target.slice(0, start)
  const rest = target.slice(at + 1)
  const authority = /^[^/?#\\]*/.exec(target.slice(start))?.[0] as string
  if (at >= start + authority.length) return `${prefix}***@${rest}`
  const colon = authority.indexOf(':')
  return colon < 0 || colon > at - start ? `${prefix}***@${rest}` : `${prefix}${authority.slice(0, colon)}:***@${rest}`
}

/** Reads the host and port from `host:port`, `scheme://host:port/...` or `unix:///path`. */
export function targetAddress(target: string): TargetAddress | undefined {
  try {
    if (target.startsWith('unix://')) return { host: `unix:${new URL(target).pathname}`, port: '' }
    const url = new URL(schemePrefix.test(target) ? target : `scheme://${target}`)
    if (url.hostname === '') return undefined
    return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port }
  } catch {
    return undefined
  }
}

/** One allow-list entry, ready to match. */
type Rule = (address: TargetAddress) => boolean

/** A glob whose `*` stays within one piece between separators: one DNS label, one address octet, one path segment. */
function globRegExp(glob: string, separator: '.' | '/'): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, `[^${separator}]*`)
  return new RegExp(`^${escaped}$`, 'i')
}

/** Which IP version an address is written in, or undefined for a name. */
function ipFamily(host: string): 'ipv4' | 'ipv6' | undefined {
  return isIPv4(host) ? 'ipv4' : isIPv6(host) ? 'ipv6' : undefined
}

/**
 * Splits `host`, `host:port`, `[v6]`, `[v6]:port` (and the same with `/prefix` CIDR blocks) into host and port
 * (`undefined`: any).
 */
function splitPattern(pattern: string, fail: (problem: string) => never): { host: string; port: string | undefined } {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(pattern)
  if (bracketed) return { host: bracketed[1] as string, port: bracketed[2] }
  if (isIPv6(pattern) || /^[0-9a-f:]+\/\d+$/i.test(pattern)) return { host: pattern, port: undefined }
  const colon = pattern.lastIndexOf(':')
  if (colon < 0) return { host: pattern, port: undefined }
  if (pattern.indexOf(':') !== colon) fail('an IPv6 address with a port goes in brackets: [::1]:6379')
  return { host: pattern.slice(0, colon), port: pattern.slice(colon + 1) }
}

/** Turns one `--web.allowed-targets` entry into a rule; refuses what it cannot mean safely. */
function parseRule(pattern: string): Rule {
  const fail = (problem: string): never => {
    throw new PromkitError('PROMKIT_ERR_INVALID_FLAG', `--web.allowed-targets: ${quote(pattern)}: ${problem}`)
  }
  if (pattern === '*') return () => true
  if (pattern.includes('://')) fail('write the host (and port) to allow, not a URL')
  if (pattern.startsWith('unix:')) {
    const path = globRegExp(pattern, '/')
    return (address) => path.test(address.host)
  }
  const { host, port } = splitPattern(pattern, fail)
  if (port !== undefined && port !== '*' && !/^\d{1,5}$/.test(port))
    fail(`the port ${quote(port)} must be a number or * (any port)`)
  const portMatches = (target: string): boolean => port === undefined || port === '*' || target === port
  const cidr = /^(.+)\/(\d{1,3})$/.exec(host)
  if (cidr) {
    const [, network, prefix] = cidr as unknown as [string, string, string]
    const family =
      ipFamily(network) ?? fail(`${quote(network)} is not an IP address (want a CIDR block such as 10.0.0.0/24)`)
    if (Number(prefix) > (family === 'ipv4' ? 32 : 128))
      fail(
        `the prefix length /${prefix} is too long for ` +
          `${family === 'ipv4' ? 'IPv4 (at most 32)' : 'IPv6 (at most 128)'}`,
      )
    const block = new BlockList()
    block.addSubnet(network, Number(prefix), family)
    return (address) => {
      const targetFamily = ipFamily(address.host)
      return targetFamily !== undefined && block.check(address.host, targetFamily) && portMatches(address.port)
    }
  }
  if (host.includes(':')) {
    if (!isIPv6(host)) fail('is not an IPv6 address (for ranges, write a CIDR block such as fd00::/8)')
    const normalized = (targetAddress(`[${host}]`) as TargetAddress).host
    return (address) => address.host === normalized && portMatches(address.port)
  }
  if (host === '' || !/^[a-z0-9*_.-]+$/i.test(host))
    fail('want a host name, an IP address, a CIDR block or unix:/path, each with an optional :port')
  const name = globRegExp(host, '.')
  return (address) => name.test(address.host) && portMatches(address.port)
}

/**
 * Which targets a multi-target exporter may reach. Each pattern is a host
 * (`redis-*.internal`, `10.0.0.*`), a CIDR block (`10.0.0.0/24`,
 * `[fd00::/8]`), or a socket path (`unix:/run/*`), each optionally with a port
 * (`db.internal:6379`, `10.0.0.0/24:*`). A `*` matches within one DNS label,
 * address octet or path segment: `10.0.0.*` admits `10.0.0.7` but not
 * `10.0.0.7.attacker.example`. `*` alone allows every target. An empty list
 * allows none: an exporter must not become a way to reach arbitrary hosts.
 * A pattern that cannot be read is refused when the list is built.
 */
export class AllowedTargets {
  private readonly rules: readonly Rule[]

  constructor(readonly sources: readonly string[]) {
    this.rules = sources.map(parseRule)
  }

  /** Throws PROMKIT_ERR_TARGET_REFUSED, saying why, unless the target is allowed. */
  check(target: string | undefined): TargetAddress {
    if (target === undefined || target === '') {
      throw new PromkitError('PROMKIT_ERR_TARGET_REFUSED', 'no target given (want ?target=host:port)')
    }
    const address = targetAddress(target)
    if (address === undefined)
      throw new PromkitError(
        'PROMKIT_ERR_TARGET_REFUSED',
        `target ${quote(redactTarget(target))} is not host:port or a URL`,
      )
    if (!this.rules.some((rule) => rule(address))) {
      const allowed =
        this.sources.length === 0
          ? 'none are allowed until --web.allowed-targets names them'
          : `allowed: ${this.sources.join(', ')}`
      throw new PromkitError(
        'PROMKIT_ERR_TARGET_REFUSED',
        `target ${quote(redactTarget(target))} is not allowed (${allowed})`,
      )
    }
    return address
  }
}
