import { errorMessage } from './errors.js'
import {
  type GatherError,
  type MetricBatch,
  type MetricFamily,
  GatherErrors,
  buildFamilies,
  claimedNames,
  isCheckedFamily,
} from './families.js'
import type { GatherOptions, GatherResult, Gatherer } from './gather.js'
import { SeriesBatch } from './series-batch.js'
import { SeriesLease } from './series-cache.js'

/**
 * Merges several gatherers into one scrape (client_golang's Gatherers): they run
 * concurrently, their families are merged and checked again as one (a duplicate
 * series or a type conflict across gatherers is reported and the first one kept),
 * and every error of every gatherer is passed through. A gatherer that rejects
 * is reported as `gatherer #N` and the others are still served.
 *
 * Only what can conflict is checked again: a family that a registry already
 * checked, and whose sample names no other family uses, is passed through as it
 * is, so merging a large scrape with a few self-metrics does not re-sort it.
 */
export function mergeGatherers(gatherers: readonly Gatherer[]): Gatherer {
  return {
    async gather(options?: GatherOptions): Promise<GatherResult> {
      const settled = await Promise.allSettled(gatherers.map((gatherer) => gatherer.gather(options)))
      const errors = new GatherErrors()
      const passed: GatherError[] = []
      const gathered: { source: string; families: readonly MetricFamily[] }[] = []
      const collectors: GatherResult['collectors'][number][] = []
      settled.forEach((result, index) => {
        const source = `gatherer #${index + 1}`
        if (result.status === 'rejected') {
          errors.report(
            source,
            'PROMKIT_ERR_COLLECT_FAILED',
            '',
            `gather() failed: ${errorMessage(result.reason)}`,
            result.reason,
          )
          return
        }
        passed.push(...result.value.errors)
        collectors.push(...result.value.collectors)
        gathered.push({ source, families: result.value.families })
      })
      const uses = new Map<string, number>()
      for (const { families } of gathered) {
        for (const family of families)
          for (const name of claimedNames(family.name, family.type)) uses.set(name, (uses.get(name) ?? 0) + 1)
      }
      const alone = (family: MetricFamily): boolean =>
        isCheckedFamily(family) && claimedNames(family.name, family.type).every((name) => uses.get(name) === 1)
      const unchanged = gathered.flatMap(({ families }) => families.filter(alone))
      const lease = new SeriesLease()
      try {
        const batches: MetricBatch[] = gathered.map(({ source, families }) => {
          const batch = new SeriesBatch(lease)
          for (const family of families) if (!alone(family)) for (const metric of family.metrics) batch.add(metric)
          return { source, batch }
        })
        // Names are unique across both parts: a name in both would have made its families not alone.
        const families = [...unchanged, ...(await buildFamilies(batches, errors))].sort((a, b) =>
          a.name < b.name ? -1 : 1,
        )
        return { families, errors: [...passed, ...errors.list], collectors }
      } finally {
        lease.release()
      }
    },
  }
}
