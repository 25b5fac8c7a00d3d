import { errorMessage } from './errors.js'
import { type GatherError, type MetricBatch, GatherErrors, buildFamilies } from './families.js'
import type { GatherOptions, GatherResult, Gatherer } from './gather.js'

/**
 * Merges several gatherers into one scrape (client_golang's Gatherers): they run
 * concurrently, their families are merged and checked again as one (a duplicate
 * series or a type conflict across gatherers is reported and the first one kept),
 * and every error of every gatherer is passed through. A gatherer that rejects
 * is reported as `gatherer #N` and the others are still served.
 */
export function mergeGatherers(gatherers: readonly Gatherer[]): Gatherer {
  return {
    async gather(options?: GatherOptions): Promise<GatherResult> {
      const settled = await Promise.allSettled(gatherers.map((gatherer) => gatherer.gather(options)))
      const errors = new GatherErrors()
      const passed: GatherError[] = []
      const batches: MetricBatch[] = []
      const collectors: GatherResult['collectors'][number][] = []
      settled.forEach((result, index) => {
        const source = `gatherer #${index + 1}`
        if (result.status === 'rejected') {
          errors.report(source, 'PROMKIT_ERR_COLLECT_FAILED', '', `gather() failed: ${errorMessage(result.reason)}`, result.reason)
          return
        }
        passed.push(...result.value.errors)
        collectors.push(...result.value.collectors)
        batches.push({ source, metrics: result.value.families.flatMap((family) => family.metrics) })
      })
      const families = buildFamilies(batches, errors)
      return { families, errors: [...passed, ...errors.list], collectors }
    },
  }
}
