import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { type Server, createServer as createHttpServer } from 'node:http'
import { createSecureServer as createHttp2Server } from 'node:http2'
import { createServer as createHttpsServer } from 'node:https'
import { type Server as TcpServer, createServer as createTcpServer } from 'node:net'
import type { Test } from 'tap'
import type { Certificates } from './certificates.js'
import { get, runToExit } from './exporter-process.js'
import { type ComparedFamily, familiesOf } from './exposition-parser.js'
import { freePort, waitFor } from './ports.js'
import { promtoolCheckMetrics } from './promtool.js'

/** One probe asked of both exporters: what ours must say on top of blackbox_exporter (its reason, families). */
export interface ProbeCase {
  readonly name: string
  readonly target: string
  readonly module: string
  /** `probe_failure_info`'s reason; none when the probe succeeds. */
  readonly reason?: string
  /** Families only ours has, as `name type {labels}`. */
  readonly oursOnly?: readonly string[]
}

/** The families a probe over TLS gives: ours gives them also for a certificate it does not trust. */
export const certificateFamilies = [
  'probe_ssl_earliest_cert_expiry gauge {}',
  'probe_ssl_last_chain_expiry_timestamp_seconds gauge {}',
  'probe_ssl_last_chain_info gauge {fingerprint_sha256,issuer,subject,subjectalternative}',
  'probe_tls_version_info gauge {version}',
]

const shape = (families: Map<string, ComparedFamily>) =>
  [...families].map(([name, family]) => `${name} ${family.type} {${family.labelNames}}`).sort()

/**
 * Asks blackbox_exporter (at `blackbox`) and ours (at `ours`) for each case's probe at once, and checks: ours
 * answers 200 with the case's failure reason, the same families, types and label names (plus its own), equal values
 * of the `compared` families, and nothing promtool would flag.
 */
export async function compareProbes(
  t: Test,
  blackbox: string,
  ours: string,
  cases: readonly ProbeCase[],
  compared: readonly string[],
): Promise<void> {
  for (const { name, target, module, reason, oursOnly = [] } of cases) {
    const query = `/probe?target=${encodeURIComponent(target)}&module=${module}`
    const [theirs, mine] = await Promise.all([get(`${blackbox}${query}`), get(`${ours}${query}`)])
    t.equal(mine.status, 200, `${name}: 200`)
    const [reference, ourFamilies] = [familiesOf(theirs.text, 'probe_'), familiesOf(mine.text, 'probe_')]
    t.same(
      ourFamilies.get('probe_failure_info')?.samples.map((sample) => sample.labels.reason),
      reason === undefined ? undefined : [reason],
      `${name}: ${reason ?? 'no failure'}`,
    )
    ourFamilies.delete('probe_failure_info')
    t.same(
      shape(ourFamilies).filter((family) => !shape(reference).includes(family)),
      oursOnly,
      `${name}: the same families, types and label names${oursOnly.length ? ', and ours' : ''}`,
    )
    t.same(
      shape(reference).filter((family) => !shape(ourFamilies).includes(family)),
      [],
      `${name}: none missing`,
    )
    for (const family of compared) {
      const [expected, actual] = [reference.get(family), ourFamilies.get(family)]
      if (expected !== undefined) t.same(actual?.samples, expected.samples, `${name}: ${family}`)
    }
    const lint = promtoolCheckMetrics(mine.text)
    t.same([lint.status, lint.stderr], [0, ''], `${name}: promtool finds nothing`)
  }
}

/** Checks that `bin --config.check` refuses each module file text (written to `file`) with one line naming it. */
export async function expectModuleFileRefusals(
  t: Test,
  bin: string,
  file: string,
  cases: readonly (readonly [text: string, problem: string])[],
): Promise<void> {
  for (const [text, problem] of cases) {
    writeFileSync(file, text)
    const run = await runToExit(bin, ['--config.file', file, '--config.check'])
    t.equal(run.code, 1, problem)
    t.match(run.stderr, `probe_exporter: config file ${file}: ${problem}`)
    t.equal(run.stderr.trim().split('\n').length, 1, 'one line')
  }
}

/** Debian's blackbox_exporter on a free port, reading `moduleFile` from `dir` (where its relative paths point). */
export async function startBlackbox(t: Test, moduleFile: string, dir: string): Promise<string> {
  const port = await freePort()
  const child = spawn(
    'prometheus-blackbox-exporter',
    ['--config.file', moduleFile, '--web.listen-address', `127.0.0.1:${port}`],
    {
      cwd: dir,
      stdio: 'ignore',
    },
  )
  t.teardown(() => void child.kill())
  const base = `http://127.0.0.1:${port}`
  await waitFor(
    'blackbox_exporter to answer',
    () =>
      fetch(`${base}/metrics`).then(
        (r) => r.ok || undefined,
        () => undefined,
      ),
    20_000,
    50,
  )
  return base
}

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
