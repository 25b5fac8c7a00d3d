// Peers: prometheus-blackbox-exporter grpc-go go promtool openssl
// The grpc prober side by side with Debian's blackbox_exporter 0.23, both calling the standard health service of a
// gRPC server built from Debian's grpc-go (test/peers/grpc-health), in plain HTTP/2 and over TLS; then its parts in
// process: targets, the health messages, and servers that answer what no health service would.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createSecureServer, createServer as createHttp2Server } from 'node:http2'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { GrpcProbeConfig } from '../../collectors/probe/config.js'
import { readModules } from '../../collectors/probe/config.js'
import { ProbeDeadline } from '../../collectors/probe/connection.js'
import { ProbeFailure } from '../../collectors/probe/failure.js'
import { grpcServer, healthCheckRequest, probeGrpc, servingStatusOf } from '../../collectors/probe/grpc-probe.js'
import { ProbeLog } from '../../collectors/probe/probe-log.js'
import { ConfigReader } from '../../src/runtime/config-reader.js'
import { makeCertificates } from '../helpers/certificates.js'
import { get, startExporter } from '../helpers/exporter-process.js'
import { familiesOf } from '../helpers/exposition-parser.js'
import { goPeerBinary } from '../helpers/go-build.js'
import { freePort } from '../helpers/ports.js'
import { type ProbeCase, certificateFamilies, compareProbes, startBlackbox } from '../helpers/probe-targets.js'

const probeExporterBin = new URL('../../collectors/probe/dist/main.js', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'promkit-grpc-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const certificates = makeCertificates(dir)
const healthServer = goPeerBinary('grpc-health', [
  new URL('../peers/grpc-health/', import.meta.url),
  new URL('../../../test/peers/grpc-health/', import.meta.url),
])

/** The Go health server on a free port (over TLS with a certificate and key); its "ready" line means it listens. */
async function startHealthServer(t: Test, tls?: [cert: string, key: string]): Promise<number> {
  const port = await freePort()
  const child: ChildProcess = spawn(healthServer, [String(port), ...(tls ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => void child.kill())
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve())
    child.once('exit', (code) => reject(new Error(`grpc-health exited with ${code}`)))
  })
  return port
}

const module = (name: string, keys: string, timeout = '') =>
  `  ${name}:\n    prober: grpc\n${timeout}    grpc:\n      preferred_ip_protocol: ip4\n${keys}`
const moduleFile = join(dir, 'blackbox.yml')
writeFileSync(
  moduleFile,
  `modules:\n${[
    module('grpc', ''),
    module('grpc_shop', '      service: shop\n'),
    module('grpc_billing', '      service: billing\n'),
    module('grpc_unknown', '      service: nope\n'),
    module('grpc_tls', '      tls: true\n      tls_config:\n        ca_file: ca.crt\n'),
    module('grpc_tls_untrusted', '      tls: true\n'),
    module('grpc_slow', '      service: slow\n', '    timeout: 1s\n'),
  ].join('')}`,
)

/** The values compared exactly between the two exporters (the others are times). */
const comparedValues = [
  'probe_success',
  'probe_grpc_ssl',
  'probe_grpc_status_code',
  'probe_grpc_healthcheck_response',
  'probe_ip_protocol',
  'probe_ip_addr_hash',
  'probe_tls_version_info',
]

