// Peers: openssl
// The probe exporter's parts in process: the module file's reader, the http and tcp probers against loopback servers
// doing what blackbox's targets do not (compression, headers, STARTTLS, redirect loops), resolution and failures.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import {
  type IncomingMessage,
  type ServerResponse,
  createServer as createHttpServer,
  request as httpRequest,
} from 'node:http'
import { constants as http2Constants, createSecureServer as createHttp2Server } from 'node:http2'
import { createServer as createHttpsServer } from 'node:https'
import { type Socket, connect as connectTcp, createServer as createTcpServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TLSSocket, createServer as createTlsServer } from 'node:tls'
import { gzipSync } from 'node:zlib'
import t, { type Test } from 'tap'
import { goDistinguishedName, goTlsVersion } from '../../collectors/probe/certificates.js'
import type { HttpProbeConfig, TcpProbeConfig } from '../../collectors/probe/config.js'
import { readModules } from '../../collectors/probe/config.js'
import { ProbeDeadline } from '../../collectors/probe/connection.js'
import { networkFailure, timeoutFailure } from '../../collectors/probe/failure.js'
import { probeHttp } from '../../collectors/probe/http-probe.js'
import { ProbeLog } from '../../collectors/probe/probe-log.js'
import { ipAddressHash, resolveTarget, serverAddress } from '../../collectors/probe/resolve.js'
import { probeTcp } from '../../collectors/probe/tcp-probe.js'
import { ConfigReader } from '../../src/runtime/config-reader.js'
import { makeCertificates } from '../helpers/certificates.js'

const dir = mkdtempSync(join(tmpdir(), 'promkit-probe-parts-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const certificates = makeCertificates(dir)
const { pem } = certificates

/** The modules of a module file's text. */
async function modulesOf(text: string) {
  const file = join(dir, 'modules.yml')
  writeFileSync(file, text)
  return readModules(new ConfigReader('config file', file))
}

/** An http module: blackbox's defaults (what a module with `http: {}` reads as), changed by `changes`. */
async function httpModule(changes: Partial<HttpProbeConfig> = {}): Promise<HttpProbeConfig> {
  const module = (
    await modulesOf('modules:\n  m:\n    prober: http\n    http:\n      preferred_ip_protocol: ip4\n')
  ).get('m')
  return { ...(module as { http: HttpProbeConfig }).http, ...changes }
}

async function tcpModule(changes: Partial<TcpProbeConfig> = {}): Promise<TcpProbeConfig> {
  const module = (await modulesOf('modules:\n  m:\n    prober: tcp\n    tcp:\n      preferred_ip_protocol: ip4\n')).get(
    'm',
  )
  return { ...(module as { tcp: TcpProbeConfig }).tcp, ...changes }
}

const listen = (server: {
  listen: (port: number, host: string, done: () => void) => unknown
  address: () => unknown
}) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  )

/** Starts an HTTP (or, with TLS options, HTTPS) server for the test. */
async function serve(
  t: Test,
  handler: (request: IncomingMessage, response: ServerResponse, body: string) => void,
  tls?: { cert: string; key: string; maxVersion?: 'TLSv1.2' },
): Promise<number> {
  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => handler(request, response, body))
  }
  const server = tls ? createHttpsServer(tls, onRequest) : createHttpServer(onRequest)
  const port = await listen(server)
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return port
}

const probe = (target: string, config: HttpProbeConfig, timeoutMs = 5000) =>
  probeHttp(target, config, new ProbeDeadline(timeoutMs), new ProbeLog())

