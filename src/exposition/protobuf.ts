// The Prometheus protobuf exposition: length-delimited io.prometheus.client.MetricFamily messages (client_model's
// metrics.proto). Written by hand rather than with a protobuf library: the schema is small and fixed, a series' label
// pairs are encoded once and cached across scrapes, and the measurements in bench/RESULTS.md show the difference.
import type { HistogramMetric, Metric, MetricType, NativeBuckets, SummaryMetric } from '../const-metric.js'
import type { Desc } from '../desc.js'
import type { Exemplar } from '../exemplar.js'
import { GatheredFamily, type MetricFamily } from '../families.js'
import { ByteWriter, defaultChunkBytes } from './byte-writer.js'
import type { EncodeOptions } from './encode.js'
import { defaultEscapingScheme, escapeFamilies } from './escaping.js'
import type { SparseBuckets } from '../native-buckets.js'
import { type Series, labelValueAt } from '../series-cache.js'

/** The Content-Type of the protobuf exposition. */
export const protobufContentType =
  'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited'

const wireVarint = 0
const wireFixed64 = 1
const wireBytes = 2

const metricTypes: Readonly<Record<MetricType, number>> = { counter: 0, gauge: 1, summary: 2, untyped: 3, histogram: 4 }

/** A byte writer with protobuf's wire primitives. */
class ProtoWriter extends ByteWriter {
  /** A varint of a non-negative integer (up to 2^64; fractions are cut). */
  varint(value: number): void {
    this.room(10)
    let rest = Math.min(Math.trunc(value), 2 ** 64 - 1)
    while (rest >= 0x80) {
      this.buffer[this.pos++] = (rest % 0x80) | 0x80
      rest = Math.floor(rest / 0x80)
    }
    this.buffer[this.pos++] = rest
  }

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType)
  }

  /** An int64 field: negative values as their 64-bit two's complement (ten bytes). */
  int64(field: number, value: number): void {
    this.tag(field, wireVarint)
    if (value >= 0) {
      this.varint(value)
      return
    }
    this.room(10)
    let rest = BigInt.asUintN(64, BigInt(Math.trunc(value)))
    while (rest >= 0x80n) {
      this.buffer[this.pos++] = Number(rest & 0x7fn) | 0x80
      rest >>= 7n
    }
    this.buffer[this.pos++] = Number(rest)
  }

  uint(field: number, value: number): void {
    this.tag(field, wireVarint)
    this.varint(value)
  }

  /** A sint32 or sint64 field (zigzag). */
  sint(field: number, value: number): void {
    this.tag(field, wireVarint)
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1)
  }

  double(field: number, value: number): void {
    this.room(9)
    this.tag(field, wireFixed64)
    this.pos = this.buffer.writeDoubleLE(value, this.pos)
  }

  string(field: number, value: string): void {
    const length = Buffer.byteLength(value)
    this.tag(field, wireBytes)
    this.varint(length)
    this.text(value)
  }

  /**
   * A whole `Metric` of a counter, gauge or untyped series with nothing but its value, the bulk of most scrapes:
   * written in one go, its length known in advance.
   */
  plainMetric(labels: Buffer, valueField: number, value: number): void {
    // The label pairs, then the value's submessage: its tag and length, the double's tag and 8 bytes.
    const length = labels.length + 11
    if (length >= 0x80) {
      const start = this.begin(4)
      this.raw(labels)
      plainValue(this, valueField, value)
      this.end(start)
      return
    }
    this.room(length + 2)
    const buffer = this.buffer
    buffer[this.pos++] = 4 * 8 + wireBytes
    buffer[this.pos++] = length
    buffer.set(labels, this.pos)
    this.pos += labels.length
    buffer[this.pos++] = valueField * 8 + wireBytes
    buffer[this.pos++] = 9
    buffer[this.pos++] = 1 * 8 + wireFixed64
    this.pos = buffer.writeDoubleLE(value, this.pos)
  }

  /** Starts a length-delimited message (as field `field`, or bare when undefined); pass the result to {@link end}. */
  begin(field: number | undefined): number {
    if (field !== undefined) this.tag(field, wireBytes)
    this.room(1)
    return this.pos++
  }

  /** Ends a message begun at `start`: writes its length there, moving the message when that takes more bytes. */
  end(start: number): void {
    const length = this.pos - start - 1
    if (length < 0x80) {
      this.buffer[start] = length
      return
    }
    let lengthBytes = 1
    for (let rest = length; rest >= 0x80; rest = Math.floor(rest / 0x80)) lengthBytes++
    this.room(lengthBytes - 1)
    this.buffer.copy(this.buffer, start + lengthBytes, start + 1, this.pos)
    const end = this.pos + lengthBytes - 1
    this.pos = start
    this.varint(length)
    this.pos = end
  }
}

