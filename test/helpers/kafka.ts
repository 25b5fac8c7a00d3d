import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { type Socket, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { stopChild } from './child.js'
import { goPeerBinary } from './go-build.js'
import { waitFor } from './ports.js'

/** The built kafka_exporter binary. */
export const kafkaExporterBin = new URL('../../collectors/kafka/dist/main.js', import.meta.url).pathname

/**
 * A cluster as the mock serves it: topics' oldest and newest offsets by partition, groups' members and committed
 * offsets.
 */
export interface KafkaSpec {
  readonly topics: Readonly<Record<string, { readonly oldest: readonly number[]; readonly newest: readonly number[] }>>
  readonly groups: Readonly<
    Record<string, { readonly members: number; readonly offsets: Readonly<Record<string, readonly number[]>> }>
  >
  /** Listen on this port (0 or absent: any). */
  readonly port?: number
  /** Serve TLS with this certificate and key (PEM files). */
  readonly cert?: string
  readonly key?: string
  /** Answer SASL (PLAIN, SCRAM): accept or refuse any login (the mock cannot check credentials). */
  readonly sasl?: 'accept' | 'refuse'
}

/** The data `../shared/peers/kafka-client/seed.js` creates, for which kafka_exporter 1.7.0's answer is recorded. */
export const seedSpec: KafkaSpec = {
  topics: { orders: { oldest: [0, 0, 0], newest: [10, 10, 10] }, audit: { oldest: [0], newest: [5] } },
  groups: { billing: { members: 0, offsets: { orders: [4, 10, 7] } }, live: { members: 1, offsets: { audit: [5] } } },
}

/** sarama's MockBroker, built offline from Debian's sources (test/peers/kafka-mock): the binary's path. */
function mockBinary(): string {
  return goPeerBinary('kafka-mock', [
    new URL('../peers/kafka-mock/', import.meta.url),
    new URL('../../../test/peers/kafka-mock/', import.meta.url),
  ])
}

/** A running mock cluster. */
export interface KafkaMock {
  /** `127.0.0.1:<port>` */
  readonly address: string
  readonly port: number
  stop(): Promise<void>
}

/** Starts the mock serving `spec` (given in a file, as a large one does not fit in an argument); stop it when done. */
export async function launchKafkaMock(spec: KafkaSpec): Promise<KafkaMock> {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-kafka-spec-'))
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec))
  const child: ChildProcess = spawn(mockBinary(), [`@${join(dir, 'spec.json')}`], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const address = await waitFor(
    'the Kafka mock to listen',
    async () => {
      if (child.exitCode !== null) throw new Error(`the Kafka mock exited: ${output}`)
      return /^ready (\S+)$/m.exec(output)?.[1]
    },
    30_000,
    10,
  )
  const stop = async () => {
    await stopChild(child)
    rmSync(dir, { recursive: true, force: true })
  }
  return { address, port: Number(address.split(':')[1]), stop }
}

/** Starts the mock serving `spec`; stopped at teardown. */
export async function startKafkaMock(t: Test, spec: KafkaSpec): Promise<KafkaMock> {
  const mock = await launchKafkaMock(spec)
  t.teardown(mock.stop)
  return mock
}

/** A "broker" that accepts connections and never answers; its address. Closed at teardown. */
export async function startHungBroker(t: Test): Promise<string> {
  const sockets: Socket[] = []
  const server = createServer((socket) => void sockets.push(socket))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    server.close()
  })
  return `127.0.0.1:${(server.address() as { port: number }).port}`
}