t.test('the module file: every key read, defaults filled in, each mistake refused with its path', async (t) => {
  writeFileSync(join(dir, 'password'), 'pa55word\n')
  const modules = await modulesOf(`modules:
  full:
    prober: http
    timeout: 3s
    http:
      valid_status_codes: [200, 204]
      valid_http_versions: [HTTP/1.1]
      method: POST
      headers: { X-Probe: yes }
      body: ping
      no_follow_redirects: true
      fail_if_ssl: false
      fail_if_not_ssl: true
      fail_if_body_matches_regexp: [error]
      fail_if_body_not_matches_regexp: [ok]
      fail_if_header_matches: [{ header: Server, regexp: nginx, allow_missing: true }]
      fail_if_header_not_matches: [{ header: Content-Type, regexp: json }]
      tls_config: { ca_file: ca.crt, cert_file: client.crt, key_file: client.key, server_name: api, insecure_skip_verify: false, min_version: TLS12 }
      basic_auth: { username: probe, password_file: password }
      bearer_token: token
      proxy_url: http://user:pa55@proxy.internal:3128
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
      compression: gzip
      body_size_limit: 1024
  banner:
    prober: tcp
    tcp:
      query_response: [{ expect: "^220" }, { send: STARTTLS, starttls: true }]
      tls: true
      tls_config: { insecure_skip_verify: true }
`)
  const full = modules.get('full') as { prober: 'http'; timeoutMs: number; http: HttpProbeConfig }
  const { tls, failIfBodyMatches, failIfHeaderMatches, failIfHeaderNotMatches, proxyUrl, ...http } = full.http
  t.equal(proxyUrl?.href, 'http://user:pa55@proxy.internal:3128/')
  t.same([full.prober, full.timeoutMs], ['http', 3000])
  t.same(http, {
    validStatusCodes: [200, 204],
    validHttpVersions: ['HTTP/1.1'],
    method: 'POST',
    headers: { 'X-Probe': 'yes' },
    body: 'ping',
    noFollowRedirects: true,
    failIfSsl: false,
    failIfNotSsl: true,
    failIfBodyNotMatches: [/ok/],
    basicAuth: { username: 'probe', password: 'pa55word' },
    bearerToken: 'token',
    preferredIpProtocol: 'ip4',
    ipProtocolFallback: false,
    compression: 'gzip',
    bodySizeLimit: 1024,
  })
  t.same(failIfBodyMatches, [/error/])
  t.same(failIfHeaderMatches, [{ header: 'Server', regexp: /nginx/, allowMissing: true }])
  t.same(failIfHeaderNotMatches, [{ header: 'Content-Type', regexp: /json/, allowMissing: false }])
  t.same(tls, {
    ca: pem.ca,
    cert: pem.client,
    key: pem.clientKey,
    serverName: 'api',
    insecureSkipVerify: false,
    minVersion: 'TLSv1.2',
  })
  const banner = modules.get('banner') as { timeoutMs: number; tcp: TcpProbeConfig }
  t.same(banner.timeoutMs, 0, 'no timeout: the scrape deadline')
  t.same(banner.tcp.queryResponse, [
    { expect: /^220/, send: undefined, starttls: false },
    { expect: undefined, send: 'STARTTLS', starttls: true },
  ])
  t.same([banner.tcp.tls, banner.tcp.tlsConfig.insecureSkipVerify, banner.tcp.preferredIpProtocol], [true, true, 'ip6'])
  t.same((await modulesOf('# nothing yet\n')).size, 0, 'a file without modules has none')

  const file = join(dir, 'modules.yml')
  const refused: [string, string][] = [
    ['modules:\n  m:\n    timeout: 5s\n', 'modules.m.prober: is missing'],
    ['modules:\n  m:\n    prober: smtp\n', 'modules.m.prober: "smtp" is not a prober'],
    [
      'modules:\n  m:\n    prober: http\n    http:\n      proxy_url: socks5://proxy:1080\n',
      'modules.m.http.proxy_url: must be an http:// URL (a proxy reached in plain HTTP)',
    ],
    [
      'modules:\n  m:\n    prober: http\n    http:\n      oauth2: { client_id: x }\n',
      'modules.m.http.oauth2: is not supported by probe_exporter',
    ],
    [
      'modules:\n  m:\n    prober: http\n    http:\n      valid_status_codes: [700]\n',
      'modules.m.http.valid_status_codes[0]: must be an HTTP status code (100 to 599)',
    ],
    [
      'modules:\n  m:\n    prober: http\n    http:\n      headers: { X-A: [1] }\n',
      'modules.m.http.headers.X-A: must be a string',
    ],
    [
      'modules:\n  m:\n    prober: http\n    http:\n      compression: zip\n',
      'modules.m.http.compression: "zip" is not one of gzip, deflate, br, identity',
    ],
    [
      'modules:\n  m:\n    prober: http\n    http:\n      body_size_limit: -1\n',
      'modules.m.http.body_size_limit: must be a number of bytes (0: no limit)',
    ],
    [
      'modules:\n  m:\n    prober: http\n    http:\n      preferred_ip_protocol: ip5\n',
      'modules.m.http.preferred_ip_protocol: "ip5" is not ip4 or ip6',
    ],
    [
      'modules:\n  m:\n    prober: http\n    http:\n      fail_if_header_matches: [{ regexp: x }]\n',
      'modules.m.http.fail_if_header_matches[0]: needs a header',
    ],
    [
      'modules:\n  m:\n    prober: http\n    http:\n      fail_if_header_matches: [{ header: A, regexp: 1 }]\n',
      'modules.m.http.fail_if_header_matches[0].regexp: must be a string',
    ],
    [
      'modules:\n  m:\n    prober: http\n    http:\n      valid_http_versions: HTTP/1.1\n',
      'modules.m.http.valid_http_versions: must be a list',
    ],
    [
      'modules:\n  m:\n    prober: http\n    http:\n      valid_http_versions: [1]\n',
      'modules.m.http.valid_http_versions[0]: must be a string',
    ],
    [
      'modules:\n  m:\n    prober: http\n    http:\n      no_follow_redirects: yes please\n',
      'modules.m.http.no_follow_redirects: must be true or false',
    ],
    [
      'modules:\n  m:\n    prober: tcp\n    tcp:\n      tls_config: { min_version: TLS9 }\n',
      'modules.m.tcp.tls_config.min_version: "TLS9" is not one of TLS10, TLS11, TLS12, TLS13',
    ],
    [
      'modules:\n  m:\n    prober: tcp\n    tcp:\n      tls_config: { cert_file: client.crt }\n',
      'modules.m.tcp.tls_config: cert_file and key_file go together',
    ],
    ['modules:\n  m: [1]\n', 'modules.m: must be a mapping'],
  ]
  for (const [text, problem] of refused) {
    await t.rejects(modulesOf(text), { message: `config file ${file}: ${problem}` }, problem)
  }
})

