import type { CollectContext } from './collector.js'

/**
 * One read of a target per scrape, shared by the collectors of that scrape (they get the same signal): for an
 * exporter whose collectors each serve part of one answer (a kubelet's summary, vCenter's inventory). With
 * `overlapping`, a scrape that comes while a read is in flight shares that read too, so a slow target has one read
 * in flight at a time.
 */
export class ScrapeShared<T> {
  private readonly byScrape = new WeakMap<AbortSignal, Promise<T>>()
  private inFlight: Promise<T> | undefined

  constructor(
    private readonly read: (signal: AbortSignal, deadline: number) => Promise<T>,
    private readonly overlapping = false,
  ) {}

  /** The read of this scrape: started by its first collector to ask. */
  get({ signal, deadline }: CollectContext): Promise<T> {
    let reading = this.byScrape.get(signal)
    if (reading === undefined) {
      reading = this.inFlight ?? this.start(signal, deadline)
      this.byScrape.set(signal, reading)
    }
    return reading
  }

  private start(signal: AbortSignal, deadline: number): Promise<T> {
    const reading = this.read(signal, deadline)
    if (this.overlapping) {
      // Only started when no read is in flight: the one that ends is the one in flight.
      this.inFlight = reading
      const done = () => {
        this.inFlight = undefined
      }
      reading.then(done, done)
    }
    return reading
  }
}
