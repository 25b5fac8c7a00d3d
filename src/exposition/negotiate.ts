import { type ExpositionFormat, contentTypes } from './encode.js'
import { type EscapingScheme, defaultEscapingScheme, escapingSchemes } from './escaping.js'

interface MediaRange {
  readonly type: string
  readonly version: string | undefined
  /** The protobuf range's `proto` and `encoding` parameters. */
  readonly proto: string | undefined
  readonly encoding: string | undefined
  /** The escaping scheme the client asks for, when it names one. */
  readonly escaping: string | undefined
  readonly q: number
}

function parseRange(part: string): MediaRange {
  const [type = '', ...parameters] = part.split(';').map((piece) => piece.trim())
  let version: string | undefined
  let proto: string | undefined
  let encoding: string | undefined
  let escaping: string | undefined
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
    if (key === 'escaping') escaping = value
    // An unreadable q-value makes the range unacceptable rather than preferred.
    if (key === 'q') q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : 0
  }
  return { type: type.toLowerCase(), version, proto, encoding, escaping, q }
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
  if (type === 'text/plain' && (version === undefined || version === '0.0.4' || version === '1.0.0')) return 'text'
  if (type === 'text/*' || type === '*/*') return 'text'
  return undefined
}

/** What a scraper gets: the format, how names are escaped in it, and the Content-Type that says both. */
export interface Negotiated {
  readonly format: ExpositionFormat
  readonly escaping: EscapingScheme
  readonly contentType: string
}

const textVersion1 = 'text/plain; version=1.0.0; charset=utf-8'

function negotiated(range: MediaRange | undefined, format: ExpositionFormat): Negotiated {
  const asked = escapingSchemes.find((scheme) => scheme === range?.escaping)
  // Text 0.0.4 has no quoted names: UTF-8 ones are escaped with underscores, and its Content-Type stays as it was.
  if (format === 'text' && range?.version !== '1.0.0') {
    const escaping = asked === undefined || asked === 'allow-utf-8' ? defaultEscapingScheme : asked
    return { format, escaping, contentType: contentTypes.text }
  }
  const escaping = asked ?? defaultEscapingScheme
  const base = format === 'text' ? textVersion1 : contentTypes[format]
  // The Content-Type names the scheme when the scraper asked for one, and always for text 1.0.0.
  const named = asked !== undefined || format === 'text'
  return { format, escaping, contentType: named ? `${base}; escaping=${escaping}` : base }
}

/** The latest Accept header negotiated, and its answer. */
let latest: { readonly accept: string | undefined; readonly negotiated: Negotiated } = {
  accept: undefined,
  negotiated: negotiated(undefined, 'text'),
}

/**
 * Picks the exposition format and the escaping of names from an HTTP Accept
 * header, honouring q-values (ties go to the earlier range), as client_golang's
 * `expfmt.Negotiate` does. Protobuf for its delimited `MetricFamily` range,
 * OpenMetrics only when the client asks for it (version 1.0.0, 0.0.1 or none),
 * text 1.0.0 (UTF-8 names quoted) when asked for; anything else, including no
 * header, gets the Prometheus text format 0.0.4. The range's `escaping=` picks
 * the scheme; without one, `underscores`.
 */
export function negotiateExposition(accept: string | undefined): Negotiated {
  // A scraper sends the same header every time: the answer for the latest one is kept.
  if (accept === latest.accept) return latest.negotiated
  const answer = negotiateAccept(accept)
  latest = { accept, negotiated: answer }
  return answer
}

/** {@link negotiateExposition} worked out. */
function negotiateAccept(accept: string | undefined): Negotiated {
  const ranges = (accept ?? '')
    .split(',')
    .map(parseRange)
    .filter((range) => range.q > 0)
    .sort((a, b) => b.q - a.q)
  for (const range of ranges) {
    const format = formatOf(range)
    if (format) return negotiated(range, format)
  }
  return negotiated(undefined, 'text')
}

/** The exposition format of {@link negotiateExposition}. */
export function negotiate(accept: string | undefined): ExpositionFormat {
  return negotiateExposition(accept).format
}