t.test('http: the request as configured, the checks on the answer, and the reason each one fails', async (t) => {
  let seen: { method?: string; body: string; headers: IncomingMessage['headers'] } = { body: '', headers: {} }
  const port = await serve(t, (request, response, body) => {
    seen = { method: request.method, body, headers: request.headers }
    if (request.url === '/gzip') {
      response.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Type': 'text/plain' })
      return void response.end(gzipSync('hello compressed world\n'))
    }
    if (request.url === '/loop') return void response.writeHead(302, { Location: '/loop' }).end()
    if (request.url === '/see-other') return void response.writeHead(303, { Location: '/' }).end()
    if (request.url === '/elsewhere')
      return void response.writeHead(307, { Location: `http://localhost:${port}/` }).end()
    response.writeHead(200, { 'Content-Type': 'application/json', Server: 'nginx', 'Content-Length': '12' })
    response.end('{"ok":true}\n')
  })
  const base = `http://127.0.0.1:${port}`
  const posted = await probe(
    `${base}/`,
    await httpModule({ method: 'POST', body: 'ping', headers: { 'X-Probe': 'yes' }, bearerToken: 'secret-token' }),
  )
  t.same([posted.failure, posted.measures.statusCode, posted.measures.contentLength], [undefined, 200, 12])
  t.same(
    [seen.method, seen.body, seen.headers['x-probe'], seen.headers.authorization],
    ['POST', 'ping', 'yes', 'Bearer secret-token'],
  )
  t.equal(seen.headers['user-agent'], 'Blackbox Exporter/0.23.0')
  const noScheme = await probe(`127.0.0.1:${port}/`, await httpModule())
  t.equal(noScheme.measures.statusCode, 200, 'a target without a scheme is http://')

  const reasons: [string, Partial<HttpProbeConfig>, string, string?][] = [
    ['/', { failIfBodyMatches: [/ok/] }, 'body_regexp'],
    ['/', { failIfHeaderMatches: [{ header: 'Server', regexp: /nginx/, allowMissing: false }] }, 'header_regexp'],
    ['/', { failIfHeaderMatches: [{ header: 'X-Missing', regexp: /x/, allowMissing: false }] }, 'header_regexp'],
    [
      '/',
      { failIfHeaderNotMatches: [{ header: 'Content-Type', regexp: /xml/, allowMissing: false }] },
      'header_regexp',
    ],
    ['/', { failIfHeaderNotMatches: [{ header: 'X-Missing', regexp: /x/, allowMissing: false }] }, 'header_regexp'],
    ['/', { validHttpVersions: ['HTTP/2.0'] }, 'http_version'],
    ['/', { failIfNotSsl: true }, 'ssl_required'],
    ['/', { validStatusCodes: [204] }, 'status_code'],
    ['/', { bodySizeLimit: 4 }, 'body_size_limit'],
    ['/loop', {}, 'redirect_limit'],
  ]
  for (const [path, changes, reason] of reasons) {
    const outcome = await probe(`${base}${path}`, await httpModule(changes))
    t.equal(outcome.failure?.reason, reason, `${path} ${JSON.stringify(changes)}: ${reason}`)
  }
  const allowed = await probe(
    `${base}/`,
    await httpModule({
      failIfHeaderMatches: [{ header: 'X-Missing', regexp: /x/, allowMissing: true }],
      failIfHeaderNotMatches: [
        { header: 'X-Missing', regexp: /x/, allowMissing: true },
        { header: 'Content-Type', regexp: /json/, allowMissing: false },
      ],
      validHttpVersions: ['HTTP/1.1'],
    }),
  )
  t.same(
    [allowed.failure, allowed.measures.failedDueToRegex],
    [undefined, false],
    'allow_missing, and headers that match',
  )
  const regexp = await probe(`${base}/`, await httpModule({ failIfBodyNotMatches: [/nothing like it/] }))
  t.same([regexp.failure?.reason, regexp.measures.failedDueToRegex], ['body_regexp', true])
  const loop = await probe(`${base}/loop`, await httpModule())
  t.equal(loop.measures.redirects, 11, 'Go stops after 10 redirects')

  const gzip = await probe(`${base}/gzip`, await httpModule({ compression: 'gzip' }))
  t.same([gzip.failure, gzip.measures.uncompressedBodyLength, seen.headers['accept-encoding']], [undefined, 23, 'gzip'])
  const asIs = await probe(`${base}/gzip`, await httpModule())
  t.not(asIs.measures.uncompressedBodyLength, 23, 'without compression, the body is read as sent')

  const seeOther = await probe(`${base}/see-other`, await httpModule({ method: 'POST', body: 'form' }))
  t.same([seeOther.measures.redirects, seen.method, seen.body], [1, 'GET', ''], '303: the redirect is a GET')
  const elsewhere = await probe(`${base}/elsewhere`, await httpModule({ basicAuth: { username: 'u', password: 'p' } }))
  t.same(
    [elsewhere.measures.statusCode, seen.headers.host, seen.headers.authorization],
    [200, `localhost:${port}`, undefined],
    'another host: its own Host, no credentials',
  )
  const same = await probe(`${base}/`, await httpModule({ basicAuth: { username: 'u', password: 'p' } }))
  t.same([same.failure, seen.headers.authorization], [undefined, `Basic ${Buffer.from('u:p').toString('base64')}`])

  t.equal((await probe('ftp://example.com/', await httpModule())).failure?.reason, 'invalid_target')
  t.equal((await probe('http://[::1/', await httpModule())).failure?.reason, 'invalid_target')
  for (const target of ['http://localhost/', 'https://localhost/'])
    t.equal(
      (await probe(target, await httpModule())).failure?.reason,
      'connection_refused',
      `${target}: its scheme's port`,
    )
  const dns = await probe('http://nonexistent.invalid/', await httpModule())
  t.same([dns.failure?.reason, dns.resolved], ['dns', undefined])
})

