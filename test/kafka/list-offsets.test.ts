import { createRequire } from 'node:module'
import t from 'tap'
import { type ListOffsetsQuery, listOffsetsDefinition } from '../../collectors/kafka/list-offsets.js'

// kafkajs' own ListOffsets encoders and decoders are the reference: same bytes sent, same offsets read.
const require = createRequire(import.meta.url)
type Encoded = { buffer: Buffer }
type KafkajsRequest = (request: object) => { encode(): Promise<Encoded> }
const kafkajsRequest = (version: number) =>
  require(`kafkajs/src/protocol/requests/listOffsets/v${version}/request.js`) as KafkajsRequest
const kafkajsDecode = (version: number) =>
  (
    require(`kafkajs/src/protocol/requests/listOffsets/v${version}/response.js`) as {
      decode(payload: Buffer): Promise<{
        responses: { topic: string; partitions: { partition: number; errorCode: number; offset: string }[] }[]
      }>
    }
  ).decode
const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => {
  writeInt16(value: number): unknown
  writeInt32(value: number): unknown
  writeInt64(value: number): unknown
  writeString(value: string): unknown
  buffer: Buffer
}

const query: ListOffsetsQuery = {
  timestamp: -2,
  isolationLevel: 0,
  topics: [
    { topic: 'orders', partitions: [0, 1, 2] },
    { topic: 'zähler', partitions: [7] },
  ],
}

/** An answer as a broker of `version` sends it, with `errorCode` on the last partition. */
function answer(version: number, errorCode: number): Buffer {
  const out = new Encoder()
  if (version >= 2) out.writeInt32(0)
  out.writeInt32(2)
  out.writeString('orders')
  out.writeInt32(2)
  for (const [partition, offset] of [
    [0, 12],
    [1, 2 ** 40 + 5],
  ]) {
    out.writeInt32(partition as number)
    out.writeInt16(0)
    out.writeInt64(-1)
    out.writeInt64(offset as number)
  }
  out.writeString('zähler')
  out.writeInt32(1)
  out.writeInt32(7)
  out.writeInt16(errorCode)
  out.writeInt64(-1)
  out.writeInt64(-1)
  return out.buffer
}

for (const version of [1, 2, 3]) {
  t.test(`version ${version}: the bytes kafkajs sends, the offsets kafkajs reads`, async (t) => {
    const ours = listOffsetsDefinition.protocol({ version })(query)
    t.same([ours.request.apiKey, ours.request.apiVersion, ours.request.apiName], [2, version, 'ListOffsets'])
    // kafkajs' bytes for the same partitions at the same time: the oldest offset (-2), and a time in milliseconds.
    for (const timestamp of [-2, 1_700_000_000_123]) {
      const theirs = await kafkajsRequest(version)({
        replicaId: -1,
        isolationLevel: 0,
        topics: query.topics.map(({ topic, partitions }) => ({
          topic,
          partitions: partitions.map((partition) => ({ partition, timestamp })),
        })),
      }).encode()
      const encoded = await listOffsetsDefinition
        .protocol({ version })({ ...query, timestamp })
        .request.encode()
      t.equal(encoded.buf, encoded.buffer)
      t.same(encoded.buffer, theirs.buffer, `at ${timestamp}`)
    }

    const decoded = await ours.response.decode(answer(version, 0))
    const expected = (await kafkajsDecode(version)(answer(version, 0))).responses.map(({ topic, partitions }) => ({
      topic,
      partitions: partitions.map(({ partition, offset }) => ({ partition, offset: Number(offset) })),
    }))
    t.same(await ours.response.parse(decoded), { responses: expected })
    t.equal(decoded.responses[0]?.partitions[1]?.offset, 2 ** 40 + 5)

    await t.rejects(ours.response.parse(await ours.response.decode(answer(version, 6))), {
      name: 'KafkaJSProtocolError',
      type: 'NOT_LEADER_FOR_PARTITION',
      message: 'This server is not the leader for that topic-partition',
    })
  })
}

t.test('a broker of Kafka before 0.10.1, which speaks version 0 only, is refused', async (t) => {
  t.throws(
    () => listOffsetsDefinition.protocol({ version: 0 }),
    new Error('the broker speaks ListOffsets version 0 only (Kafka before 0.10.1)'),
  )
})
