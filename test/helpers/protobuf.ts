import protobuf from 'protobufjs'

const root = protobuf.loadSync(new URL('../fixtures/metrics.proto', import.meta.url).pathname)
const metricFamily = root.lookupType('io.prometheus.client.MetricFamily')

/**
 * Decodes a protobuf exposition (length-delimited MetricFamily messages) with protobufjs, an implementation of the
 * wire format independent of promkit's, into plain objects: 64-bit integers as numbers, enums by name, NaN and
 * infinities as strings (so that objects compare with t.same), and, with `defaults`, every field with its default
 * when absent (without, only the fields the bytes hold).
 */
export function decodeFamilies<Family = Record<string, unknown>>(bytes: Uint8Array, defaults = true): Family[] {
  const reader = protobuf.Reader.create(bytes)
  const families: Family[] = []
  for (let i = 0; reader.pos < reader.len && i < 1_000_000; i++) {
    const message = metricFamily.decodeDelimited(reader)
    const object = metricFamily.toObject(message, { longs: Number, enums: String, defaults, arrays: defaults })
    families.push(
      JSON.parse(
        JSON.stringify(object, (_, value: unknown) =>
          typeof value === 'number' && !Number.isFinite(value) ? String(value) : value,
        ),
      ) as Family,
    )
  }
  return families
}