t.test('https: SNI and names follow the target, each certificate failure has its reason', async (t) => {
  const handler = (_request: IncomingMessage, response: ServerResponse) => response.end('secure\n')
  const trusted = await serve(t, handler, { cert: pem.server, key: pem.serverKey, maxVersion: 'TLSv1.2' })
  const withCa = await httpModule({ tls: { ...(await httpModule()).tls, ca: pem.ca } })
  const byAddress = await probe(`https://127.0.0.1:${trusted}/`, withCa)
  t.same(
    [byAddress.failure, byAddress.measures.ssl, byAddress.measures.tls?.version],
    [undefined, true, 'TLS 1.2'],
    'an address: checked against the IP SAN',
  )
  const forbidden = await probe(`https://localhost:${trusted}/`, { ...withCa, failIfSsl: true })
  t.equal(forbidden.failure?.reason, 'ssl_forbidden')
  const mismatch = await probe(`https://localhost:${trusted}/`, {
    ...withCa,
    tls: { ...withCa.tls, serverName: 'elsewhere.example' },
  })
  t.equal(mismatch.failure?.reason, 'tls_hostname_mismatch')
  const tooOld = await probe(`https://localhost:${trusted}/`, {
    ...withCa,
    tls: { ...withCa.tls, minVersion: 'TLSv1.3' },
  })
  t.equal(tooOld.failure?.reason, 'tls_handshake')
  const unknownIssuer = await probe(`https://localhost:${trusted}/`, await httpModule())
  t.same(
    [unknownIssuer.failure?.reason, unknownIssuer.measures.tls?.leaf.issuer],
    ['tls_unknown_authority', 'CN=promkit test CA'],
    'signed by a CA the probe does not know: the chain ends at the leaf, whose details are still read',
  )
  const authorities: (string | undefined)[] = []
  const h2 = createHttp2Server({ cert: pem.server, key: pem.serverKey }, (request, response) => {
    authorities.push(request.headers[':authority'] as string | undefined)
    if (request.url === '/reset') return void request.stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR)
    response.end('over h2\n')
  })
  const h2Port = await listen(h2)
  t.teardown(() => void h2.close())
  const overH2 = await probe(`https://localhost:${h2Port}/`, {
    ...withCa,
    validHttpVersions: ['HTTP/2.0'],
    headers: { Host: 'api.example' },
  })
  t.same(
    [overH2.failure, overH2.measures.version, authorities.pop()],
    [undefined, 2, 'api.example'],
    'HTTP/2: a Host header is the authority',
  )
  const reset = await probe(`https://localhost:${h2Port}/reset`, withCa)
  t.equal(reset.failure?.reason, 'connection_reset', 'a stream reset')
  t.equal(goDistinguishedName('C=US\nO=Acme, Inc.\nCN=api'), 'CN=api,O=Acme\\, Inc.,C=US')
  t.same(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3', 'unknown'].map(goTlsVersion), [
    'TLS 1.0',
    'TLS 1.1',
    'TLS 1.2',
    'TLS 1.3',
    'unknown',
  ])
})

