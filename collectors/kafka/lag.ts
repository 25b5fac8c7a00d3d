/** Offsets by topic, then partition. */
export type PartitionOffsets = ReadonlyMap<string, ReadonlyMap<number, number>>

/** One committed partition of a consumer group, with its lag when the topic's end offset is known. */
export interface GroupPartition {
  readonly topic: string
  readonly partition: number
  readonly committed: number
  /** The end offset less the committed one, never below 0; undefined when the end offset is unknown. */
  readonly lag: number | undefined
}

/** A group's sums over one topic's committed partitions. */
export interface GroupTopicSums {
  readonly topic: string
  readonly committed: number
  /** Over the partitions whose lag is known; undefined when none is. */
  readonly lag: number | undefined
}

/**
 * A consumer group's offsets and lag from its committed offsets and the topics'
 * end offsets. A partition the group never committed (Kafka answers -1) is left
 * out of everything: kafka_exporter reports it as -1 and adds the -1 into its
 * sums. Committed offsets are read before end offsets, so an end offset can
 * only be newer; a lag that still comes out negative (a topic recreated, a
 * committed offset past the end) is 0.
 */
export function groupLag(
  committed: PartitionOffsets,
  ends: PartitionOffsets,
): { partitions: GroupPartition[]; sums: GroupTopicSums[] } {
  const partitions: GroupPartition[] = []
  const sums: GroupTopicSums[] = []
  for (const [topic, byPartition] of committed) {
    let committedSum = 0
    let lagSum: number | undefined
    for (const [partition, offset] of byPartition) {
      if (offset < 0) continue
      const end = ends.get(topic)?.get(partition)
      const lag = end === undefined ? undefined : Math.max(0, end - offset)
      partitions.push({ topic, partition, committed: offset, lag })
      committedSum += offset
      if (lag !== undefined) lagSum = (lagSum ?? 0) + lag
    }
    if (partitions.some((entry) => entry.topic === topic)) sums.push({ topic, committed: committedSum, lag: lagSum })
  }
  return { partitions, sums }
}
