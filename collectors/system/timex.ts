import koffi from 'koffi'
import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'

/** The fields of the kernel's `struct timex` (adjtimex(2)) the collector reports. */
export interface TimexReading {
  /** adjtimex's return value: the clock state (5, TIME_ERROR, is unsynchronized). */
  readonly state: number
  readonly offset: number
  readonly freq: number
  readonly maxerror: number
  readonly esterror: number
  readonly status: number
  readonly constant: number
  readonly tick: number
  readonly ppsfreq: number
  readonly jitter: number
  readonly shift: number
  readonly stabil: number
  readonly jitcnt: number
  readonly calcnt: number
  readonly errcnt: number
  readonly stbcnt: number
  readonly tai: number
}

/** Why the clock could not be read: adjtimex's errno. */
export class AdjtimexError extends Error {
  constructor(readonly errno: number) {
    super(`adjtimex failed (errno ${errno})`)
    this.name = 'AdjtimexError'
  }
}

const timeError = 5
const staNano = 0x2000
const ppm16frac = 1_000_000 * 65_536
const permissionDenied = 1

/** adjtimex(2) from libc, bound through koffi on first use. */
let adjtimex: ((buffer: Record<string, unknown>) => number) | undefined

/** Binds adjtimex(2) and the kernel's `struct timex` (208 bytes on 64-bit Linux). */
function bindAdjtimex(): (buffer: Record<string, unknown>) => number {
  const libc = koffi.load('libc.so.6')
  const timeval = koffi.struct('promkit_timeval', { tv_sec: 'long', tv_usec: 'long' })
  const timex = koffi.struct('promkit_timex', {
    modes: 'uint',
    offset: 'long',
    freq: 'long',
    maxerror: 'long',
    esterror: 'long',
    status: 'int',
    constant: 'long',
    precision: 'long',
    tolerance: 'long',
    time: timeval,
    tick: 'long',
    ppsfreq: 'long',
    jitter: 'long',
    shift: 'int',
    stabil: 'long',
    jitcnt: 'long',
    calcnt: 'long',
    errcnt: 'long',
    stbcnt: 'long',
    tai: 'int',
    reserved: koffi.array('int', 11),
  })
  return libc.func('adjtimex', 'int', [koffi.inout(koffi.pointer(timex))]) as (
    buffer: Record<string, unknown>,
  ) => number
}

/**
 * Reads the kernel clock's state with adjtimex(2) (modes 0: read only), through koffi: Node has no binding for it,
 * and node_exporter reads it the same way (a system call, not a file).
 */
function readClock(): TimexReading {
  adjtimex ??= bindAdjtimex()
  const buffer: Record<string, unknown> = { modes: 0 }
  return clockReading(adjtimex(buffer), buffer, koffi.errno)
}

/** What adjtimex(2) answered: its return value and the struct it filled, or an AdjtimexError for its errno. */
export function clockReading(state: number, buffer: Record<string, unknown>, errno: () => number): TimexReading {
  if (state < 0) throw new AdjtimexError(errno())
  return { ...(buffer as unknown as Omit<TimexReading, 'state'>), state }
}

/** node_exporter's timex collector, reading the clock with `read` (adjtimex(2) by default). */
export function timexCollectorReading(read: () => TimexReading = readClock): CollectorDefinition {
  return {
    name: 'timex',
    defaultEnabled: true,
    create(context): Collector {
      const desc = (name: string, help: string) =>
        new Desc({ namespace: context.namespace, subsystem: 'timex', name, help })
      const families = {
        syncStatus: desc('sync_status', 'Is clock synchronized to a reliable server (1 = yes, 0 = no).'),
        offset: desc('offset_seconds', 'Time offset in between local system and reference clock.'),
        freq: desc('frequency_adjustment_ratio', 'Local clock frequency adjustment.'),
        maxerror: desc('maxerror_seconds', 'Maximum error in seconds.'),
        esterror: desc('estimated_error_seconds', 'Estimated error in seconds.'),
        status: desc('status', 'Value of the status array bits.'),
        constant: desc('loop_time_constant', 'Phase-locked loop time constant.'),
        tick: desc('tick_seconds', 'Seconds between clock ticks.'),
        ppsfreq: desc('pps_frequency_hertz', 'Pulse per second frequency.'),
        jitter: desc('pps_jitter_seconds', 'Pulse per second jitter.'),
        shift: desc('pps_shift_seconds', 'Pulse per second interval duration.'),
        stabil: desc('pps_stability_hertz', 'Pulse per second stability, average of recent frequency changes.'),
        jitcnt: desc('pps_jitter_total', 'Pulse per second count of jitter limit exceeded events.'),
        calcnt: desc('pps_calibration_total', 'Pulse per second count of calibration intervals.'),
        errcnt: desc('pps_error_total', 'Pulse per second count of calibration errors.'),
        stbcnt: desc('pps_stability_exceeded_total', 'Pulse per second count of stability limit exceeded events.'),
        tai: desc('tai_offset_seconds', 'International Atomic Time (TAI) offset.'),
      }
      return {
        describe: () => Object.values(families),
        collect(emit) {
          let clock: TimexReading
          try {
            clock = read()
          } catch (error) {
            if (error instanceof AdjtimexError && error.errno === permissionDenied) {
              return context.logger.debug({ err: error.message }, 'not allowed to read the clock: no timex data')
            }
            throw error
          }
          const divisor = clock.status & staNano ? 1e9 : 1e6
          const gauge = (family: Desc, value: number) => emit(constMetric(family, 'gauge', value))
          const counter = (family: Desc, value: number) => emit(constMetric(family, 'counter', value))
          gauge(families.syncStatus, clock.state === timeError ? 0 : 1)
          gauge(families.offset, clock.offset / divisor)
          gauge(families.freq, 1 + clock.freq / ppm16frac)
          gauge(families.maxerror, clock.maxerror / 1e6)
          gauge(families.esterror, clock.esterror / 1e6)
          gauge(families.status, clock.status)
          gauge(families.constant, clock.constant)
          gauge(families.tick, clock.tick / 1e6)
          gauge(families.ppsfreq, clock.ppsfreq / ppm16frac)
          gauge(families.jitter, clock.jitter / divisor)
          gauge(families.shift, clock.shift)
          gauge(families.stabil, clock.stabil / ppm16frac)
          counter(families.jitcnt, clock.jitcnt)
          counter(families.calcnt, clock.calcnt)
          counter(families.errcnt, clock.errcnt)
          counter(families.stbcnt, clock.stbcnt)
          gauge(families.tai, clock.tai)
        },
      }
    },
  }
}

/** `node_timex_*`: the kernel clock's synchronization state, offset, frequency and PPS counters, as node_exporter. */
export const timexCollector = timexCollectorReading()