t.test('proxy_url: plain HTTP through the proxy, HTTPS through its CONNECT tunnel, a tunnel refused', async (t) => {
  const site = await serve(t, (_request, response) => response.end('behind the proxy\n'))
  const secure = await serve(t, (_request, response) => response.end('secure\n'), {
    cert: pem.server,
    key: pem.serverKey,
  })
  const asked: { url?: string; authorization?: string }[] = []
  const proxy = createHttpServer((request, response) => {
    asked.push({ url: request.url, authorization: request.headers['proxy-authorization'] })
    const upstream = httpRequest(
      request.url as string,
      { method: request.method, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode as number, answer.headers)
        answer.pipe(response)
      },
    )
    request.pipe(upstream)
  })
  proxy.on('connect', (request: IncomingMessage, client: Socket) => {
    asked.push({ url: request.url, authorization: request.headers['proxy-authorization'] })
    client.on('error', () => {})
    if (request.url?.startsWith('[::1]:') === true) return void client.end()
    if (request.url?.startsWith('localhost:') !== true) return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n')
    const upstream = connectTcp(Number(request.url.split(':')[1]), '127.0.0.1', () => {
      // The answer's head in two pieces, a moment apart: the probe reads until the blank line.
      client.write('HTTP/1.1 200 Connection Established\r\n')
      setTimeout(() => {
        client.write('\r\n')
        upstream.pipe(client)
        client.pipe(upstream)
      }, 20)
    })
    upstream.on('error', () => client.destroy())
  })
  const proxyPort = await listen(proxy)
  t.teardown(() => {
    proxy.closeAllConnections()
    proxy.close()
  })
  const proxyUrl = new URL(`http://probe:s3cret@127.0.0.1:${proxyPort}`)
  const plain = await probe(`http://127.0.0.1:${site}/path?q=1`, await httpModule({ proxyUrl }))
  t.same([plain.failure, plain.measures.statusCode, plain.measures.uncompressedBodyLength], [undefined, 200, 17])
  t.same(asked.pop(), {
    url: `http://127.0.0.1:${site}/path?q=1`,
    authorization: `Basic ${Buffer.from('probe:s3cret').toString('base64')}`,
  })
  const tls = { ...(await httpModule()).tls, ca: pem.ca }
  const tunnelled = await probe(`https://localhost:${secure}/`, await httpModule({ proxyUrl, tls }))
  t.same(
    [tunnelled.failure, tunnelled.measures.ssl, tunnelled.measures.tls?.leaf.subject],
    [undefined, true, 'CN=localhost'],
  )
  t.same(asked.pop(), {
    url: `localhost:${secure}`,
    authorization: `Basic ${Buffer.from('probe:s3cret').toString('base64')}`,
  })
  const refused = await probe(
    `https://127.0.0.1:${secure}/`,
    await httpModule({ proxyUrl: new URL(`http://127.0.0.1:${proxyPort}`), tls }),
  )
  t.same(
    [refused.failure?.reason, refused.failure?.message],
    ['proxy', `the proxy answered CONNECT 127.0.0.1:${secure} with HTTP/1.1 403 Forbidden`],
  )
  t.same(
    asked.pop(),
    { url: `127.0.0.1:${secure}`, authorization: undefined },
    'no credentials, no Proxy-Authorization',
  )
  const hungUp = await probe(`https://[::1]:${secure}/`, await httpModule({ proxyUrl, tls }))
  t.same([hungUp.failure?.reason, asked.pop()?.url], ['connection_reset', `[::1]:${secure}`], 'the proxy hangs up')
  const noPort = await probe(`http://127.0.0.1:${site}/`, await httpModule({ proxyUrl: new URL('http://127.0.0.1') }))
  t.equal(noPort.failure?.reason, 'connection_refused', 'a proxy URL without a port is port 80')
})

