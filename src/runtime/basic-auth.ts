import { createHash } from 'node:crypto'
import { BcryptWorker } from './bcrypt-worker.js'

/** Credentials that passed, remembered so bcrypt runs once per user and password, not per scrape. */
const grantedLimit = 64
/** Credentials that failed, remembered so a client retrying a wrong password costs one bcrypt, not one per request. */
const deniedLimit = 1024
/**
 * Comparisons allowed to wait for the worker; past this a request with credentials not seen before is refused at once.
 */
const queueLimit = 32

/** What compares a password with a bcrypt hash: the worker, or a stand-in in tests. */
export interface BcryptComparer {
  /** Comparisons waiting for an answer. */
  readonly pending: number
  compare(password: string, hash: string): Promise<boolean>
}

/** One worker for every BasicAuth of the process (a reloaded web config makes a new BasicAuth). */
const sharedWorker = new BcryptWorker()

/** A set of at most `limit` keys that forgets the least recently used. */
class RecentKeys {
  private readonly keys = new Set<string>()

  constructor(private readonly limit: number) {}

  has(key: string): boolean {
    if (!this.keys.delete(key)) return false
    this.keys.add(key)
    return true
  }

  add(key: string): void {
    this.keys.add(key)
    if (this.keys.size > this.limit) this.keys.delete(this.keys.values().next().value as string)
  }
}

/** The cost a bcrypt hash was made with (`$2b$12$...` → 12). */
function cost(hash: string): number {
  return Number(hash.split('$')[2])
}

/**
 * Checks `Authorization: Basic` headers against bcrypt hashes (exporter-toolkit's
 * `basic_auth_users`), hardened for an exporter anyone can reach:
 * - an unknown user is compared against the configured hash of the highest
 *   cost and refused whatever the result, so the time taken does not say
 *   which users exist;
 * - both outcomes are remembered (as digests, in separate bounded sets, so a
 *   flood of wrong passwords cannot push out the good ones);
 * - bcrypt runs on a worker thread with a bounded queue, so a flood of wrong
 *   passwords neither blocks the event loop nor grows without end: an
 *   authorised scrape whose credentials are remembered stays fast.
 */
export class BasicAuth {
  private readonly granted = new RecentKeys(grantedLimit)
  private readonly denied = new RecentKeys(deniedLimit)
  /** Comparisons in progress by credentials, so concurrent identical requests share one. */
  private readonly comparing = new Map<string, Promise<boolean>>()
  /** The hash an unknown user is compared against. */
  private readonly decoy: string | undefined

  constructor(
    private readonly users: ReadonlyMap<string, string>,
    private readonly bcrypt: BcryptComparer = sharedWorker,
  ) {
    this.decoy = [...users.values()].sort((a, b) => cost(b) - cost(a))[0]
  }

  /** Whether the server asks for credentials at all. */
  get enabled(): boolean {
    return this.users.size > 0
  }

  /** Resolves to the user name when the header carries valid credentials, else undefined. */
  async check(header: string | undefined): Promise<string | undefined> {
    const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? '')
    const decoded = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : ''
    const colon = decoded.indexOf(':')
    if (colon < 0) return undefined
    const user = decoded.slice(0, colon)
    const password = decoded.slice(colon + 1)
    const hash = this.users.get(user)
    const key = createHash('sha256')
      .update(`${user}\0${password}\0${hash ?? ''}`)
      .digest('base64')
    if (this.granted.has(key)) return user
    if (this.denied.has(key)) return undefined
    const ok = await this.compare(key, password, hash ?? (this.decoy as string))
    if (ok === undefined) return undefined
    if (ok && hash !== undefined) {
      this.granted.add(key)
      return user
    }
    this.denied.add(key)
    return undefined
  }

  /** The comparison's result, or undefined when it could not be made (queue full, worker stopped). */
  private async compare(key: string, password: string, hash: string): Promise<boolean | undefined> {
    let comparing = this.comparing.get(key)
    if (comparing === undefined) {
      if (this.bcrypt.pending >= queueLimit) return undefined
      comparing = this.bcrypt.compare(password, hash).finally(() => this.comparing.delete(key))
      this.comparing.set(key, comparing)
    }
    return comparing.catch(() => undefined)
  }
}