function labelPair(writer: ProtoWriter, field: number, name: string, value: string): void {
  const start = writer.begin(field)
  writer.string(1, name)
  writer.string(2, value)
  writer.end(start)
}

/** A metric's label pairs, in name order, as the repeated `label` field of a `Metric`. */
function labelPairs(desc: Desc, values: readonly string[]): Buffer {
  const writer = new ProtoWriter(64)
  desc.labelNames.forEach((name, i) => {
    labelPair(writer, 1, name, labelValueAt(desc, values, i))
  })
  return writer.finish()
}

/** A google.protobuf.Timestamp from milliseconds since the epoch. */
function timestamp(writer: ProtoWriter, field: number, timestampMs: number): void {
  const start = writer.begin(field)
  const seconds = Math.floor(timestampMs / 1000)
  const nanos = Math.min(Math.round((timestampMs - seconds * 1000) * 1e6), 999_999_999)
  if (seconds !== 0) writer.int64(1, seconds)
  if (nanos !== 0) writer.uint(2, nanos)
  writer.end(start)
}

function exemplar(writer: ProtoWriter, field: number, value: Exemplar): void {
  const start = writer.begin(field)
  for (const [name, labelValue] of Object.entries(value.labels)) labelPair(writer, 1, name, labelValue)
  writer.double(2, value.value)
  if (value.timestampMs !== undefined) timestamp(writer, 3, value.timestampMs)
  writer.end(start)
}

/** A count as an integer field, or as its float twin (`floatField`) when it is not a whole number. */
function count(writer: ProtoWriter, field: number, floatField: number, value: number): void {
  if (Number.isInteger(value)) writer.uint(field, value)
  else writer.double(floatField, value)
}

function sparse(writer: ProtoWriter, spanField: number, deltaField: number, buckets: SparseBuckets): void {
  for (const span of buckets.spans) {
    const start = writer.begin(spanField)
    if (span.offset !== 0) writer.sint(1, span.offset)
    if (span.length !== 0) writer.uint(2, span.length)
    writer.end(start)
  }
  if (buckets.counts.length === 0) return
  // Packed: one length-delimited run of zigzag deltas, each bucket's count less the previous one's.
  const start = writer.begin(deltaField)
  let previous = 0
  for (const bucketCount of buckets.counts) {
    const delta = bucketCount - previous
    writer.varint(delta >= 0 ? delta * 2 : -delta * 2 - 1)
    previous = bucketCount
  }
  writer.end(start)
}

function native(writer: ProtoWriter, buckets: NativeBuckets): void {
  writer.sint(5, buckets.schema)
  writer.double(6, buckets.zeroThreshold)
  writer.uint(7, buckets.zeroCount)
  sparse(writer, 9, 10, buckets.negative)
  sparse(writer, 12, 13, buckets.positive)
  for (const value of buckets.exemplars) exemplar(writer, 16, value)
}

function histogram(writer: ProtoWriter, metric: HistogramMetric): void {
  const start = writer.begin(7)
  count(writer, 1, 4, metric.count)
  writer.double(2, metric.sum)
  const { bounds, cumulativeCounts, exemplars } = metric
  for (let i = 0; i < bounds.length; i++) {
    const upperBound = bounds[i] as number
    const bucketExemplar = exemplars === undefined ? undefined : exemplars[i]
    // The +Inf bucket is implied by the count; written only to carry an exemplar, as client_golang does.
    if (upperBound === Infinity && bucketExemplar === undefined) continue
    const bucketStart = writer.begin(3)
    count(writer, 1, 4, cumulativeCounts[i] as number)
    writer.double(2, upperBound)
    if (bucketExemplar !== undefined) exemplar(writer, 3, bucketExemplar)
    writer.end(bucketStart)
  }
  if (metric.native !== undefined) native(writer, metric.native)
  if (metric.createdTimestampMs !== undefined) timestamp(writer, 15, metric.createdTimestampMs)
  writer.end(start)
}