t.test('tcp: STARTTLS, a connection closed before the expected line, a last line without its line feed', async (t) => {
  const server = createTcpServer((socket: Socket) => {
    socket.on('error', () => {})
    // Two lines in one write: the second is already read when the probe looks for it.
    socket.write('220 ready\r\n220-more\r\n')
    socket.once('data', (data) => {
      const command = data.toString().trim()
      if (command === 'STARTTLS') {
        socket.write('220 go ahead\r\n')
        const secure = new TLSSocket(socket, { isServer: true, cert: pem.server, key: pem.serverKey })
        secure.on('error', () => {})
      } else if (command === 'BYE') socket.end('221 bye')
      else if (command === 'RESET') socket.resetAndDestroy()
      else socket.end()
    })
  })
  const port = await listen(server)
  t.teardown(() => void server.close())
  const target = `127.0.0.1:${port}`
  const tls = { ...(await tcpModule()).tlsConfig, ca: pem.ca }
  const starttls = await probeTcp(
    target,
    await tcpModule({
      tlsConfig: tls,
      queryResponse: [
        { expect: /^220 ready/, send: undefined, starttls: false },
        { expect: /^220-more/, send: 'STARTTLS', starttls: false },
        { expect: /^220 go ahead/, send: undefined, starttls: true },
      ],
    }),
    new ProbeDeadline(5000),
    new ProbeLog(),
  )
  t.same(
    [starttls.failure, starttls.tls?.leaf.subject],
    [undefined, 'CN=localhost'],
    'switched to TLS and read the certificate',
  )
  const bye = await probeTcp(
    target,
    await tcpModule({
      queryResponse: [
        { expect: /^220/, send: 'BYE', starttls: false },
        { expect: /^221 bye$/, send: undefined, starttls: false },
      ],
    }),
    new ProbeDeadline(5000),
    new ProbeLog(),
  )
  t.same(bye.failure, undefined, 'the last line, without a line feed, still matches')
  const closed = await probeTcp(
    target,
    await tcpModule({
      queryResponse: [
        { expect: /^220/, send: 'QUIT', starttls: false },
        { expect: /^221/, send: undefined, starttls: false },
      ],
    }),
    new ProbeDeadline(5000),
    new ProbeLog(),
  )
  t.same([closed.failure?.reason, closed.failedDueToRegex], ['query_response', true])
  const reset = await probeTcp(
    target,
    await tcpModule({
      queryResponse: [
        { expect: /^220/, send: 'RESET', starttls: false },
        { expect: /^221/, send: undefined, starttls: false },
      ],
    }),
    new ProbeDeadline(5000),
    new ProbeLog(),
  )
  t.same([reset.failure?.reason, reset.failedDueToRegex], ['connection_reset', false])
  const unknownAuthority = await probeTcp(
    target,
    await tcpModule({
      queryResponse: [
        { expect: /^220-more/, send: 'STARTTLS', starttls: false },
        { expect: /^220 go ahead/, send: undefined, starttls: true },
      ],
    }),
    new ProbeDeadline(5000),
    new ProbeLog(),
  )
  t.same(
    [unknownAuthority.failure?.reason, unknownAuthority.tls?.leaf.subject],
    ['tls_unknown_authority', 'CN=localhost'],
    'STARTTLS to a certificate the module does not trust',
  )
  const tlsServer = createTlsServer({ cert: pem.server, key: pem.serverKey }, (socket) => socket.end('hello\n'))
  const tlsPort = await listen(tlsServer)
  t.teardown(() => void tlsServer.close())
  const overTls = await probeTcp(
    `localhost:${tlsPort}`,
    await tcpModule({
      tls: true,
      tlsConfig: tls,
      queryResponse: [{ expect: /^hello/, send: undefined, starttls: false }],
    }),
    new ProbeDeadline(5000),
    new ProbeLog(),
  )
  t.same([overTls.failure, overTls.tls?.version], [undefined, 'TLS 1.3'], 'tls: true')
  const overUntrusted = await probeTcp(
    `localhost:${tlsPort}`,
    await tcpModule({ tls: true }),
    new ProbeDeadline(5000),
    new ProbeLog(),
  )
  t.equal(overUntrusted.failure?.reason, 'tls_unknown_authority', 'tls: true, a certificate the module does not trust')
  const untrusted = await probeTcp(target, await tcpModule({ tls: true }), new ProbeDeadline(5000), new ProbeLog())
  t.equal(untrusted.failure?.reason, 'tls_handshake', 'TLS spoken to a plain server')
  t.equal(
    (await probeTcp('no-port', await tcpModule(), new ProbeDeadline(5000), new ProbeLog())).failure?.reason,
    'invalid_target',
  )
  t.equal(
    (await probeTcp('127.0.0.1:70000', await tcpModule(), new ProbeDeadline(5000), new ProbeLog())).failure?.reason,
    'invalid_target',
  )
})

