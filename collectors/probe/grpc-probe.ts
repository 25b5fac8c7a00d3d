import { type ClientHttp2Session, type IncomingHttpHeaders, connect as connectHttp2 } from 'node:http2'
import type { TlsInfo } from './certificates.js'
import type { GrpcProbeConfig } from './config.js'
import { type ProbeDeadline, openConnection } from './connection.js'
import { ProbeFailure, networkFailure } from './failure.js'
import type { ProbeLog } from './probe-log.js'
import { type ResolvedTarget, resolveTarget, serverAddress } from './resolve.js'

/** The phases of `probe_grpc_duration_seconds`, as blackbox_exporter names them. */
export const grpcPhases = ['resolve', 'check'] as const

/** The serving statuses of `grpc.health.v1.HealthCheckResponse`, by their number. */
export const servingStatuses = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const

/** gRPC status codes a probe sets itself: the call could not be made, or not in time. */
const unavailable = 14
const deadlineExceeded = 4
/** The status of an answer without one (`grpc-status` missing or not a number). */
const unknownStatus = 2

/** What a gRPC probe measured: blackbox_exporter's `probe_grpc_*` families. */
export interface GrpcMeasures {
  readonly phases: Record<(typeof grpcPhases)[number], number>
  /** The call's gRPC status code: 0 (OK), or why it failed (14 when it could not be made). */
  statusCode: number
  /** The serving status the service answered with, when the call succeeded. */
  servingStatus: (typeof servingStatuses)[number] | undefined
}

/** What a gRPC probe found: its resolution, TLS details, measures and failure. */
export interface GrpcProbeOutcome {
  readonly resolved: ResolvedTarget | undefined
  readonly tls: TlsInfo | undefined
  readonly measures: GrpcMeasures
  readonly failure: ProbeFailure | undefined
}

/**
 * A gRPC target's host and port, as blackbox_exporter reads it: `host:port`, or a URL (the scheme does not choose
 * TLS, the module does), on port 443 with TLS and 80 without when it names none.
 */
export function grpcServer(target: string, tls: boolean): { host: string; port: number } {
  const authority = target.replace(/^https?:\/\//, '').replace(/\/.*$/, '')
  return serverAddress(authority, tls ? 443 : 80)
}

/** The `grpc.health.v1.HealthCheckRequest` for `service`, in a gRPC message frame (uncompressed). */
export function healthCheckRequest(service: string): Buffer {
  const name = Buffer.from(service)
  // Field 1 (service), length-delimited; an empty string is left out, as protobuf writes defaults.
  const message = name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a]), varint(name.length), name])
  const header = Buffer.alloc(5)
  header.writeUInt32BE(message.length, 1)
  return Buffer.concat([header, message])
}

function varint(value: number): Buffer {
  const bytes: number[] = []
  let rest = value
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80)
    rest >>>= 7
  }
  bytes.push(rest)
  return Buffer.from(bytes)
}

/**
 * The serving status of a `grpc.health.v1.HealthCheckResponse` in a gRPC message frame; UNKNOWN (0) when the field
 * is left out, as protobuf leaves out defaults. Fields other than `status` are skipped.
 */
export function servingStatusOf(frame: Buffer): (typeof servingStatuses)[number] {
  if (frame.length < 5 || frame[0] !== 0 || frame.length < 5 + frame.readUInt32BE(1))
    throw new ProbeFailure('grpc_malformed_answer', 'the health answer is not one uncompressed gRPC message')
  const message = frame.subarray(5, 5 + frame.readUInt32BE(1))
  let status = 0
  let at = 0
  const readVarint = (): number => {
    let value = 0
    let shift = 0
    let byte: number | undefined
    do {
      byte = message[at++]
      if (byte === undefined || shift > 28)
        throw new ProbeFailure('grpc_malformed_answer', 'the health answer is not a protobuf message')
      value += (byte & 0x7f) * 2 ** shift
      shift += 7
    } while (byte >= 0x80)
    return value
  }
  while (at < message.length) {
    const key = readVarint()
    const wire = key & 7
    if (wire === 0) {
      const value = readVarint()
      if (key >>> 3 === 1) status = value
    } else if (wire === 2) {
      const length = readVarint()
      at += length
    } else {
      throw new ProbeFailure('grpc_malformed_answer', `the health answer has a field of wire type ${wire}`)
    }
  }
  return servingStatuses[status] ?? 'UNKNOWN'
}

