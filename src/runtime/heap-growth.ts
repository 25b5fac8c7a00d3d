import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * Sets how far V8's old generation may grow past what was live after a full garbage collection before the next one:
 * by `percent` of it, as Go's GOGC does for Go exporters (100: to twice the live heap). V8's own factor adapts up to
 * four times, for throughput: an exporter whose scrapes read large answers (vCenter's, a Kafka cluster's metadata)
 * then keeps several scrapes' garbage, 400 MiB at 2,000 VMs where 40 are live. 0 leaves V8's factor. Read by V8 at
 * every collection, so it applies from the next one.
 */
export function setHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`)
}

/**
 * A full garbage collection on the next turn of the event loop, for the moment the last scrape in flight has been
 * answered: what a large scrape read (vCenter's answers, a Kafka cluster's offsets) is garbage then, and collecting it
 * at once sets the next collection's limit from what stays live between scrapes (28 MiB at 2,000 VMs) rather than from
 * whatever a collection happened to find live in the middle of one (up to 47). V8 gives scripts a way to ask only
 * behind `--expose-gc`; set at run time, that flag gives the next new context a `gc` function, which collects the
 * whole isolate.
 */
export function collectAfterScrapes(): () => void {
  setFlagsFromString('--expose-gc')
  const collect = runInNewContext('gc') as () => void
  return () => void setImmediate(collect)
}