t.test('side by side with blackbox_exporter 0.23 against a grpc-go health server', async (t) => {
  const { pem } = certificates
  writeFileSync(join(dir, 'server.crt'), pem.server)
  writeFileSync(join(dir, 'server.key'), pem.serverKey)
  const plain = await startHealthServer(t)
  const secure = await startHealthServer(t, [join(dir, 'server.crt'), join(dir, 'server.key')])
  const closed = await freePort()
  const blackbox = await startBlackbox(t, moduleFile, dir)
  const ours = await startExporter(t, probeExporterBin, ['--config.file', moduleFile, '--web.allowed-targets', '*'], {
    cwd: dir,
  })
  const lastChainExpiry = 'probe_ssl_last_chain_expiry_timestamp_seconds gauge {}'
  const cases: ProbeCase[] = [
    { name: 'the overall health', target: `127.0.0.1:${plain}`, module: 'grpc' },
    { name: 'a service SERVING', target: `127.0.0.1:${plain}`, module: 'grpc_shop' },
    { name: 'a service NOT_SERVING', target: `127.0.0.1:${plain}`, module: 'grpc_billing', reason: 'grpc_not_serving' },
    { name: 'an unknown service', target: `127.0.0.1:${plain}`, module: 'grpc_unknown', reason: 'grpc_status' },
    { name: 'as a URL, by name', target: `http://localhost:${plain}/`, module: 'grpc' },
    { name: 'nothing listening', target: `127.0.0.1:${closed}`, module: 'grpc', reason: 'connection_refused' },
    { name: 'over TLS', target: `localhost:${secure}`, module: 'grpc_tls', oursOnly: [lastChainExpiry] },
    {
      name: 'over TLS, untrusted',
      target: `localhost:${secure}`,
      module: 'grpc_tls_untrusted',
      reason: 'tls_unknown_authority',
      oursOnly: certificateFamilies.filter((family) => !family.startsWith('probe_ssl_earliest')),
    },
  ]
  await compareProbes(t, blackbox, ours.base, cases, comparedValues)
  // blackbox_exporter's health call has no deadline: it waits out a slow service past the module's timeout.
  const slow = `/probe?target=127.0.0.1:${plain}&module=grpc_slow`
  const [theirs, mine] = await Promise.all([get(`${blackbox}${slow}`), get(`${ours.base}${slow}`)])
  const [theirFamilies, ourFamilies] = [familiesOf(theirs.text, 'probe_'), familiesOf(mine.text, 'probe_')]
  t.ok(
    (theirFamilies.get('probe_duration_seconds')?.samples[0]?.value as number) > 2.5,
    'blackbox_exporter waited for the answer',
  )
  t.ok((ourFamilies.get('probe_duration_seconds')?.samples[0]?.value as number) < 2, 'ours gave up at its 1 s')
  t.same(
    [
      ourFamilies.get('probe_success')?.samples[0]?.value,
      ourFamilies.get('probe_grpc_status_code')?.samples[0]?.value,
      ourFamilies.get('probe_failure_info')?.samples[0]?.labels,
    ],
    [0, 4, { reason: 'timeout' }],
    'DEADLINE_EXCEEDED',
  )
})

/** A grpc module's settings, read as the exporter reads them. */
async function grpcModule(keys = ''): Promise<GrpcProbeConfig> {
  const file = join(dir, 'grpc-module.yml')
  writeFileSync(file, `modules:\n  g:\n    prober: grpc\n    grpc:\n      preferred_ip_protocol: ip4\n${keys}`)
  const read = (await readModules(new ConfigReader('config file', file))).get('g')
  return (read as { grpc: GrpcProbeConfig }).grpc
}

t.test('targets, and the health messages on the wire', async (t) => {
  t.same(grpcServer('127.0.0.1:50051', false), { host: '127.0.0.1', port: 50051 })
  t.same(grpcServer('grpc.example.com', false), { host: 'grpc.example.com', port: 80 })
  t.same(grpcServer('https://grpc.example.com/', true), { host: 'grpc.example.com', port: 443 })
  t.same(grpcServer('http://[::1]:80/x', true), { host: '::1', port: 80 }, 'a written port, even the default')
  t.throws(() => grpcServer('http://', false), new ProbeFailure('invalid_target', ''))
  t.same([...healthCheckRequest('')], [0, 0, 0, 0, 0], 'the default request: an empty message')
  t.same([...healthCheckRequest('shop')], [0, 0, 0, 0, 6, 0x0a, 4, 0x73, 0x68, 0x6f, 0x70])
  t.equal(healthCheckRequest('s'.repeat(200)).subarray(5, 8).toString('hex'), '0ac801', 'a two-byte length')
  const frame = (...bytes: number[]) => Buffer.from([0, 0, 0, 0, bytes.length, ...bytes])
  t.equal(servingStatusOf(frame(0x08, 0x01)), 'SERVING')
  t.equal(servingStatusOf(frame()), 'UNKNOWN', 'the default status, left out')
  t.equal(servingStatusOf(frame(0x12, 0x01, 0x41, 0x08, 0x02)), 'NOT_SERVING', 'an unknown field skipped')
  t.equal(servingStatusOf(frame(0x10, 0x05, 0x08, 0x09)), 'UNKNOWN', 'another varint field; a status out of range')
  for (const [bytes, what] of [
    [[1, 0, 0, 0, 0], 'compressed'],
    [[0, 0, 0, 0, 9, 0x08], 'shorter than its length'],
    [frame(0x08), 'a varint cut short'],
    [frame(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), 'a varint too long'],
    [frame(0x0d, 0, 0, 0, 0), 'a 32-bit field'],
  ] as const)
    t.throws(() => servingStatusOf(Buffer.from(bytes)), new ProbeFailure('grpc_malformed_answer', ''), what)
})

