import type { Collector } from './collector.js'
import { constMetric } from './const-metric.js'
import { Desc, type DescOptions } from './desc.js'

/** What a one-value metric reads at each scrape: a number, now or later; it gets the scrape's abort signal. */
export type ValueReader = (signal: AbortSignal) => number | Promise<number>

/** A collector of one series whose value `read` gives at each scrape. */
function funcCollector(
  type: 'gauge' | 'counter',
  options: Omit<DescOptions, 'variableLabels'>,
  read: ValueReader,
): Collector {
  const desc = new Desc(options)
  return {
    name: desc.fqName,
    describe: () => [desc],
    async collect(emit, { signal }) {
      emit(constMetric(desc, type, await read(signal)))
    },
  }
}

/**
 * A gauge whose value a callback (sync or async) reads at each scrape, as client_golang's `NewGaugeFunc`: one
 * descriptor (constant labels allowed), one series. A callback that throws fails this collector alone.
 */
export function gaugeFunc(options: Omit<DescOptions, 'variableLabels'>, read: ValueReader): Collector {
  return funcCollector('gauge', options, read)
}

/** A counter whose value a callback reads at each scrape, as client_golang's `NewCounterFunc`. */
export function counterFunc(options: Omit<DescOptions, 'variableLabels'>, read: ValueReader): Collector {
  return funcCollector('counter', options, read)
}
