import { type Collector, Desc, type Emit, constMetric, deadlineMarginMs } from 'promkit'
import type { TlsInfo } from './certificates.js'
import type { ProbeModule } from './config.js'
import { ProbeDeadline } from './connection.js'
import { dnsPhases, probeDns } from './dns-probe.js'
import { grpcPhases, probeGrpc, servingStatuses } from './grpc-probe.js'
import type { ProbeFailure } from './failure.js'
import { httpPhases, probeHttp } from './http-probe.js'
import { ProbeLog } from './probe-log.js'
import { type ResolvedTarget, ipAddressHash } from './resolve.js'
import { probeTcp } from './tcp-probe.js'

/** The families of a probe, with `extra` labels first on each. */
function probeFamilies(extra: readonly string[]) {
  const gauge = (name: string, help: string, variableLabels: string[] = []) =>
    new Desc({ name, help, variableLabels: [...extra, ...variableLabels] })
  return {
    success: gauge('probe_success', 'Displays whether or not the probe was a success'),
    duration: gauge('probe_duration_seconds', 'Returns how long the probe took to complete in seconds'),
    failureInfo: gauge(
      'probe_failure_info',
      'Why the probe failed: one of a fixed set of reasons (see README); absent when it succeeded',
      ['reason'],
    ),
    dnsLookup: gauge('probe_dns_lookup_time_seconds', 'Returns the time taken for probe dns lookup in seconds'),
    ipProtocol: gauge('probe_ip_protocol', 'Specifies whether probe ip protocol is IP4 or IP6'),
    ipAddrHash: gauge(
      'probe_ip_addr_hash',
      "Specifies the hash of IP address. It's useful to detect if the IP address changes.",
    ),
    failedDueToRegex: gauge('probe_failed_due_to_regex', 'Indicates if probe failed due to regex'),
    httpDuration: gauge('probe_http_duration_seconds', 'Duration of http request by phase, summed over all redirects', [
      'phase',
    ]),
    httpContentLength: gauge('probe_http_content_length', 'Length of http content response'),
    httpBodyLength: gauge('probe_http_uncompressed_body_length', 'Length of uncompressed response body'),
    httpRedirects: gauge('probe_http_redirects', 'The number of redirects'),
    httpSsl: gauge('probe_http_ssl', 'Indicates if SSL was used for the final redirect'),
    httpStatusCode: gauge('probe_http_status_code', 'Response HTTP status code'),
    httpVersion: gauge('probe_http_version', 'Returns the version of HTTP of the probe response'),
    sslEarliestExpiry: gauge('probe_ssl_earliest_cert_expiry', 'Returns last SSL chain expiry in unixtime'),
    sslLastChainExpiry: gauge(
      'probe_ssl_last_chain_expiry_timestamp_seconds',
      'Returns last SSL chain expiry in timestamp',
    ),
    sslLastChainInfo: gauge('probe_ssl_last_chain_info', 'Contains SSL leaf certificate information', [
      'fingerprint_sha256',
      'issuer',
      'subject',
      'subjectalternative',
    ]),
    tlsVersion: gauge('probe_tls_version_info', 'Returns the TLS version used or NaN when unknown', ['version']),
    dnsAnswerRrs: gauge('probe_dns_answer_rrs', 'Returns number of entries in the answer resource record list'),
    dnsAuthorityRrs: gauge(
      'probe_dns_authority_rrs',
      'Returns number of entries in the authority resource record list',
    ),
    dnsAdditionalRrs: gauge(
      'probe_dns_additional_rrs',
      'Returns number of entries in the additional resource record list',
    ),
    dnsDuration: gauge('probe_dns_duration_seconds', 'Duration of DNS request by phase', ['phase']),
    dnsQuerySucceeded: gauge(
      'probe_dns_query_succeeded',
      'Displays whether or not the query was executed successfully',
    ),
    dnsSerial: gauge('probe_dns_serial', 'Returns the serial number of the zone'),
    grpcDuration: gauge('probe_grpc_duration_seconds', 'Duration of gRPC request by phase', ['phase']),
    grpcSsl: gauge('probe_grpc_ssl', 'Indicates if SSL was used for the connection'),
    grpcStatusCode: gauge('probe_grpc_status_code', 'Response gRPC status code'),
    grpcHealthcheckResponse: gauge('probe_grpc_healthcheck_response', 'Response HealthCheck response', [
      'serving_status',
    ]),
  }
}

/**
 * Every family a probe answers with, whatever its prober: blackbox_exporter 0.23's names, help and labels, plus
 * `probe_failure_info`.
 */
export const probeDescs = probeFamilies([])

/** The same families labelled with the probe's `module` and `target`: listed targets probed together (push mode). */
export const listedProbeDescs = probeFamilies(['module', 'target'])

/** What every probe reports, whatever its prober. */
interface ProbeResult {
  readonly resolved: ResolvedTarget | undefined
  readonly tls: TlsInfo | undefined
  /** `probe_failed_due_to_regex`, which the http and tcp probers have and the dns and grpc probers have not. */
  readonly failedDueToRegex: boolean | undefined
  readonly failure: ProbeFailure | undefined
}

/** How a probe ended, for the exporter's own counters and the debug page. */
export interface ProbeReport {
  readonly success: boolean
  readonly log: ProbeLog
}