/** An HTTP/2 server (TLS with the test certificate when `tls`) answering the health call with `answer`. */
async function fakeGrpcServer(
  t: Test,
  answer: (stream: import('node:http2').ServerHttp2Stream) => void,
  tls = false,
  address = '127.0.0.1',
): Promise<number> {
  const { pem } = certificates
  const server = tls ? createSecureServer({ cert: pem.server, key: pem.serverKey }) : createHttp2Server()
  server.on('stream', (stream) => {
    stream.on('error', () => {})
    stream.resume()
    stream.on('end', () => answer(stream))
  })
  await new Promise<void>((resolve) => server.listen(0, address, resolve))
  t.teardown(() => server.close())
  return (server.address() as { port: number }).port
}

t.test('probeGrpc against servers no health service would be', async (t) => {
  const run = async (port: number, keys = '', timeoutMs = 2000) => {
    const log = new ProbeLog()
    const outcome = await probeGrpc(`127.0.0.1:${port}`, await grpcModule(keys), new ProbeDeadline(timeoutMs), log)
    return { ...outcome, reason: outcome.failure?.reason, log: log.entries.map((entry) => entry.message) }
  }
  const status = (code: string) => (stream: import('node:http2').ServerHttp2Stream) =>
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': code }, { endStream: true })
  const noStatus = await fakeGrpcServer(t, (stream) => stream.respond({ ':status': 200 }, { endStream: true }))
  t.same(
    [(await run(noStatus)).measures.statusCode, (await run(noStatus)).reason],
    [2, 'grpc_status'],
    'no grpc-status: UNKNOWN',
  )
  const unimplemented = await fakeGrpcServer(t, status('12'))
  const answered = await run(unimplemented, '      service: shop\n')
  t.same([answered.measures.statusCode, answered.reason], [12, 'grpc_status'], 'trailers only: the status is read')
  t.match(answered.log, [/^connected to 127\.0\.0\.1:\d+$/, 'Health/Check of "shop" answered with gRPC status 12'])
  const garbage = await fakeGrpcServer(t, (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true })
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }))
    stream.end(Buffer.from([1, 0, 0, 0, 0]))
  })
  t.same((await run(garbage)).reason, 'grpc_malformed_answer')
  const reset = await fakeGrpcServer(t, (stream) => stream.close(2))
  t.same((await run(reset)).measures.statusCode, 14, 'a reset stream: UNAVAILABLE')
  const overTls = await fakeGrpcServer(t, status('0'), true)
  const insecure = await run(overTls, '      tls: true\n      tls_config:\n        insecure_skip_verify: true\n')
  t.same(
    [insecure.measures.statusCode, insecure.measures.servingStatus, insecure.reason, insecure.tls?.version],
    [0, undefined, 'grpc_malformed_answer', 'TLS 1.3'],
    'an OK without a message, over TLS whose certificate is not checked',
  )
  const serving = Buffer.from([0, 0, 0, 0, 2, 0x08, 0x01])
  const overIpv6 = await fakeGrpcServer(
    t,
    (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true })
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }))
      stream.end(serving)
    },
    false,
    '::1',
  )
  const six = await probeGrpc(`[::1]:${overIpv6}`, await grpcModule(), new ProbeDeadline(2000), new ProbeLog())
  t.same([six.failure, six.resolved?.family, six.measures.servingStatus], [undefined, 6, 'SERVING'], 'over IPv6')
  const unresolved = await probeGrpc(
    'nonexistent.invalid:50051',
    await grpcModule('      ip_protocol_fallback: false\n'),
    new ProbeDeadline(2000),
    new ProbeLog(),
  )
  t.same([unresolved.failure?.reason, unresolved.measures.statusCode, unresolved.measures.phases.check], ['dns', 14, 0])
})
