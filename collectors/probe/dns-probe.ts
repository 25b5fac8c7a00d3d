import { randomInt } from 'node:crypto'
import { createSocket } from 'node:dgram'
import type { Socket } from 'node:net'
import * as dnsPacket from 'dns-packet'
import type { TlsInfo } from './certificates.js'
import type { DnsProbeConfig, RecordChecks } from './config.js'
import { type ProbeDeadline, openConnection } from './connection.js'
import { type DnsRecord, recordText } from './dns-records.js'
import { ProbeFailure, networkFailure } from './failure.js'
import type { ProbeLog } from './probe-log.js'
import { type ResolvedTarget, resolveTarget, serverAddress } from './resolve.js'

/** SOA's type number: a query of it reports the zone's serial. */
const soaType = 6

/** The phases of `probe_dns_duration_seconds`, in blackbox_exporter's order. */
export const dnsPhases = ['resolve', 'connect', 'request'] as const

/** What a DNS probe measured: blackbox_exporter's `probe_dns_*` families. */
export interface DnsMeasures {
  readonly phases: Record<(typeof dnsPhases)[number], number>
  answerRrs: number
  authorityRrs: number
  additionalRrs: number
  /** An answer came back and was read (whatever its rcode). */
  querySucceeded: boolean
  /** `probe_dns_serial`, for SOA queries that got an answer: the answer's SOA serial, 0 without one. */
  serial: number | undefined
}

/** What a DNS probe found: its resolution, TLS details (DNS over TLS), measures and failure. */
export interface DnsProbeOutcome {
  readonly resolved: ResolvedTarget | undefined
  readonly tls: TlsInfo | undefined
  readonly measures: DnsMeasures
  readonly failure: ProbeFailure | undefined
}

/**
 * A DNS server target's host and port: `host:port`, `[v6]:port`, or a host or IPv6 address alone, on port 53 (853
 * for DNS over TLS), as blackbox_exporter reads it.
 */
export function dnsServer(target: string, dnsOverTls: boolean): { host: string; port: number } {
  return serverAddress(target, dnsOverTls ? 853 : 53)
}

/** The query a module asks: one question, a random id, recursion desired unless the module says not. */
function query(config: DnsProbeConfig, id: number): Buffer {
  const question = { name: config.queryName, type: `UNKNOWN_${config.queryType.number}`, class: config.queryClass }
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: config.recursionDesired ? dnsPacket.RECURSION_DESIRED : 0,
    questions: [question as dnsPacket.Question],
  })
}

/** Sends a query over UDP and waits for the first datagram back, timing the phases as blackbox_exporter does. */
async function exchangeUdp(
  deadline: ProbeDeadline,
  resolved: ResolvedTarget,
  port: number,
  message: Buffer,
  sourceIpAddress: string | undefined,
  phases: DnsMeasures['phases'],
): Promise<Buffer> {
  const socket = createSocket(resolved.family === 6 ? 'udp6' : 'udp4')
  const started = performance.now()
  let connectedAt: number | undefined
  try {
    return await deadline.within(
      new Promise<Buffer>((resolve, reject) => {
        socket.on('error', (error) => reject(networkFailure(error, deadline.connected)))
        socket.once('message', resolve)
        const send = () =>
          socket.connect(port, resolved.address, () => {
            deadline.connected = true
            connectedAt = performance.now()
            phases.connect = (connectedAt - started) / 1000
            socket.send(message)
          })
        if (sourceIpAddress === undefined) send()
        else socket.bind({ address: sourceIpAddress, port: 0 }, send)
      }),
    )
  } finally {
    if (connectedAt !== undefined) phases.request = (performance.now() - connectedAt) / 1000
    socket.close()
  }
}

/** Sends a query over a TCP (or TLS) connection and reads the answer, each length-prefixed (RFC 1035 4.2.2). */
async function exchangeFramed(
  deadline: ProbeDeadline,
  socket: Socket,
  message: Buffer,
  phases: DnsMeasures['phases'],
): Promise<Buffer> {
  const sent = performance.now()
  const length = Buffer.alloc(2)
  length.writeUInt16BE(message.length)
  socket.write(Buffer.concat([length, message]))
  try {
    return await deadline.within(
      new Promise<Buffer>((resolve, reject) => {
        let received = Buffer.alloc(0)
        const onData = (chunk: Buffer) => {
          received = Buffer.concat([received, chunk])
          if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
            socket.off('data', onData)
            resolve(received.subarray(2, 2 + received.readUInt16BE(0)))
          }
        }
        socket.on('data', onData)
        socket.on('error', (error) => reject(networkFailure(error, true)))
        socket.once('close', () =>
          reject(networkFailure(Object.assign(new Error('the connection was closed'), { code: 'ECONNRESET' }), true)),
        )
      }),
    )
  } finally {
    phases.request = (performance.now() - sent) / 1000
  }
}

/**
 * Why a section's records fail a module's `validate_*_rrs` checks, or
 * undefined when they pass, by blackbox_exporter 0.23's rules (see
 * {@link RecordChecks}).
 */
