import { createHistogram } from 'node:perf_hooks'

/** How often the delay is sampled, in milliseconds: the `resolution` prom-client gives monitorEventLoopDelay. */
const resolutionMs = 10

/** The event loop's delays over some stretch of time, in seconds. */
export interface DelayReading {
  /** 0 when nothing was sampled. */
  readonly min: number
  /** 0 when nothing was sampled. */
  readonly max: number
  /** NaN when nothing was sampled. */
  readonly mean: number
  /** 0 when nothing was sampled, as the percentiles. */
  readonly p50: number
  readonly p90: number
  readonly p99: number
}

/**
 * The event loop's delay, sampled as Node's `monitorEventLoopDelay` samples it: a timer due every 10 ms records how
 * late it fired. Written here rather than read from that monitor because reading it cost about 100 µs a scrape, half
 * of everything an exporter's own metrics cost: its mean and percentiles walk a histogram of nanoseconds up to an
 * hour, the whole of it when nothing was recorded. This one keeps the count, sum, minimum and maximum as it goes, and
 * the percentiles in a histogram of microseconds to two significant figures: a few microseconds a read.
 */
export class EventLoopDelay {
  private readonly delays = createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 2 })
  private count = 0
  private sum = 0
  private min = Number.POSITIVE_INFINITY
  private max = 0
  private due = performance.now() + resolutionMs

  constructor() {
    // Unreferenced: sampling never keeps a process alive.
    setInterval(() => this.sample(performance.now()), resolutionMs).unref()
  }

  /** Records the delay of a tick that fired at `now` (ms), and when the next one is due. */
  sample(now: number): void {
    const micros = Math.max(1, Math.round((now - this.due) * 1000))
    this.due = now + resolutionMs
    this.delays.record(micros)
    this.count++
    this.sum += micros
    if (micros < this.min) this.min = micros
    if (micros > this.max) this.max = micros
  }

  /** The delays sampled since the last read (or since the start), and a fresh start. */
  read(): DelayReading {
    const seconds = (micros: number) => micros / 1e6
    const reading =
      this.count === 0
        ? { min: 0, max: 0, mean: Number.NaN, p50: 0, p90: 0, p99: 0 }
        : {
            min: seconds(this.min),
            max: seconds(this.max),
            mean: seconds(this.sum / this.count),
            p50: seconds(this.delays.percentile(50)),
            p90: seconds(this.delays.percentile(90)),
            p99: seconds(this.delays.percentile(99)),
          }
    this.delays.reset()
    this.count = 0
    this.sum = 0
    this.min = Number.POSITIVE_INFINITY
    this.max = 0
    return reading
  }
}
