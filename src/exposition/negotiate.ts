import type { ExpositionFormat } from './encode.js'

interface MediaRange {
  readonly type: string
  readonly version: string | undefined
  /** The protobuf range's `proto` and `encoding` parameters. */
  readonly proto: string | undefined
  readonly encoding: string | undefined
  readonly q: number
}

function parseRange(part: string): MediaRange {
  const [type = '', ...parameters] = part.split(';').map((piece) => piece.trim())
  let version: string | undefined
  let proto: string | undefined
  let encoding: string | undefined
  let q = 1
  for (const parameter of parameters) {
    const equals = parameter.indexOf('=')
    const key = parameter.slice(0, equals).trim().toLowerCase()
    const value = parameter
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
    if (key === 'version') version = value
    if (key === 'proto') proto = value
    if (key === 'encoding') encoding = value
    // An unreadable q-value makes the range unacceptable rather than preferred.
    if (key === 'q') q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : 0
  }
  return { type: type.toLowerCase(), version, proto, encoding, q }
}

function formatOf(range: MediaRange): ExpositionFormat | undefined {
  const { type, version } = range
  if (
    type === 'application/vnd.google.protobuf' &&
    range.proto === 'io.prometheus.client.MetricFamily' &&
    range.encoding === 'delimited'
  ) {
    return 'protobuf'
  }
  if (
    type === 'application/openmetrics-text' &&
    (version === undefined || version === '1.0.0' || version === '0.0.1')
  ) {
    return 'openmetrics'
  }
  if (type === 'text/plain' && (version === undefined || version === '0.0.4')) return 'text'
  if (type === 'text/*' || type === '*/*') return 'text'
  return undefined
}

/**
 * Picks the exposition format from an HTTP Accept header, honouring q-values
 * (ties go to the earlier range), as client_golang's `expfmt.Negotiate` does.
 * Protobuf for its delimited `MetricFamily` range, OpenMetrics only when the
 * client asks for it (version 1.0.0, 0.0.1 or none); anything else, including
 * no header, gets the Prometheus text format 0.0.4.
 */
export function negotiate(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'text'
  const ranges = accept
    .split(',')
    .map(parseRange)
    .filter((range) => range.q > 0)
    .sort((a, b) => b.q - a.q)
  for (const range of ranges) {
    const format = formatOf(range)
    if (format) return format
  }
  return 'text'
}