/** Makes the unary call `Health/Check` on an HTTP/2 session and gives its gRPC status code and answer. */
function check(session: ClientHttp2Session, service: string): Promise<{ statusCode: number; answer: Buffer }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
    })
    let headers: IncomingHttpHeaders = {}
    let trailers: IncomingHttpHeaders = {}
    const chunks: Buffer[] = []
    stream.on('response', (received) => {
      headers = received
    })
    stream.on('trailers', (received) => {
      trailers = received
    })
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('error', reject)
    stream.on('end', () => {
      // A call that fails at once answers with its status in the headers ("trailers only").
      const status = Number(trailers['grpc-status'] ?? headers['grpc-status'])
      resolve({ statusCode: Number.isInteger(status) ? status : unknownStatus, answer: Buffer.concat(chunks) })
    })
    stream.end(healthCheckRequest(service))
  })
}

/**
 * Probes a gRPC server as blackbox_exporter's grpc prober does: resolve its name, connect (over TLS with the
 * module's `tls`, offering h2), and call the standard health service's `Check` for the module's `service`. The
 * probe succeeds when the call is OK and the service SERVING. Unlike blackbox_exporter, whose health call has no
 * deadline, the probe gives up at its timeout. Never throws: a failure is in the outcome.
 */
export async function probeGrpc(
  target: string,
  config: GrpcProbeConfig,
  deadline: ProbeDeadline,
  log: ProbeLog,
): Promise<GrpcProbeOutcome> {
  const measures: GrpcMeasures = { phases: { resolve: 0, check: 0 }, statusCode: unavailable, servingStatus: undefined }
  let resolved: ResolvedTarget | undefined
  let tls: TlsInfo | undefined
  let session: ClientHttp2Session | undefined
  let checking: number | undefined
  const probed = async (): Promise<undefined> => {
    const server = grpcServer(target, config.tls)
    resolved = await deadline.within(resolveTarget(server.host, config.preferredIpProtocol, config.ipProtocolFallback))
    measures.phases.resolve = resolved.lookupSeconds
    checking = performance.now()
    const overTls = config.tls ? { ...config.tlsConfig, alpn: ['h2'] } : undefined
    const connection = await openConnection(deadline, resolved.address, server.port, server.host, overTls)
    tls = connection.tls
    if (connection.tlsFailure) throw connection.tlsFailure
    log.info(`connected to ${resolved.address}:${server.port}${config.tls ? ' over TLS' : ''}`)
    const authority = `${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`
    const opened = connectHttp2(`${config.tls ? 'https' : 'http'}://${authority}`, {
      createConnection: () => connection.socket,
    })
    session = opened
    // A session's errors also fail its stream, which the call waits on.
    opened.on('error', () => {})
    const { statusCode, answer } = await deadline.within(check(opened, config.service))
    measures.statusCode = statusCode
    log.info(`Health/Check of ${JSON.stringify(config.service)} answered with gRPC status ${statusCode}`)
    if (statusCode !== 0)
      throw new ProbeFailure('grpc_status', `the health check failed with gRPC status ${statusCode}`)
    measures.servingStatus = servingStatusOf(answer)
    if (measures.servingStatus !== 'SERVING')
      throw new ProbeFailure('grpc_not_serving', `the service is ${measures.servingStatus}`)
    return undefined
  }
  const failure = await probed().then(
    () => undefined,
    (error: unknown) => {
      const failed = networkFailure(error, deadline.connected)
      if (failed.reason === 'timeout' || failed.reason === 'connect_timeout') measures.statusCode = deadlineExceeded
      return failed
    },
  )
  if (checking !== undefined) measures.phases.check = (performance.now() - checking) / 1000
  session?.destroy()
  deadline.close()
  return { resolved, tls, measures, failure }
}