/** Emits one family's sample, with the probe's own labels (none, or its module and target) first. */
export type Sample = (desc: keyof ProbeDescs, value: number, labels?: string[]) => void

type ProbeDescs = typeof probeDescs

function emitCommon(sample: Sample, result: ProbeResult): void {
  const { resolved, tls } = result
  sample('dnsLookup', resolved?.lookupSeconds ?? 0)
  sample('ipProtocol', resolved?.family ?? 0)
  // 0 when the name did not resolve, as blackbox_exporter has it.
  sample('ipAddrHash', resolved ? ipAddressHash(resolved.address) : 0)
  if (result.failedDueToRegex !== undefined) sample('failedDueToRegex', result.failedDueToRegex ? 1 : 0)
  if (result.failure) sample('failureInfo', 1, [result.failure.reason])
  if (tls) {
    sample('sslEarliestExpiry', tls.earliestExpiry)
    sample('sslLastChainExpiry', tls.lastChainExpiry)
    const { fingerprintSha256, issuer, subject, subjectAlternative } = tls.leaf
    sample('sslLastChainInfo', 1, [fingerprintSha256, issuer, subject, subjectAlternative])
    sample('tlsVersion', 1, [tls.version])
  }
}

/**
 * Probes `target` with `module` within the smaller of the module's timeout
 * and the scrape's deadline (`Date.now()` ms), and emits what the probe
 * found, each sample through `sample`.
 */
export async function runProbe(
  target: string,
  module: ProbeModule,
  deadline: number,
  sample: Sample,
): Promise<ProbeReport> {
  const started = performance.now()
  const untilDeadline = deadline - deadlineMarginMs - Date.now()
  const timeoutMs = module.timeoutMs > 0 ? Math.min(module.timeoutMs, untilDeadline) : untilDeadline
  const probeDeadline = new ProbeDeadline(Math.max(timeoutMs, 0))
  const log = new ProbeLog()
  log.info(`beginning probe of ${target} with the ${module.prober} prober, timeout ${timeoutMs / 1000} s`)
  let result: ProbeResult
  if (module.prober === 'http') {
    const outcome = await probeHttp(target, module.http, probeDeadline, log)
    const { measures } = outcome
    result = { ...outcome, tls: measures.tls, failedDueToRegex: measures.failedDueToRegex }
    for (const phase of httpPhases) sample('httpDuration', measures.phases[phase], [phase])
    sample('httpContentLength', measures.contentLength)
    sample('httpBodyLength', measures.uncompressedBodyLength)
    sample('httpRedirects', measures.redirects)
    sample('httpSsl', measures.ssl && measures.statusCode > 0 ? 1 : 0)
    sample('httpStatusCode', measures.statusCode)
    sample('httpVersion', measures.version)
  } else if (module.prober === 'tcp') {
    result = await probeTcp(target, module.tcp, probeDeadline, log)
  } else if (module.prober === 'grpc') {
    const outcome = await probeGrpc(target, module.grpc, probeDeadline, log)
    const { measures } = outcome
    result = { ...outcome, failedDueToRegex: undefined }
    for (const phase of grpcPhases) sample('grpcDuration', measures.phases[phase], [phase])
    // As blackbox_exporter: SSL only for a call that answered OK over TLS, the earliest expiry always (0 without TLS).
    sample('grpcSsl', measures.statusCode === 0 && outcome.tls !== undefined ? 1 : 0)
    sample('grpcStatusCode', measures.statusCode)
    for (const status of servingStatuses)
      sample('grpcHealthcheckResponse', status === measures.servingStatus ? 1 : 0, [status])
    if (outcome.tls === undefined) sample('sslEarliestExpiry', 0)
  } else {
    const outcome = await probeDns(target, module.dns, probeDeadline, log)
    const { measures } = outcome
    result = { ...outcome, failedDueToRegex: undefined }
    sample('dnsAnswerRrs', measures.answerRrs)
    sample('dnsAuthorityRrs', measures.authorityRrs)
    sample('dnsAdditionalRrs', measures.additionalRrs)
    for (const phase of dnsPhases) sample('dnsDuration', measures.phases[phase], [phase])
    sample('dnsQuerySucceeded', measures.querySucceeded ? 1 : 0)
    if (measures.serial !== undefined) sample('dnsSerial', measures.serial)
  }
  emitCommon(sample, result)
  const success = result.failure === undefined
  if (result.failure) log.error(`probe failed (${result.failure.reason}): ${result.failure.message}`)
  else log.info('probe succeeded')
  sample('success', success ? 1 : 0)
  sample('duration', (performance.now() - started) / 1000)
  return { success, log }
}

/**
 * The collector of one `/probe` request: it runs the probe and emits its
 * families as blackbox_exporter does, unlabelled; `done` hears how it went.
 */
export function probeCollector(target: string, module: ProbeModule, done: (report: ProbeReport) => void): Collector {
  return {
    name: module.prober,
    describe: () => Object.values(probeDescs),
    async collect(emit: Emit, { deadline }) {
      const sample: Sample = (desc, value, labels = []) => emit(constMetric(probeDescs[desc], 'gauge', value, labels))
      done(await runProbe(target, module, deadline, sample))
    },
  }
}
