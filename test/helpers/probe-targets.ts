import { type Server, createServer as createHttpServer } from 'node:http'
import { createSecureServer as createHttp2Server } from 'node:http2'
import { createServer as createHttpsServer } from 'node:https'
import { type Server as TcpServer, createServer as createTcpServer } from 'node:net'
import type { Test } from 'tap'
import type { Certificates } from './certificates.js'

/** Loopback targets for probes, as `../shared/peers/blackbox/servers.js` serves them, plus a TCP banner server. */
export interface ProbeTargets {
  /** `http://127.0.0.1:P`: `/` 200 `hello promkit\n`, `/redirect` 302 to `/`, `/slow` after 3 s, `/500`, `/other`. */
  readonly http: string
  /** The same over TLS, `https://localhost:P`, with a certificate the test CA signed. */
  readonly https: string
  /** A self-signed certificate nobody trusts. */
  readonly untrusted: string
  /** A certificate that expired in 2020 (trusted when the module's CA is that certificate). */
  readonly expired: string
  /** `https://localhost:P` speaking HTTP/2 (and HTTP/1.1 to clients that do not offer h2), the test CA's certificate. */
  readonly h2: string
  /** `127.0.0.1:P`: says `220 promkit ready`, answers `QUIT` with `221 bye` and closes. */
  readonly banner: string
}

const slowMs = 3000

/** Starts the targets; they stop when the test ends. */
export async function startProbeTargets(t: Test, certificates: Certificates): Promise<ProbeTargets> {
  const timers = new Set<NodeJS.Timeout>()
  const handler: Parameters<typeof createHttpServer>[1] = (request, response) => {
    if (request.url === '/redirect') return void response.writeHead(302, { Location: '/' }).end()
    if (request.url === '/500') return void response.writeHead(500).end('boom')
    if (request.url === '/other') return void response.writeHead(200).end('nothing to see\n')
    if (request.url === '/slow') {
      const timer = setTimeout(() => {
        timers.delete(timer)
        response.end('slow')
      }, slowMs)
      return void timers.add(timer)
    }
    response.writeHead(200, { 'Content-Type': 'text/plain' }).end('hello promkit\n')
  }
  const { pem } = certificates
  const servers: (Server | TcpServer)[] = [
    createHttpServer(handler),
    createHttpsServer({ cert: pem.server, key: pem.serverKey }, handler),
    createHttpsServer({ cert: pem.rogue, key: pem.rogueKey }, handler),
    createHttpsServer({ cert: pem.expired, key: pem.expiredKey }, handler),
    createHttp2Server({ cert: pem.server, key: pem.serverKey, allowHTTP1: true }, (_request, response) =>
      response.writeHead(200, { 'content-type': 'text/plain' }).end('hello promkit\n'),
    ),
    createTcpServer((socket) => {
      socket.on('error', () => {})
      socket.write('220 promkit ready\r\n')
      socket.on('data', (data) => {
        if (data.toString().startsWith('QUIT')) socket.end('221 bye\r\n')
      })
    }),
  ]
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve) =>
          server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
        ),
    ),
  )
  t.teardown(async () => {
    for (const timer of timers) clearTimeout(timer)
    await Promise.all(
      servers.map((server) => {
        ;(server as Server).closeAllConnections?.()
        return new Promise((resolve) => server.close(resolve))
      }),
    )
  })
  const [http, https, untrusted, expired, h2, banner] = ports as [number, number, number, number, number, number]
  return {
    http: `http://127.0.0.1:${http}`,
    https: `https://localhost:${https}`,
    untrusted: `https://localhost:${untrusted}`,
    expired: `https://localhost:${expired}`,
    h2: `https://localhost:${h2}`,
    banner: `127.0.0.1:${banner}`,
  }
}

/** A module file for the targets: blackbox.yml's modules of `../shared/peers/blackbox/`, and a few more. */
export const probeModules = `modules:
  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
  http_2xx_insecure:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
      tls_config:
        insecure_skip_verify: true
  http_2xx_ca:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
      tls_config:
        ca_file: ca.crt
  http_secret:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
      valid_status_codes: [200]
      headers:
      basic_auth:
        username: probe
        password: hunter2
  http_expired:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
      tls_config:
        ca_file: expired.crt
  http_body:
    prober: http
    timeout: 2s
    http:
      preferred_ip_protocol: ip4
      fail_if_body_not_matches_regexp: ["promkit"]
      valid_status_codes: [200]
      no_follow_redirects: true
  tcp_connect:
    prober: tcp
    timeout: 5s
    tcp:
      preferred_ip_protocol: ip4
  tcp_banner:
    prober: tcp
    timeout: 5s
    tcp:
      preferred_ip_protocol: ip4
      query_response:
        - expect: "^220 "
        - send: QUIT
        - expect: "^221 "
  tcp_no_timeout:
    prober: tcp
    tcp:
      preferred_ip_protocol: ip4
  tcp_ssh:
    prober: tcp
    timeout: 1s
    tcp:
      preferred_ip_protocol: ip4
      query_response:
        - expect: "^SSH-2.0-"
`
