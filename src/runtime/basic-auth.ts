import { createHash, timingSafeEqual } from 'node:crypto'
import bcrypt from 'bcryptjs'

/** At most this many successful logins are remembered, so bcrypt runs once per user and password, not per scrape. */
const cacheLimit = 64

/**
 * Checks `Authorization: Basic` headers against bcrypt hashes (exporter-toolkit's
 * `basic_auth_users`). An unknown user costs one bcrypt comparison too, so the
 * answer takes about as long as for a wrong password and does not reveal which
 * users exist.
 */
export class BasicAuth {
  private readonly granted = new Map<string, Buffer>()

  constructor(private readonly users: ReadonlyMap<string, string>) {}

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
    const key = createHash('sha256').update(`${user}\0${password}\0${hash}`).digest()
    const cached = this.granted.get(user)
    if (hash !== undefined && cached !== undefined && timingSafeEqual(cached, key)) return user
    // An unknown user is checked against a real hash (same cost) and refused whatever the result.
    const ok = (await bcrypt.compare(password, hash ?? (this.users.values().next().value as string))) && hash !== undefined
    if (!ok) return undefined
    if (this.granted.size >= cacheLimit) this.granted.clear()
    this.granted.set(user, key)
    return user
  }
}
