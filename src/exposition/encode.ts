import { setImmediate as nextTurn } from 'node:timers/promises'
import { PromkitError, quote } from '../errors.js'
import type { Metric } from '../const-metric.js'
import type { Desc } from '../desc.js'
import { GatheredFamily, type MetricFamily } from '../families.js'
import { type Series, labelBlock } from '../series-cache.js'
import { isLegacyMetricName } from '../names.js'
import { ByteWriter, defaultChunkBytes } from './byte-writer.js'
import { type Dialect, quotedSample, writeAggregate, writeScalarLine, writeValueLine } from './dialect.js'
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

/** How an exposition is written, beyond its format. */
export interface EncodeOptions {
  /** Chunks are cut once they reach about this many bytes. Default 64 KiB. */
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

/** A family's HELP/TYPE (and UNIT) lines and sample name as bytes, in one dialect. */
interface FamilyBytes {
  readonly dialect: Dialect
  readonly family: Pick<MetricFamily, 'name' | 'help' | 'type' | 'unit'>
  readonly header: Buffer
  readonly valueName: string
  readonly valueNameBytes: Buffer
  /** Whether the name is in the classic character set (else the sample lines quote it inside the braces). */
  readonly legacyName: boolean
}

/** The bytes of each registry family's lines, kept with its first series' Desc so the next scrape writes them again. */
const familyBytesByDesc = new WeakMap<Desc, FamilyBytes>()

/**
 * A family's header and sample name as bytes: the ones kept from the last scrape when the family is the same (a
 * family gathered by a registry, with the same name, help, type, unit and dialect), else made (and kept).
 */
function familyBytes(family: MetricFamily, dialect: Dialect): FamilyBytes {
  const desc = family instanceof GatheredFamily ? family.columns.series[0]?.desc : undefined
  const kept = desc === undefined ? undefined : familyBytesByDesc.get(desc)
  const same = kept?.family
  if (
    kept !== undefined &&
    kept.dialect === dialect &&
    same?.name === family.name &&
    same.help === family.help &&
    same.type === family.type &&
    same.unit === family.unit
  )
    return kept
  const { name, help, type, unit } = family
  const valueName = dialect.valueName(family)
  const made: FamilyBytes = {
    dialect,
    family: { name, help, type, unit },
    header: Buffer.from(dialect.header(family)),
    valueName,
    valueNameBytes: Buffer.from(valueName),
    legacyName: isLegacyMetricName(name),
  }
  if (desc !== undefined) familyBytesByDesc.set(desc, made)
  return made
}

/**
 * Encodes families as a sequence of chunks of UTF-8 text of about `options.chunkSize` bytes each (cut between
 * series), so a large scrape is never one giant string or buffer. Pure: the same families always give the same text.
 */
export function* encodeChunks(
  families: readonly MetricFamily[],
  format: TextFormat,
  options: EncodeOptions = {},
): Generator<Buffer, void, undefined> {
  const dialect = dialectFor(format, options)
  const chunkBytes = options.chunkSize ?? defaultChunkBytes
  const out = new ByteWriter()
  for (const family of escapeFamilies(families, options.escaping ?? defaultEscapingScheme)) {
    // A name outside the classic character set (allowed by the `allow-utf-8` escaping) goes, quoted, inside the
    // braces: the sample lines start with `{"name",` instead of the name.
    const { header, valueName, valueNameBytes, legacyName } = familyBytes(family, dialect)
    out.raw(header)
    // A registry's families come as columns, each series' label block cached; others (built by hand) have theirs
    // encoded here.
    const columns = family instanceof GatheredFamily ? family.columns : undefined
    const count = columns === undefined ? family.metrics.length : columns.series.length
    const kept = columns === undefined || columns.kept.size === 0 ? undefined : columns.kept
    for (let i = 0; i < count; i++) {
      const metric = columns === undefined ? (family.metrics[i] as Metric) : kept?.get(i)
      if (metric === undefined) {
        // A plain value, held in the columns only.
        const { series, values } = columns as GatheredFamily['columns']
        const labels = (series[i] as Series).labels
        if (legacyName) writeValueLine(out, valueNameBytes, labels, values[i] as number)
        else writeValueLine(out, '', quotedSample(valueName, labels), values[i] as number)
      } else {
        const labels =
          columns === undefined ? labelBlock(metric.desc, metric.labelValues) : (columns.series[i] as Series).labels
        if (metric.type === 'histogram' || metric.type === 'summary') {
          const series = columns === undefined ? undefined : (columns.series[i] as Series)
          writeAggregate(out, dialect, family.name, legacyName, metric, labels, series)
        } else {
          if (legacyName) writeScalarLine(out, dialect, valueName, metric, labels)
          else writeScalarLine(out, dialect, '', metric, quotedSample(valueName, labels))
          if (metric.createdTimestampMs !== undefined) {
            out.text(dialect.created(openMetricsName(family), labels, metric.createdTimestampMs))
          }
        }
      }
      if (out.pos >= chunkBytes) yield out.take()
    }
  }
  out.text(dialect.trailer)
  if (out.pos > 0) yield out.finish()
}

/** Encodes families into one string: convenient for tests and small scrapes. */
export function encode(families: readonly MetricFamily[], format: TextFormat, options: EncodeOptions = {}): string {
  return Buffer.concat([...encodeChunks(families, format, options)]).toString('utf8')
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
): AsyncGenerator<Buffer, void, undefined> {
  for (const chunk of encodeChunks(families, format, options)) {
    yield chunk
    await nextTurn()
  }
}

/**
 * An HTTP response body: the exposition as one buffer when it fits in one
 * chunk, so small scrapes skip the stream machinery (and chunked transfer
 * encoding) entirely; otherwise chunks with the event loop let run between
 * them, as {@link encodeStream} does.
 */
export function encodeBody(
  families: readonly MetricFamily[],
  format: ExpositionFormat,
  options: EncodeOptions = {},
): Buffer | AsyncIterable<Buffer> {
  const chunks: Iterator<Buffer, void> =
    format === 'protobuf' ? encodeProtobufChunks(families, options) : encodeChunks(families, format, options)
  const first = chunks.next()
  const second = chunks.next()
  if (second.done) return first.done ? Buffer.alloc(0) : first.value
  return (async function* () {
    yield first.value as Buffer
    for (let next: IteratorResult<Buffer, void> = second; !next.done; next = chunks.next()) {
      await nextTurn()
      yield next.value
    }
  })()
}
