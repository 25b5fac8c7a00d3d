import type { PartitionOffsets } from './lag.js'

/** A partition's end offset as one scrape saw it. */
export interface OffsetSample {
  /** `Date.now()` milliseconds. */
  readonly at: number
  readonly offset: number
}

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
export function lagSeconds(samples: readonly OffsetSample[], committed: number, now: number): number | undefined {
  const latest = samples[samples.length - 1]
  if (latest === undefined) return undefined
  if (committed >= latest.offset) return 0
  const after = samples.findIndex((sample) => sample.offset > committed)
  const before = samples[after - 1]
  if (before === undefined) return undefined
  const next = samples[after] as OffsetSample
  const written = before.at + ((committed - before.offset) / (next.offset - before.offset)) * (next.at - before.at)
  return Math.max(0, (now - written) / 1000)
}

/** The end offsets seen at past scrapes, per topic partition, a bounded number each. */
export class EndOffsetHistory {
  private readonly partitions = new Map<string, { samples: OffsetSample[]; seen: number }>()

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
      for (const [partition, offset] of byPartition) {
        const key = `${topic}\u0000${partition}`
        const entry = this.partitions.get(key) ?? { samples: [], seen: at }
        const { samples } = entry
        const [previous, last] = [samples[samples.length - 2], samples[samples.length - 1]]
        if (previous?.offset === offset && last?.offset === offset) samples.pop()
        if (last !== undefined && offset < last.offset) samples.length = 0 // the topic was recreated: start again
        samples.push({ at, offset })
        if (samples.length > samplesPerPartition) samples.shift()
        entry.seen = at
        this.partitions.set(key, entry)
      }
    }
    for (const [key, entry] of this.partitions) if (at - entry.seen > forgetAfterMs) this.partitions.delete(key)
  }

  /** The samples of one partition, oldest first. */
  samples(topic: string, partition: number): readonly OffsetSample[] {
    return this.partitions.get(`${topic}\u0000${partition}`)?.samples ?? []
  }

  /** Partitions remembered: what memory the history holds. */
  get size(): number {
    return this.partitions.size
  }
}
