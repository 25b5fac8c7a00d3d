import { setFlagsFromString } from 'node:v8'

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
