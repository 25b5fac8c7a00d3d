import { setImmediate as nextTurn } from 'node:timers/promises'
import { PromkitError, quote } from '../errors.js'
import type { Metric } from '../const-metric.js'
import { GatheredFamily, type MetricFamily } from '../families.js'
import { type Series, labelBlock } from '../series-cache.js'
import { isLegacyMetricName } from '../names.js'
import { type Dialect, appendAggregate, appendScalarLine, appendValueLine, quotedSample } from './dialect.js'
import { type EscapingScheme, defaultEscapingScheme, escapeFamilies } from './escaping.js'
import { openMetricsCreatedDialect, openMetricsDialect, openMetricsName } from './openmetrics.js'
import { encodeProtobufChunks, protobufContentType } from './protobuf.js'
import { textDialect } from './text.js'

/** The text exposition formats promkit writes. */
export type TextFormat = 'text' | 'openmetrics'

/** The exposition formats promkit writes: the text ones and protobuf (bytes). */
export type ExpositionFormat = TextFormat | 'protobuf'

/** The Content-Type header for each format. */
export const contentTypes: Readonly<Record<ExpositionFormat, string>> = Object.freeze({
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
  protobuf: protobufContentType,
})

/** Chunks are cut once they reach this many characters (about 64 KiB of mostly ASCII). */
export const defaultChunkCharacters = 64 * 1024

/** How an exposition is written, beyond its format. */
export interface EncodeOptions {
  /** Chunks are cut once they reach about this many characters (bytes, for protobuf). Default 64 KiB. */
  readonly chunkSize?: number
  /**
   * OpenMetrics: a `_created` line after each counter, histogram and summary that has a created timestamp, as
   * client_golang's `EnableOpenMetricsTextCreatedSamples`. Default false: Prometheus would store each as a series of
   * its own. (Protobuf always carries created timestamps, in their own field.)
   */
  readonly createdSamples?: boolean
  /**
   * How metric and label names outside the classic character set are written (see {@link EscapingScheme}); default
   * `underscores`, what Prometheus' spec asks for when the scraper names no scheme. With `allow-utf-8`, the text
   * formats quote them.
   */
  readonly escaping?: EscapingScheme
}

const dialects: Readonly<Record<TextFormat, Dialect>> = { text: textDialect, openmetrics: openMetricsDialect }

function dialectFor(format: TextFormat, options: EncodeOptions): Dialect {
  if (format === 'openmetrics' && options.createdSamples === true) return openMetricsCreatedDialect
  const dialect = Object.hasOwn(dialects, format) ? dialects[format] : undefined
  if (dialect === undefined) {
    throw new PromkitError(
      'PROMKIT_ERR_INVALID_OPTION',
      `unknown text exposition format ${quote(format)} (want "text" or "openmetrics")`,
    )
  }
  return dialect
}

/**
 * Encodes families as a sequence of text chunks of about `options.chunkSize`
 * characters each, so a large scrape is never one giant string. Pure: the
 * same families always give the same text.
 */
export function* encodeChunks(
  families: readonly MetricFamily[],
  format: TextFormat,
  options: EncodeOptions = {},
): Generator<string, void, undefined> {
  const dialect = dialectFor(format, options)
  const chunkCharacters = options.chunkSize ?? defaultChunkCharacters
  // Lines, or the pieces of a line, are gathered in an array and joined once per chunk: far less for the garbage
  // collector than a string per line, and one flat string per chunk.
  let lines: string[] = []
  let size = 0
  for (const family of escapeFamilies(families, options.escaping ?? defaultEscapingScheme)) {
    const header = dialect.header(family)
    lines.push(header)
    size += header.length
    // A name outside the classic character set (allowed by the `allow-utf-8` escaping) goes, quoted, inside the
    // braces: the sample lines start with `{"name",` instead of the name.
    const legacyName = isLegacyMetricName(family.name)
    const valueName = dialect.valueName(family)
    // A registry's families come as columns, each series' label block cached; others (built by hand) have theirs
    // encoded here.
    const columns = family instanceof GatheredFamily ? family.columns : undefined
    const count = columns === undefined ? family.metrics.length : columns.series.length
    for (let i = 0; i < count; i++) {
      const metric = columns === undefined ? (family.metrics[i] as Metric) : columns.kept[i]
      if (metric === undefined) {
        // A plain value, held in the columns only.
        const { series, values } = columns as GatheredFamily['columns']
        const labels = (series[i] as Series).labels
        size += legacyName
          ? appendValueLine(valueName, labels, values[i] as number, lines)
          : appendValueLine('', quotedSample(valueName, labels), values[i] as number, lines)
      } else {
        const labels =
          columns === undefined ? labelBlock(metric.desc, metric.labelValues) : (columns.series[i] as Series).labels
        if (metric.type === 'histogram' || metric.type === 'summary') {
          const series = columns === undefined ? undefined : (columns.series[i] as Series)
          size += appendAggregate(dialect, family.name, legacyName, metric, labels, lines, series)
        } else {
          size += legacyName
            ? appendScalarLine(dialect, valueName, metric, labels, lines)
            : appendScalarLine(dialect, '', metric, quotedSample(valueName, labels), lines)
          if (metric.createdTimestampMs !== undefined) {
            const created = dialect.created(openMetricsName(family), labels, metric.createdTimestampMs)
            lines.push(created)
            size += created.length
          }
        }
      }
      if (size >= chunkCharacters) {
        yield lines.join('')
        lines = []
        size = 0
      }
    }
  }
  lines.push(dialect.trailer)
  const last = lines.join('')
  if (last !== '') yield last
}

/** Encodes families into one string: convenient for tests and small scrapes. */
export function encode(families: readonly MetricFamily[], format: TextFormat, options: EncodeOptions = {}): string {
  return [...encodeChunks(families, format, options)].join('')
}

/** Encodes families as the protobuf exposition (length-delimited `MetricFamily` messages) in one buffer. */
export function encodeProtobuf(families: readonly MetricFamily[], options: EncodeOptions = {}): Buffer {
  return Buffer.concat([...encodeProtobufChunks(families, options)])
}

/**
 * Like {@link encodeChunks}, but lets the event loop run between chunks, so
 * timers and other requests are served while a large scrape is being written.
 * Suits `Readable.from()` and HTTP responses.
 */
export async function* encodeStream(
  families: readonly MetricFamily[],
  format: TextFormat,
  options: EncodeOptions = {},
): AsyncGenerator<string, void, undefined> {
  for (const chunk of encodeChunks(families, format, options)) {
    yield chunk
    await nextTurn()
  }
}

/**
 * An HTTP response body: the exposition as one string (or buffer, for
 * protobuf) when it fits in one chunk, so small scrapes skip the stream
 * machinery (and chunked transfer encoding) entirely; otherwise chunks with
 * the event loop let run between them, as {@link encodeStream} does.
 */
export function encodeBody(
  families: readonly MetricFamily[],
  format: ExpositionFormat,
  options: EncodeOptions = {},
): string | Buffer | AsyncIterable<string | Buffer> {
  const chunks: Iterator<string | Buffer, void> =
    format === 'protobuf' ? encodeProtobufChunks(families, options) : encodeChunks(families, format, options)
  const first = chunks.next()
  const second = chunks.next()
  if (second.done) return first.done ? (format === 'protobuf' ? Buffer.alloc(0) : '') : first.value
  return (async function* () {
    yield first.value as string | Buffer
    for (let next: IteratorResult<string | Buffer, void> = second; !next.done; next = chunks.next()) {
      await nextTurn()
      yield next.value
    }
  })()
}
