import type { Desc } from './desc.js'
import { type Dialect, labelNameToken } from './exposition/dialect.js'
import { escapeLabelValue } from './exposition/escape.js'
import { ownedString } from './owned-string.js'

/**
 * What promkit remembers of one series (a descriptor and its label values)
 * from one scrape to the next: its label block, encoded once, and its place in
 * label order, so that a scrape neither re-escapes nor re-sorts series it has
 * seen before.
 */
export interface Series {
  readonly desc: Desc
  /** The label values in `variableLabels` order. */
  readonly values: readonly string[]
  /** `{a="x",b="y"} ` (label pairs in name order, escaped, then a space), or `' '` without labels. */
  readonly labels: string
  /** The label pairs as protobuf encodes them in a `Metric`, made on the first protobuf scrape. */
  protoLabels: Buffer | undefined
  /** A histogram or summary's line starts in the text format last written, while its bounds stay the same. */
  aggregate:
    | { readonly dialect: Dialect; readonly bounds: readonly number[]; readonly starts: readonly Buffer[] }
    | undefined
  /** Its position among the descriptor's series in label order; -1 until ranked. */
  rank: number
  /** The number of the last gather that saw it, for eviction. */
  seen: number
}

/** The value of a descriptor's i-th label (in `labelNames` order), given a series' variable label values. */
export function labelValueAt(desc: Desc, values: readonly string[], i: number): string {
  const slot = desc.labelSlots[i] as number
  return (slot >= 0 ? values[slot] : desc.constValues[~slot]) as string
}

const nameTokens = new WeakMap<Desc, readonly string[]>()

/** A descriptor's label names as a label block writes them (quoted when not classic), made once per descriptor. */
function nameTokensOf(desc: Desc): readonly string[] {
  let tokens = nameTokens.get(desc)
  if (tokens === undefined) {
    tokens = desc.labelNames.map(labelNameToken)
    nameTokens.set(desc, tokens)
  }
  return tokens
}

/**
 * A series' label block as a scalar sample line has it: `{a="x",b="y"} `, or
 * `' '` without labels. Joined from an array rather than concatenated, so it
 * is one flat string: a concatenated one stays a tree of pieces in V8, over
 * four times the memory while cached, and walked again by every scrape that
 * writes it.
 */
export function labelBlock(desc: Desc, values: readonly string[]): string {
  const names = desc.labelNames
  if (names.length === 0) return ' '
  const tokens = nameTokensOf(desc)
  const parts: string[] = []
  for (let i = 0; i < names.length; i++) {
    parts.push(i === 0 ? '{' : ',', tokens[i] as string, '="', escapeLabelValue(labelValueAt(desc, values, i)), '"')
  }
  parts.push('} ')
  return parts.join('')
}

/** How many caches of kin descriptors a new series looks its label block up in, oldest first. */
const kinLookups = 8

/**
 * The caches of the descriptors with the same label names, held weakly: a new series looks its label block up in
 * them first, so that the dozens of families an exporter writes per object (a VM, a partition, a disk) cache that
 * object's label block and values once instead of once per family. At 2,000 VMs that is a third of the cache's
 * memory; a series with labels of its own costs nothing more.
 */
class Kin {
  private members: WeakRef<DescSeries>[] = []
  private pruneAbove = 64
  /**
   * The label layout, block and values of the series a member looked up last: a collector that emits per object asks
   * for the same object's series in one family after another, so the next member with the same layout and the same
   * values takes the label block from here instead of writing it again.
   */
  latestLayout = ''
  latestLabels = ''
  latestValues: readonly string[] = []

  /** Adds a descriptor's cache, dropping the members that are gone as the list grows. */
  join(cache: DescSeries): void {
    this.members.push(new WeakRef(cache))
    if (this.members.length <= this.pruneAbove) return
    this.members = this.members.filter((member) => member.deref() !== undefined)
    this.pruneAbove = 2 * this.members.length + 64
  }

  /**
   * A series another member cached with the label block `block`: one with the same values too if there is one (a
   * constant label of one descriptor can be variable in another), or undefined.
   */
  find(block: string, values: readonly string[], asking: DescSeries): Series | undefined {
    let sameBlock: Series | undefined
    let looked = 0
    for (const member of this.members) {
      const cache = member.deref()
      if (cache === undefined || cache === asking) continue
      const found = cache.cached(block)
      if (found !== undefined && equalValues(found.values, values)) return found
      sameBlock ??= found
      if (++looked === kinLookups) break
    }
    return sameBlock
  }
}

const kinByLabelNames = new Map<string, Kin>()

/** The kin of descriptors with these label names. */
function kinOf(labelNames: readonly string[]): Kin {
  const key = labelNames.join(',')
  let kin = kinByLabelNames.get(key)
  if (kin === undefined) {
    kin = new Kin()
    kinByLabelNames.set(key, kin)
  }
  return kin
}

/** Whether two series' label values are the same, in number and each. */
function equalValues(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && sameValues(a, b)
}

/** Whether the label values of two series of one descriptor (as many each) are the same. */
function sameValues(a: readonly string[], b: readonly string[]): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return false
  }
  return true
}

/**
 * The series of one descriptor that recent scrapes emitted. Entries that no
 * scrape has seen for a while are dropped, so label churn (pods coming and
 * going) does not grow it without bound.
 */
