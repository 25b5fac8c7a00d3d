import { createRequire } from 'node:module'

// ListOffsets (API key 2) for many partitions at once, as kafkajs' request definitions are written, encoded into one
// buffer. kafkajs' own encoder makes a zero-filled 512-byte buffer for every partition of a request: 77 MB a scrape
// at 1,000 topics of 50 partitions (end, oldest and the groups' end offsets), about 190 ms of the scrape with the
// garbage collection it brings. Its wire format: https://kafka.apache.org/protocol#The_Messages_ListOffsets

/** kafkajs' error for an error code in an answer (`KafkaJSProtocolError`, with the code's message and type). */
const { createErrorFromCode } = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as {
  createErrorFromCode(code: number): Error
}

/** ListOffsets' API key. */
export const listOffsetsApiKey = 2

/** What to ask ListOffsets: the partitions of each topic, and the time their offset is wanted at. */
export interface ListOffsetsQuery {
  /** `-1` for the end offset, `-2` for the oldest. */
  readonly timestamp: number
  /** 0 reads the high watermark, 1 the last stable offset (versions 2 and later). */
  readonly isolationLevel: number
  readonly topics: readonly { readonly topic: string; readonly partitions: readonly number[] }[]
}

/** ListOffsets' answer: each partition's offset, by topic in the order answered. */
export interface ListOffsetsAnswer {
  readonly responses: readonly {
    readonly topic: string
    readonly partitions: readonly { readonly partition: number; readonly offset: number }[]
  }[]
}

/** A request as kafkajs' connection sends it: what to encode, and how to decode and check the answer. */
export interface ProtocolRequest {
  readonly request: {
    readonly apiKey: number
    readonly apiVersion: number
    readonly apiName: string
    /** The request body; kafkajs reads `buffer` from what it gives, after checking `buf` is a Buffer. */
    encode(): Promise<{ readonly buf: Buffer; readonly buffer: Buffer }>
  }
  readonly response: {
    decode(payload: Buffer): Promise<ListOffsetsAnswer & { readonly errorCode: number }>
    parse(decoded: ListOffsetsAnswer & { readonly errorCode: number }): Promise<ListOffsetsAnswer>
  }
}

/** The request body: replica id, isolation level (version 2 on), then topics and their partitions at `timestamp`. */
function encodeRequest(version: number, { timestamp, isolationLevel, topics }: ListOffsetsQuery): Buffer {
  const names = topics.map(({ topic }) => Buffer.from(topic))
  let size = 4 + (version >= 2 ? 1 : 0) + 4
  for (const [index, { partitions }] of topics.entries())
    size += 2 + (names[index] as Buffer).length + 4 + 12 * partitions.length
  const body = Buffer.allocUnsafe(size)
  // The timestamp as INT64, from its high and low words (a safe integer: -1, -2 or milliseconds).
  const high = Math.floor(timestamp / 2 ** 32)
  const low = timestamp - high * 2 ** 32
  let at = body.writeInt32BE(-1, 0)
  if (version >= 2) at = body.writeInt8(isolationLevel, at)
  at = body.writeInt32BE(topics.length, at)
  for (const [index, { partitions }] of topics.entries()) {
    const name = names[index] as Buffer
    at = body.writeInt16BE(name.length, at)
    at += name.copy(body, at)
    at = body.writeInt32BE(partitions.length, at)
    for (const partition of partitions) {
      at = body.writeInt32BE(partition, at)
      at = body.writeInt32BE(high, at)
      at = body.writeUInt32BE(low, at)
    }
  }
  return body
}

/**
 * The answer: (version 2 on) throttle time, then topics, each partition's number, error code, timestamp and offset.
 * The first error code met is kept for `parse`.
 */
function decodeAnswer(version: number, payload: Buffer): ListOffsetsAnswer & { readonly errorCode: number } {
  let at = version >= 2 ? 4 : 0
  let errorCode = 0
  const responses: { topic: string; partitions: { partition: number; offset: number }[] }[] = []
  const topics = payload.readInt32BE(at)
  at += 4
  for (let t = 0; t < topics; t++) {
    const length = payload.readInt16BE(at)
    const topic = payload.toString('utf8', at + 2, at + 2 + length)
    at += 2 + length
    const count = payload.readInt32BE(at)
    at += 4
    const partitions = new Array<{ partition: number; offset: number }>(count)
    for (let p = 0; p < count; p++) {
      const code = payload.readInt16BE(at + 4)
      if (code !== 0 && errorCode === 0) errorCode = code
      // An offset is below 2^53: its high word times 2^32 plus its low word is exact.
      partitions[p] = {
        partition: payload.readInt32BE(at),
        offset: payload.readInt32BE(at + 14) * 2 ** 32 + payload.readUInt32BE(at + 18),
      }
      at += 22
    }
    responses.push({ topic, partitions })
  }
  return { responses, errorCode }
}

/**
 * kafkajs' request definition of ListOffsets versions 1 to 3: its broker picks the highest version both sides speak.
 * Version 0, of Kafka before 0.10.1 (2016), asks for lists of offsets and is refused.
 */
export const listOffsetsDefinition = {
  versions: ['1', '2', '3'],
  protocol: ({ version }: { version: number }) => {
    if (version < 1) throw new Error('the broker speaks ListOffsets version 0 only (Kafka before 0.10.1)')
    return (query: ListOffsetsQuery): ProtocolRequest => ({
      request: {
        apiKey: listOffsetsApiKey,
        apiVersion: version,
        apiName: 'ListOffsets',
        encode: async () => {
          const buf = encodeRequest(version, query)
          return { buf, buffer: buf }
        },
      },
      response: {
        decode: async (payload) => decodeAnswer(version, payload),
        parse: async ({ responses, errorCode }) => {
          if (errorCode !== 0) throw createErrorFromCode(errorCode)
          return { responses }
        },
      },
    })
  },
}
