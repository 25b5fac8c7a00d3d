import { PromkitError, quote } from '../errors.js'

/** A multi-target scrape's target, reduced to what the allow-list matches on. */
export interface TargetAddress {
  /** Host name or IP (IPv6 without brackets), or `unix:<path>` for a socket. */
  readonly host: string
  /** The port as written, or `''` when the target has none. */
  readonly port: string
}

/** Hides the password of a target URL for logs and answers (`redis://:secret@host` → `redis://:***@host`). */
export function redactTarget(target: string): string {
  return target.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*:)[^/@]*@/i, '$1***@')
}

/** Reads the host and port from `host:port`, `scheme://host:port/...` or `unix:///path`. */
export function targetAddress(target: string): TargetAddress | undefined {
  try {
    if (target.startsWith('unix://')) return { host: `unix:${new URL(target).pathname}`, port: '' }
    const url = new URL(target.includes('://') ? target : `scheme://${target}`)
    if (url.hostname === '') return undefined
    return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port }
  } catch {
    return undefined
  }
}

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')
  return new RegExp(`^${escaped}$`, 'i')
}

/**
 * Which targets a multi-target exporter may reach. Each pattern is a host
 * (`redis-*.internal`, `10.0.0.*`, `unix:/run/*`) or host and port
 * (`db.internal:6379`), with `*` matching anything; `*` alone allows every target.
 * An empty list allows none: an exporter must not become a way to reach arbitrary hosts.
 */
export class AllowedTargets {
  private readonly patterns: readonly RegExp[]

  constructor(readonly sources: readonly string[]) {
    this.patterns = sources.map(patternToRegExp)
  }

  /** Throws PROMKIT_ERR_TARGET_REFUSED, saying why, unless the target is allowed. */
  check(target: string | undefined): TargetAddress {
    if (target === undefined || target === '') {
      throw new PromkitError('PROMKIT_ERR_TARGET_REFUSED', 'no target given (want ?target=host:port)')
    }
    const address = targetAddress(target)
    if (address === undefined) throw new PromkitError('PROMKIT_ERR_TARGET_REFUSED', `target ${quote(redactTarget(target))} is not host:port or a URL`)
    const withPort = address.port === '' ? address.host : `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`
    if (!this.patterns.some((pattern) => pattern.test(address.host) || pattern.test(withPort))) {
      const allowed = this.sources.length === 0 ? 'none are allowed until --web.allowed-targets names them' : `allowed: ${this.sources.join(', ')}`
      throw new PromkitError('PROMKIT_ERR_TARGET_REFUSED', `target ${quote(redactTarget(target))} is not allowed (${allowed})`)
    }
    return address
  }
}
