import { type Socket, connect as connectTcp, isIP } from 'node:net'
import { type TLSSocket, connect as connectTls } from 'node:tls'
import { withTimeLimit } from 'promkit'
import { type TlsInfo, tlsInfo } from './certificates.js'
import type { ProbeTlsConfig } from './config.js'
import { type ProbeFailure, networkFailure, timeoutFailure } from './failure.js'

/**
 * One probe's time limit, and the sockets it opened: when the limit passes,
 * every one is destroyed and the probe fails as timed out (before or after
 * the connection was made).
 */
export class ProbeDeadline {
  private readonly sockets = new Set<Socket>()
  private readonly endsAt: number
  /** Whether a connection was made (for the failure's reason). */
  connected = false

  constructor(readonly timeoutMs: number) {
    this.endsAt = performance.now() + timeoutMs
  }

  /** Waits for `work` until the limit, then fails it; sockets are destroyed either way once the probe is done. */
  async within<T>(work: Promise<T>): Promise<T> {
    const late = Symbol('late')
    const outcome = await withTimeLimit(work, this.endsAt - performance.now(), () => late)
    if (outcome === late) {
      this.close()
      work.catch(() => {})
      throw timeoutFailure(this.connected, this.timeoutMs)
    }
    return outcome as T
  }

  /** Tracks a socket to destroy when the probe ends. */
  track<S extends Socket>(socket: S): S {
    this.sockets.add(socket)
    return socket
  }

  /**
   * Destroys every socket the probe opened, the last opened first: a TLS socket before the TCP socket under it
   * (the other way round crashes Node 20 with a segmentation fault).
   */
  close(): void {
    for (const socket of [...this.sockets].reverse()) socket.destroy()
    this.sockets.clear()
  }
}

/** A connection made for a probe, with how long each step took. */
export interface ProbeConnection {
  readonly socket: Socket
  readonly connectSeconds: number
  readonly tlsSeconds: number
  /** The certificates and version, over TLS. */
  readonly tls: TlsInfo | undefined
}

/** A module's `tls_config`, and the application protocols offered by ALPN (`h2`, `http/1.1` for http probes). */
export type ConnectionTls = ProbeTlsConfig & { readonly alpn?: readonly string[] }

/** node:tls options for a module's `tls_config` and the name the server is asked for (SNI) and checked against. */
function tlsOptions(config: ConnectionTls, host: string) {
  const name = config.serverName ?? host
  return {
    host: name,
    // SNI carries names only: an IP address is checked against the certificate, never sent.
    ...(isIP(name) === 0 ? { servername: name } : {}),
    ca: config.ca,
    cert: config.cert,
    key: config.key,
    minVersion: config.minVersion,
    ...(config.alpn ? { ALPNProtocols: [...config.alpn] } : {}),
    // Verified below, after the certificates are read: a certificate that fails still gives its expiry.
    rejectUnauthorized: false,
  }
}

/** Waits for a socket's `event`, failing on its error or close. */
function settled(socket: Socket, event: string, connected: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error?: Error) => {
      socket.off(event, done)
      reject(
        networkFailure(
          error ?? Object.assign(new Error('the connection was closed'), { code: 'ECONNRESET' }),
          connected(),
        ),
      )
    }
    const done = () => {
      socket.off('error', fail)
      socket.off('close', closed)
      resolve()
    }
    const closed = () => fail()
    socket.once(event, done)
    socket.once('error', fail)
    socket.once('close', closed)
  })
}

/**
 * Connects to `address:port` (from `localAddress`, when given) and, with
 * `tls`, makes the TLS handshake as `host` (SNI and certificate names follow
 * the target, not the address); a certificate that does not verify fails the
 * probe with its reason, unless `insecure_skip_verify`, after its details are
 * read. With `over`, the handshake is made over that connection (STARTTLS).
 */
export async function openConnection(
  deadline: ProbeDeadline,
  address: string,
  port: number,
  host: string,
  tls: ConnectionTls | undefined,
  { over, localAddress }: { over?: Socket; localAddress?: string | undefined } = {},
): Promise<ProbeConnection & { tlsFailure: ProbeFailure | undefined }> {
  const started = performance.now()
  let socket: Socket = over ?? deadline.track(connectTcp({ host: address, port, localAddress }))
  if (over === undefined) await deadline.within(settled(socket, 'connect', () => false))
  deadline.connected = true
  const connected = performance.now()
  if (tls === undefined)
    return {
      socket,
      connectSeconds: (connected - started) / 1000,
      tlsSeconds: 0,
      tls: undefined,
      tlsFailure: undefined,
    }
  const secure: TLSSocket = deadline.track(connectTls({ socket, ...tlsOptions(tls, host) }))
  await deadline.within(settled(secure, 'secureConnect', () => true))
  socket = secure
  const info = tlsInfo(secure)
  const refused =
    tls.insecureSkipVerify || secure.authorized
      ? undefined
      : networkFailure(
          Object.assign(new Error(`certificate of ${host}: ${String(secure.authorizationError)}`), {
            code: String(secure.authorizationError),
          }),
          true,
        )
  return {
    socket,
    connectSeconds: over === undefined ? (connected - started) / 1000 : 0,
    tlsSeconds: (performance.now() - connected) / 1000,
    tls: info,
    tlsFailure: refused,
  }
}
