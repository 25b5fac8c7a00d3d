import { type CertificateProblem, certificateProblem } from 'promkit/exporter'

/**
 * Why a probe failed: the `reason` label of `probe_failure_info`, a small
 * fixed set so that the series stay few and alerts can match on them.
 */
export const failureReasons = [
  /** The target is not a URL (http), `host:port` (tcp) or a host with an optional port (dns, grpc). */
  'invalid_target',
  /** The target's name did not resolve. */
  'dns',
  /** Nothing listens: the connection was refused. */
  'connection_refused',
  /** The connection was not made before the probe's timeout. */
  'connect_timeout',
  /** The connection was reset or closed before an answer. */
  'connection_reset',
  /** Another network error (unreachable host or network). */
  'network',
  /** The certificate is not signed by a trusted authority (or is self-signed). */
  'tls_unknown_authority',
  /** The certificate has expired (or is not valid yet). */
  'tls_expired_certificate',
  /** The certificate does not name the target's host. */
  'tls_hostname_mismatch',
  /** Any other TLS handshake failure (protocol version, ciphers, a client certificate refused). */
  'tls_handshake',
  /** Connected, then the probe's timeout passed before the answer was complete. */
  'timeout',
  /** The status code is not among `valid_status_codes` (2xx by default). */
  'status_code',
  /** The HTTP version is not among `valid_http_versions`. */
  'http_version',
  /** More than 10 redirects. */
  'redirect_limit',
  /** `fail_if_ssl`: the answer came over TLS. */
  'ssl_forbidden',
  /** `fail_if_not_ssl`: the answer did not come over TLS. */
  'ssl_required',
  /** `fail_if_body_matches_regexp` or `fail_if_body_not_matches_regexp`. */
  'body_regexp',
  /** `fail_if_header_matches` or `fail_if_header_not_matches`. */
  'header_regexp',
  /** The body is longer than `body_size_limit`. */
  'body_size_limit',
  /** A `query_response` step's `expect` was not answered. */
  'query_response',
  /** The proxy (`proxy_url`) would not open a tunnel to the target. */
  'proxy',
  /** The DNS answer could not be decoded, or does not answer the query sent. */
  'dns_malformed_answer',
  /** The DNS answer's rcode is not among `valid_rcodes` (NOERROR by default). */
  'dns_rcode',
  /** A `validate_answer_rrs`, `validate_authority_rrs` or `validate_additional_rrs` check failed. */
  'dns_record_regexp',
  /** The gRPC health check ended with a status other than OK (`probe_grpc_status_code` says which). */
  'grpc_status',
  /** The gRPC health check answered, with a serving status other than SERVING. */
  'grpc_not_serving',
  /** The gRPC health answer could not be read. */
  'grpc_malformed_answer',
] as const

/** One of {@link failureReasons}. */
export type FailureReason = (typeof failureReasons)[number]

/** A probe's failure, with its reason and a message for the probe's log. */
export class ProbeFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
  ) {
    super(message)
    this.name = 'ProbeFailure'
  }
}

/** The reason each certificate problem is. */
const certificateReasons: Readonly<Record<CertificateProblem, FailureReason>> = {
  unknown_authority: 'tls_unknown_authority',
  expired: 'tls_expired_certificate',
  hostname_mismatch: 'tls_hostname_mismatch',
}

/**
 * The failure a socket or TLS error is: `connected` says whether the
 * connection had been made (a timeout before is `connect_timeout`, after is
 * `timeout`).
 */
export function networkFailure(error: unknown, connected: boolean): ProbeFailure {
  if (error instanceof ProbeFailure) return error
  const { code, message } = error as NodeJS.ErrnoException
  const problem = certificateProblem(error)
  const known = problem === undefined ? undefined : certificateReasons[problem]
  const reason: FailureReason =
    known ??
    (code === 'ECONNREFUSED'
      ? 'connection_refused'
      : code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE'
        ? 'connection_reset'
        : code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS') || /SSL|TLS/.test(message)
          ? 'tls_handshake'
          : connected
            ? 'connection_reset'
            : 'network')
  return new ProbeFailure(reason, message)
}

/** The probe's timeout passing: before the connection was made, or after. */
export function timeoutFailure(connected: boolean, timeoutMs: number): ProbeFailure {
  return new ProbeFailure(
    connected ? 'timeout' : 'connect_timeout',
    `${connected ? 'no complete answer' : 'no connection'} within the probe's timeout (${timeoutMs / 1000} s)`,
  )
}
