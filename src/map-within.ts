import { withTimeLimit } from './time-limit.js'

/** What {@link mapWithin} got done before its deadline. */
export interface MappedWithin<I, O> {
  /** The results of the items that finished, in the items' order. */
  readonly done: readonly { readonly item: I; readonly result: O }[]
  /** The items that failed, with why. */
  readonly failed: readonly { readonly item: I; readonly error: unknown }[]
  /** The items that had not finished (or not started) at the deadline. */
  readonly unfinished: readonly I[]
}

/**
 * Runs `work` over `items`, at most `concurrency` at once, until `deadline`
 * (`Date.now()` milliseconds): for a collector that asks a target many
 * questions (offsets per topic, stats per node) and must answer by the scrape
 * deadline with what it has. A failing item does not stop the others. Work still
 * running at the deadline is left to finish on its own; its result is dropped.
 */
export async function mapWithin<I, O>(
  items: readonly I[],
  concurrency: number,
  deadline: number,
  work: (item: I) => Promise<O>,
): Promise<MappedWithin<I, O>> {
  const results = new Array<{ result: O } | { error: unknown } | undefined>(items.length)
  let next = 0
  let late = false
  const worker = async (): Promise<void> => {
    while (next < items.length && !late) {
      const index = next++
      try {
        results[index] = { result: await work(items[index] as I) }
      } catch (error) {
        results[index] = { error }
      }
    }
  }
  const workers = Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  await withTimeLimit(workers, deadline - Date.now(), () => (late = true))
  const done: { item: I; result: O }[] = []
  const failed: { item: I; error: unknown }[] = []
  const unfinished: I[] = []
  items.forEach((item, index) => {
    const outcome = results[index]
    if (outcome === undefined) unfinished.push(item)
    else if ('result' in outcome) done.push({ item, result: outcome.result })
    else failed.push({ item, error: outcome.error })
  })
  return { done, failed, unfinished }
}
