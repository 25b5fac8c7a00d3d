import { type Collector, Desc, type Emit, constMetric } from 'promkit'
import type { TlsInfo } from './certificates.js'
import type { ProbeModule } from './config.js'
import { ProbeDeadline } from './connection.js'
import type { ProbeFailure } from './failure.js'
import { httpPhases, probeHttp } from './http-probe.js'
import { ProbeLog } from './probe-log.js'
import { type ResolvedTarget, ipAddressHash } from './resolve.js'
import { probeTcp } from './tcp-probe.js'

const gauge = (name: string, help: string, variableLabels: string[] = []) => new Desc({ name, help, variableLabels })

/** Every family a probe answers with: blackbox_exporter 0.23's names, help and labels, plus `probe_failure_info`. */
export const probeDescs = {
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
}

/** What every probe reports, whatever its prober. */
interface ProbeResult {
  readonly resolved: ResolvedTarget | undefined
  readonly tls: TlsInfo | undefined
  readonly failedDueToRegex: boolean
  readonly failure: ProbeFailure | undefined
}

/** How a probe ended, for the exporter's own counters and the debug page. */
export interface ProbeReport {
  readonly success: boolean
  readonly log: ProbeLog
}

function emitCommon(emit: Emit, result: ProbeResult): void {
  const { resolved, tls } = result
  emit(constMetric(probeDescs.dnsLookup, 'gauge', resolved?.lookupSeconds ?? 0))
  emit(constMetric(probeDescs.ipProtocol, 'gauge', resolved?.family ?? 0))
  // 0 when the name did not resolve, as blackbox_exporter has it.
  emit(constMetric(probeDescs.ipAddrHash, 'gauge', resolved ? ipAddressHash(resolved.address) : 0))
  emit(constMetric(probeDescs.failedDueToRegex, 'gauge', result.failedDueToRegex ? 1 : 0))
  if (result.failure) emit(constMetric(probeDescs.failureInfo, 'gauge', 1, [result.failure.reason]))
  if (tls) {
    emit(constMetric(probeDescs.sslEarliestExpiry, 'gauge', tls.earliestExpiry))
    emit(constMetric(probeDescs.sslLastChainExpiry, 'gauge', tls.lastChainExpiry))
    const { fingerprintSha256, issuer, subject, subjectAlternative } = tls.leaf
    emit(constMetric(probeDescs.sslLastChainInfo, 'gauge', 1, [fingerprintSha256, issuer, subject, subjectAlternative]))
    emit(constMetric(probeDescs.tlsVersion, 'gauge', 1, [tls.version]))
  }
}

/**
 * The collector of one `/probe` request: it probes `target` with `module`
 * within the smaller of the module's timeout and the scrape's deadline, and
 * emits what the probe found; `done` hears how it went.
 */
export function probeCollector(target: string, module: ProbeModule, done: (report: ProbeReport) => void): Collector {
  return {
    name: module.prober,
    describe: () => Object.values(probeDescs),
    async collect(emit: Emit, { deadline }) {
      const started = performance.now()
      const untilDeadline = deadline - Date.now()
      const timeoutMs = module.timeoutMs > 0 ? Math.min(module.timeoutMs, untilDeadline) : untilDeadline
      const probeDeadline = new ProbeDeadline(Math.max(timeoutMs, 0))
      const log = new ProbeLog()
      log.info(`beginning probe of ${target} with the ${module.prober} prober, timeout ${timeoutMs / 1000} s`)
      let result: ProbeResult
      if (module.prober === 'http') {
        const outcome = await probeHttp(target, module.http, probeDeadline, log)
        const { measures } = outcome
        result = { ...outcome, tls: measures.tls, failedDueToRegex: measures.failedDueToRegex }
        for (const phase of httpPhases)
          emit(constMetric(probeDescs.httpDuration, 'gauge', measures.phases[phase], [phase]))
        emit(constMetric(probeDescs.httpContentLength, 'gauge', measures.contentLength))
        emit(constMetric(probeDescs.httpBodyLength, 'gauge', measures.uncompressedBodyLength))
        emit(constMetric(probeDescs.httpRedirects, 'gauge', measures.redirects))
        emit(constMetric(probeDescs.httpSsl, 'gauge', measures.ssl && measures.statusCode > 0 ? 1 : 0))
        emit(constMetric(probeDescs.httpStatusCode, 'gauge', measures.statusCode))
        emit(constMetric(probeDescs.httpVersion, 'gauge', measures.version))
      } else {
        result = await probeTcp(target, module.tcp, probeDeadline, log)
      }
      emitCommon(emit, result)
      const success = result.failure === undefined
      if (result.failure) log.error(`probe failed (${result.failure.reason}): ${result.failure.message}`)
      else log.info('probe succeeded')
      emit(constMetric(probeDescs.success, 'gauge', success ? 1 : 0))
      emit(constMetric(probeDescs.duration, 'gauge', (performance.now() - started) / 1000))
      done({ success, log })
    },
  }
}
