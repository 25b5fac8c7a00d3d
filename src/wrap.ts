import {
  type Collector,
  type CollectContext,
  type Emit,
  type WrappingCollector,
  collectorName,
  wrappedCollector,
} from './collector.js'
import type { Metric } from './const-metric.js'
import { Desc } from './desc.js'
import { PromkitError, quote } from './errors.js'
import type { Registerer } from './registry.js'

/** How {@link wrapRegisterer} changes the collectors registered through it. */
export interface WrapOptions {
  /** Put in front of every metric name, e.g. `myapp_`. */
  readonly prefix?: string
  /** Added to every descriptor as const labels; a collector that has one of these labels already is refused. */
  readonly constLabels?: Readonly<Record<string, string>>
}

class LabelingCollector implements WrappingCollector {
  readonly [wrappedCollector]: Collector
  readonly name: string
  private readonly wrappedDescs = new WeakMap<Desc, Desc>()

  constructor(
    private readonly inner: Collector,
    private readonly options: WrapOptions,
  ) {
    this[wrappedCollector] = inner
    this.name = collectorName(inner)
  }

  describe(): Desc[] {
    return [...this.inner.describe()].map((desc) => this.wrap(desc))
  }

  collect(emit: Emit, context: CollectContext): Promise<void> | void {
    return this.inner.collect((metric: Metric) => emit({ ...metric, desc: this.wrap(metric.desc) }), context)
  }

  close(): Promise<void> | void {
    return this.inner.close?.()
  }

  private wrap(desc: Desc): Desc {
    const known = this.wrappedDescs.get(desc)
    if (known) return known
    const added = this.options.constLabels ?? {}
    const clash = Object.keys(added).find((name) => desc.labelNames.includes(name))
    if (clash !== undefined) {
      throw new PromkitError(
        'PROMKIT_ERR_DUPLICATE_LABEL_NAME',
        `wrapping ${desc} with const label ${quote(clash)}: the descriptor already has a label of that name`,
      )
    }
    const wrapped = new Desc({
      name: `${this.options.prefix ?? ''}${desc.fqName}`,
      help: desc.help,
      unit: desc.unit,
      constLabels: { ...desc.constLabels, ...added },
      variableLabels: desc.variableLabels,
    })
    this.wrappedDescs.set(desc, wrapped)
    return wrapped
  }
}

/**
 * Returns a Registerer that adds a name prefix and/or const labels to every
 * collector registered through it (client_golang's WrapRegistererWith and
 * WrapRegistererWithPrefix), e.g. to tell several instances of one collector
 * apart. The wrapped collectors go through the inner registerer's usual checks,
 * and an AlreadyRegisteredError hands back the user's own collector.
 */
export function wrapRegisterer(inner: Registerer, options: WrapOptions): Registerer {
  const wrappers = new WeakMap<Collector, LabelingCollector>()
  return {
    register(collector: Collector): void {
      const wrapper = wrappers.get(collector) ?? new LabelingCollector(collector, options)
      inner.register(wrapper)
      wrappers.set(collector, wrapper)
    },
    unregister(collector: Collector): boolean {
      return inner.unregister(wrappers.get(collector) ?? new LabelingCollector(collector, options))
    },
  }
}