function summary(writer: ProtoWriter, metric: SummaryMetric): void {
  const start = writer.begin(4)
  writer.uint(1, metric.count)
  writer.double(2, metric.sum)
  for (const quantile of metric.quantiles) {
    const quantileStart = writer.begin(3)
    writer.double(1, quantile.quantile)
    writer.double(2, quantile.value)
    writer.end(quantileStart)
  }
  if (metric.createdTimestampMs !== undefined) timestamp(writer, 4, metric.createdTimestampMs)
  writer.end(start)
}

/** The `Metric` field that holds a scalar value of each type: gauge 2, counter 3, untyped 5. */
const scalarFields: Readonly<Record<string, number>> = { gauge: 2, counter: 3, untyped: 5 }

/** A counter, gauge or untyped value with nothing else (the `Metric` field `valueField`): the value alone. */
function plainValue(writer: ProtoWriter, valueField: number, value: number): void {
  writer.tag(valueField, wireBytes)
  writer.varint(9)
  writer.double(1, value)
}

function metricBody(writer: ProtoWriter, metric: Metric): void {
  if (metric.type === 'histogram') histogram(writer, metric)
  else if (metric.type === 'summary') summary(writer, metric)
  else if (metric.exemplar === undefined && metric.createdTimestampMs === undefined) {
    plainValue(writer, scalarFields[metric.type] as number, metric.value)
  } else {
    const start = writer.begin(3)
    writer.double(1, metric.value)
    if (metric.exemplar !== undefined) exemplar(writer, 2, metric.exemplar)
    if (metric.createdTimestampMs !== undefined) timestamp(writer, 3, metric.createdTimestampMs)
    writer.end(start)
  }
  if (metric.timestampMs !== undefined) writer.int64(6, metric.timestampMs)
}

function family(writer: ProtoWriter, value: MetricFamily): void {
  const start = writer.begin(undefined)
  writer.string(1, value.name)
  writer.string(2, value.help)
  writer.uint(3, metricTypes[value.type])
  // A registry's families come as columns, each series' label pairs cached; others have theirs encoded here.
  const columns = value instanceof GatheredFamily ? value.columns : undefined
  const count = columns === undefined ? value.metrics.length : columns.series.length
  const kept = columns === undefined || columns.kept.size === 0 ? undefined : columns.kept
  const valueField = scalarFields[value.type] as number
  for (let i = 0; i < count; i++) {
    const metric = columns === undefined ? (value.metrics[i] as Metric) : kept?.get(i)
    let labels: Buffer
    if (columns === undefined) labels = labelPairs((metric as Metric).desc, (metric as Metric).labelValues)
    else {
      const series = columns.series[i] as Series
      series.protoLabels ??= labelPairs(series.desc, series.values)
      labels = series.protoLabels
    }
    if (metric === undefined) {
      writer.plainMetric(labels, valueField, (columns as GatheredFamily['columns']).values[i] as number)
      continue
    }
    const metricStart = writer.begin(4)
    writer.raw(labels)
    metricBody(writer, metric)
    writer.end(metricStart)
  }
  if (value.unit !== '') writer.string(5, value.unit)
  writer.end(start)
}

/**
 * Encodes families as the protobuf exposition, in chunks of about `options.chunkSize` bytes (cut between families),
 * names escaped as `options.escaping` says. Pure: the same families always give the same bytes.
 */
export function* encodeProtobufChunks(
  families: readonly MetricFamily[],
  options: Pick<EncodeOptions, 'chunkSize' | 'escaping'> = {},
): Generator<Buffer, void, undefined> {
  const chunkBytes = options.chunkSize ?? defaultChunkBytes
  const writer = new ProtoWriter()
  for (const value of escapeFamilies(families, options.escaping ?? defaultEscapingScheme)) {
    family(writer, value)
    if (writer.pos >= chunkBytes) yield writer.take()
  }
  if (writer.pos > 0) yield writer.finish()
}