t.test('tcp targets: host:port or [v6]:port, the port required', async (t) => {
  t.same(serverAddress('db.internal:5432'), { host: 'db.internal', port: 5432 })
  t.same(serverAddress('[::1]:22'), { host: '::1', port: 22 })
  for (const target of ['db.internal', '::1', 'host:0', 'host:70000'])
    t.throws(() => serverAddress(target), { message: `${JSON.stringify(target)} is not host:port` }, target)
})

t.test('resolution: the preferred IP version, the fallback, and the address hash blackbox computes', async (t) => {
  const lookups: number[] = []
  const onlyV4 = async (_host: string, { family }: { family: 4 | 6 }) => {
    lookups.push(family)
    if (family === 6) throw Object.assign(new Error('no AAAA'), { code: 'ENOTFOUND' })
    return { address: '192.0.2.7' }
  }
  t.match(await resolveTarget('db.internal', 'ip6', true, onlyV4), { address: '192.0.2.7', family: 4 })
  t.same(lookups, [6, 4], 'IPv6 first, then IPv4')
  await t.rejects(resolveTarget('db.internal', 'ip6', false, onlyV4), {
    reason: 'dns',
    message: 'resolving db.internal: ENOTFOUND',
  })
  t.same(
    await resolveTarget('::1', 'ip4', false),
    { address: '::1', family: 6, lookupSeconds: 0 },
    'an address stands for itself',
  )
  t.same(
    [ipAddressHash('::1'), ipAddressHash('0:0:0:0:0:0:0:1'), ipAddressHash('127.0.0.1')],
    [1751717746, 1751717746, 3668918509],
  )
  t.equal(ipAddressHash('fe80::'), ipAddressHash('fe80:0:0:0:0:0:0:0'))
})

t.test('failures: errors without a known code are classified by when they happened', async (t) => {
  const error = (code: string | undefined, message = 'failed') => Object.assign(new Error(message), { code })
  t.equal(networkFailure(error('EHOSTUNREACH'), false).reason, 'network')
  t.equal(networkFailure(error(undefined, 'socket hang up'), true).reason, 'connection_reset')
  t.equal(networkFailure(error(undefined, 'SSL alert'), true).reason, 'tls_handshake')
  t.equal(networkFailure(error('ERR_SSL_WRONG_VERSION_NUMBER'), true).reason, 'tls_handshake')
  t.equal(networkFailure(error('EPIPE'), true).reason, 'connection_reset')
  t.equal(networkFailure(error('CERT_HAS_EXPIRED'), true).reason, 'tls_expired_certificate')
  t.same(
    [timeoutFailure(false, 1500).reason, timeoutFailure(false, 1500).message],
    ['connect_timeout', "no connection within the probe's timeout (1.5 s)"],
  )
  t.same(
    [timeoutFailure(true, 500).reason, timeoutFailure(true, 500).message],
    ['timeout', "no complete answer within the probe's timeout (0.5 s)"],
  )
})
