import type { PartitionOffsets } from './lag.js'

/** A partition's end offset as one scrape saw it. */
export interface OffsetSample {
  /** `Date.now()` milliseconds. */
  readonly at: number
  readonly offset: number
}

/**
 * A partition's end offsets as past scrapes saw them, oldest first, flat: `[at, offset, at, offset, …]`. Numbers in
 * one array rather than an object per sample: V8 keeps them unboxed, 16 bytes a sample against about 60, so 50,000
 * partitions of 32 samples each take 40 MiB of heap instead of 85.
 */
export type OffsetSamples = readonly number[]

/** Samples kept per partition: at a 30 s scrape interval, 32 changes of the end offset cover 16 minutes at least. */
const samplesPerPartition = 32
/**
 * A partition not seen for this long (a deleted topic, a group gone) is forgotten, so memory stays flat as groups come
 * and go.
 */
const forgetAfterMs = 60 * 60_000

/**
 * How long ago the message at `committed` was written, in seconds, from the
 * end offsets seen at past scrapes (kafka-lag-exporter's method): the time
 * the end offset passed `committed` is interpolated between the two samples
 * around it. 0 when the group has consumed everything seen; undefined when
 * `committed` is older than the oldest sample (the exporter has not watched
 * the partition long enough, or since a restart).
 */
export function lagSeconds(samples: OffsetSamples, committed: number, now: number): number | undefined {
  if (samples.length === 0) return undefined
  if (committed >= (samples[samples.length - 1] as number)) return 0
  // The index of the first sample past `committed`: there is one, the latest.
  let next = 0
  while ((samples[next + 1] as number) <= committed) next += 2
  if (next === 0) return undefined
  const beforeAt = samples[next - 2] as number
  const beforeOffset = samples[next - 1] as number
  const nextAt = samples[next] as number
  const nextOffset = samples[next + 1] as number
  const written = beforeAt + ((committed - beforeOffset) / (nextOffset - beforeOffset)) * (nextAt - beforeAt)
  return Math.max(0, (now - written) / 1000)
}

/** One partition's samples, and when a scrape last saw it. */
interface PartitionHistory {
  readonly samples: number[]
  seen: number
}

/** The end offsets seen at past scrapes, per topic partition, a bounded number each. */
export class EndOffsetHistory {
  private readonly topics = new Map<string, Map<number, PartitionHistory>>()

  constructor(private readonly clock: () => number = Date.now) {}

  /** Now, by the history's clock. */
  now(): number {
    return this.clock()
  }

  /**
   * Records end offsets read now. A run of equal offsets keeps its first and
   * last sample only, so a quiet partition does not push its history out.
   */
  record(ends: PartitionOffsets): void {
    const at = this.clock()
    for (const [topic, byPartition] of ends) {
      let partitions = this.topics.get(topic)
      if (partitions === undefined) {
        partitions = new Map()
        this.topics.set(topic, partitions)
      }
      for (const [partition, offset] of byPartition) {
        let entry = partitions.get(partition)
        if (entry === undefined) {
          entry = { samples: [], seen: at }
          partitions.set(partition, entry)
        }
        const { samples } = entry
        const previous = samples[samples.length - 3]
        const last = samples[samples.length - 1]
        if (previous === offset && last === offset) samples.length -= 2
        if (last !== undefined && offset < last) samples.length = 0 // the topic was recreated: start again
        samples.push(at, offset)
        if (samples.length > 2 * samplesPerPartition) samples.splice(0, 2)
        entry.seen = at
      }
    }
    for (const [topic, partitions] of this.topics) {
      for (const [partition, entry] of partitions) if (at - entry.seen > forgetAfterMs) partitions.delete(partition)
      if (partitions.size === 0) this.topics.delete(topic)
    }
  }

  /** How long before `now` the message at `committed` was written to a partition, as {@link lagSeconds} says. */
  lagSeconds(topic: string, partition: number, committed: number, now: number): number | undefined {
    return lagSeconds(this.topics.get(topic)?.get(partition)?.samples ?? [], committed, now)
  }

  /** The samples of one partition, oldest first. */
  samples(topic: string, partition: number): OffsetSample[] {
    const samples = this.topics.get(topic)?.get(partition)?.samples ?? []
    const list: OffsetSample[] = []
    for (let i = 0; i < samples.length; i += 2)
      list.push({ at: samples[i] as number, offset: samples[i + 1] as number })
    return list
  }

  /** Partitions remembered: what memory the history holds. */
  get size(): number {
    let size = 0
    for (const partitions of this.topics.values()) size += partitions.size
    return size
  }
}