export function recordsProblem(records: readonly string[], checks: RecordChecks): string | undefined {
  if (records.length === 0 && (checks.failIfNotMatches.length > 0 || checks.failIfNoneMatches.length > 0))
    return 'no records, where fail_if_not_matches_regexp or fail_if_none_matches_regexp wants some'
  for (const record of records) {
    const matched = checks.failIfMatches.find((regexp) => regexp.test(record))
    if (matched) return `${JSON.stringify(record)} matches fail_if_matches_regexp ${matched.source}`
    const unmatched = checks.failIfNotMatches.find((regexp) => !regexp.test(record))
    if (unmatched) return `${JSON.stringify(record)} does not match fail_if_not_matches_regexp ${unmatched.source}`
  }
  for (const regexp of checks.failIfAllMatch) {
    const unmatched = records.find((record) => !regexp.test(record))
    if (unmatched !== undefined)
      return `${JSON.stringify(unmatched)} does not match fail_if_all_match_regexp ${regexp.source}`
  }
  if (
    checks.failIfNoneMatches.length > 0 &&
    !records.some((record) => checks.failIfNoneMatches.some((regexp) => regexp.test(record)))
  )
    return 'no record matches fail_if_none_matches_regexp'
  return undefined
}

/** A decoded answer as dns-packet gives it (its typings lack `rcode`). */
type DecodedAnswer = dnsPacket.DecodedPacket & { readonly rcode: string }

/** Decodes an answer, refusing one that cannot be read or answers another query. */
function decodeAnswer(answer: Buffer, id: number): DecodedAnswer {
  let decoded: DecodedAnswer
  try {
    decoded = dnsPacket.decode(answer) as DecodedAnswer
  } catch (error) {
    throw new ProbeFailure('dns_malformed_answer', `the answer cannot be decoded: ${(error as Error).message}`)
  }
  if (decoded.id !== id || !decoded.flag_qr)
    throw new ProbeFailure('dns_malformed_answer', `the answer (id ${decoded.id}) does not answer query ${id}`)
  return decoded
}

/**
 * Probes a DNS server as blackbox_exporter's dns prober does: resolve the
 * server's name, send the module's query over UDP, TCP or TLS, then check
 * the rcode and each section's records against the module's regexps. Never
 * throws: a failure is in the outcome.
 */
export async function probeDns(
  target: string,
  config: DnsProbeConfig,
  deadline: ProbeDeadline,
  log: ProbeLog,
): Promise<DnsProbeOutcome> {
  const measures: DnsMeasures = {
    phases: { resolve: 0, connect: 0, request: 0 },
    answerRrs: 0,
    authorityRrs: 0,
    additionalRrs: 0,
    querySucceeded: false,
    serial: undefined,
  }
  let resolved: ResolvedTarget | undefined
  let tls: TlsInfo | undefined
  const probed = async (): Promise<undefined> => {
    const server = dnsServer(target, config.dnsOverTls)
    resolved = await deadline.within(resolveTarget(server.host, config.preferredIpProtocol, config.ipProtocolFallback))
    measures.phases.resolve = resolved.lookupSeconds
    const id = randomInt(0, 65_536)
    const message = query(config, id)
    const protocol = `${config.transportProtocol}${resolved.family}${config.dnsOverTls ? '-tls' : ''}`
    const { queryName, queryType, queryClass } = config
    log.info(
      `querying ${resolved.address} port ${server.port} over ${protocol}: ${queryName} ${queryType.name} ${queryClass}`,
    )
    let answer: Buffer
    if (config.transportProtocol === 'udp') {
      answer = await exchangeUdp(deadline, resolved, server.port, message, config.sourceIpAddress, measures.phases)
    } else {
      const overTls = config.dnsOverTls ? config.tlsConfig : undefined
      const connection = await openConnection(deadline, resolved.address, server.port, server.host, overTls, {
        localAddress: config.sourceIpAddress,
      })
      measures.phases.connect = connection.connectSeconds + connection.tlsSeconds
      tls = connection.tls
      if (connection.tlsFailure) throw connection.tlsFailure
      answer = await exchangeFramed(deadline, connection.socket, message, measures.phases)
    }
    const decoded = decodeAnswer(answer, id)
    const { answers = [], authorities = [], additionals = [] } = decoded
    const sections: [string, readonly DnsRecord[], RecordChecks][] = [
      ['answer', answers, config.validateAnswer],
      ['authority', authorities, config.validateAuthority],
      ['additional', additionals, config.validateAdditional],
    ]
    measures.querySucceeded = true
    measures.answerRrs = answers.length
    measures.authorityRrs = authorities.length
    measures.additionalRrs = additionals.length
    if (queryType.number === soaType) {
      // The last SOA of the answer, as blackbox_exporter sets its gauge for each in turn.
      measures.serial = 0
      for (const record of answers) if (record.type === 'SOA') measures.serial = record.data.serial
    }
    const { rcode } = decoded
    log.info(
      `answer: rcode ${rcode}, ${sections.map(([name, records]) => `${records.length} ${name}`).join(', ')} records`,
    )
    if (!config.validRcodes.includes(rcode))
      throw new ProbeFailure(
        'dns_rcode',
        `rcode ${rcode} is not one of the valid rcodes (${config.validRcodes.join(', ')})`,
      )
    for (const [name, records, checks] of sections) {
      const texts = records.map(recordText)
      for (const text of texts) log.info(`${name} record: ${text}`)
      const problem = recordsProblem(texts, checks)
      if (problem) throw new ProbeFailure('dns_record_regexp', `${name} section: ${problem}`)
    }
    return undefined
  }
  const failure = await probed().then(
    () => undefined,
    (error: unknown) => networkFailure(error, deadline.connected),
  )
  deadline.close()
  return { resolved, tls, measures, failure }
}