export class DescSeries {
  /** Keyed by the label block, which escaping makes unique per series of one descriptor. */
  private readonly byLabels = new Map<string, Series>()
  /**
   * The series in the order the latest gathers emitted them: collectors mostly emit the same series in the same order
   * every scrape.
   */
  private readonly emitted: (Series | undefined)[] = []
  /** False when an entry was added (or entries dropped) after the last ranking. */
  private ranked = true
  /** Gathers that have used it (numbers the `seen` marks) and gathers using it now. */
  private gathers = 0
  private inFlight = 0
  /** Entries marked seen by the latest gather. */
  private seenByLatest = 0

  private readonly kin: Kin
  /** Where its constant labels sit, and their values: kin of one layout write one block for the same values. */
  private readonly layout: string

  constructor(private readonly desc: Desc) {
    this.kin = kinOf(desc.labelNames)
    this.kin.join(this)
    this.layout = JSON.stringify([desc.labelSlots, desc.constValues])
  }

  /** How many series the latest gathers emitted, in order: what the next one likely emits. */
  get emittedCount(): number {
    return this.emitted.length
  }

  /** How many series it holds; once ranked, ranks run from 0 to one less than this. */
  get size(): number {
    return this.byLabels.size
  }

  /** Marks the start of a gather that will look series up; pair with {@link release}. */
  acquire(): void {
    this.gathers++
    this.inFlight++
    this.seenByLatest = 0
  }

  /**
   * The entry for the series a descriptor emits at `position` (its count of
   * metrics so far in this gather). Comparing the label values with the series
   * emitted there last time is cheaper than hashing them, and usually right.
   */
  lookupAt(labelValues: readonly string[], position: number): Series {
    const guess = this.emitted[position]
    if (guess !== undefined && sameValues(guess.values, labelValues)) return this.mark(guess)
    const series = this.lookup(labelValues)
    this.emitted[position] = series
    return series
  }

  /** The series cached with the label block `labels`, or undefined. */
  cached(labels: string): Series | undefined {
    return this.byLabels.get(labels)
  }

  /**
   * The entry for a metric's label values, made on first sight: with the label block and values of a kin
   * descriptor's series when one has them.
   */
  private lookup(labelValues: readonly string[]): Series {
    const kin = this.kin
    const asLatest = kin.latestLayout === this.layout && equalValues(kin.latestValues, labelValues)
    const block = asLatest ? kin.latestLabels : labelBlock(this.desc, labelValues)
    let series = this.byLabels.get(block)
    if (series === undefined) {
      const source = asLatest
        ? { labels: kin.latestLabels, values: kin.latestValues }
        : kin.find(block, labelValues, this)
      const labels = source?.labels ?? block
      const values =
        source !== undefined && equalValues(source.values, labelValues) ? source.values : labelValues.map(ownedString)
      series = {
        desc: this.desc,
        values,
        labels,
        protoLabels: undefined,
        aggregate: undefined,
        rank: -1,
        seen: 0,
      }
      this.byLabels.set(labels, series)
      this.ranked = false
    }
    kin.latestLayout = this.layout
    kin.latestLabels = series.labels
    kin.latestValues = series.values
    return this.mark(series)
  }

  private mark(series: Series): Series {
    if (series.seen !== this.gathers) {
      series.seen = this.gathers
      this.seenByLatest++
    }
    return series
  }

  /** Gives every entry its rank in label order, if one was added since the last ranking. */
  rank(): void {
    if (this.ranked) return
    // Only variable labels can differ between the series of one descriptor; compare them in label-name order.
    const order = this.desc.labelSlots.filter((slot) => slot >= 0)
    // Entries are distinct series, so some variable label differs and two never compare equal.
    const sorted = [...this.byLabels.values()].sort((a, b) => {
      let i = 0
      while (a.values[order[i] as number] === b.values[order[i] as number]) i++
      return (a.values[order[i] as number] as string) < (b.values[order[i] as number] as string) ? -1 : 1
    })
    sorted.forEach((series, i) => {
      series.rank = i
    })
    this.ranked = true
  }

  /**
   * Marks the end of a gather; the last one out drops entries that neither it nor the one before saw, when they are
   * many.
   */
  release(): void {
    this.inFlight--
    if (this.inFlight > 0 || this.byLabels.size <= 2 * this.seenByLatest + 64) return
    for (const [labels, series] of this.byLabels) {
      if (series.seen < this.gathers - 1) this.byLabels.delete(labels)
    }
    this.emitted.length = 0
    this.ranked = false
  }
}

const caches = new WeakMap<Desc, DescSeries>()

/** The series cache of a descriptor, shared by every registry that gathers it. */
export function seriesOf(desc: Desc): DescSeries {
  let cache = caches.get(desc)
  if (cache === undefined) {
    cache = new DescSeries(desc)
    caches.set(desc, cache)
  }
  return cache
}

/**
 * The series caches one gather uses: each is acquired on first use and all are released together when the gather is
 * done.
 */
export class SeriesLease {
  private readonly held = new Set<DescSeries>()

  /** The cache of a descriptor, acquired for this gather. */
  use(desc: Desc): DescSeries {
    const cache = seriesOf(desc)
    if (!this.held.has(cache)) {
      this.held.add(cache)
      cache.acquire()
    }
    return cache
  }

  release(): void {
    for (const cache of this.held) cache.release()
    this.held.clear()
  }
}
