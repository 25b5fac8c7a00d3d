import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { number, readOptional, systemPaths } from './paths.js'

/**
 * The `total=` of the `some` and `full` lines of a /proc/pressure file, in seconds (the kernel counts µs; divided
 * twice by 1000 as node_exporter does, so the values are bit-equal to its). `irq` has only a `full` line; the others
 * must have a `some` line.
 */
export function parsePressure(text: string, file: string): { some: number | undefined; full: number | undefined } {
  const totals = new Map<string, number>()
  for (const line of text.split('\n')) {
    const match = /^(some|full) .*\btotal=(\S+)/.exec(line.trim())
    if (match) totals.set(match[1] as string, number(match[2], file, `${match[1]} total`) / 1000 / 1000)
  }
  const [some, full] = [totals.get('some'), totals.get('full')]
  if (some === undefined && full === undefined)
    throw new Error(`couldn't parse ${file}: no "some|full ... total=" line`)
  return { some, full }
}

/**
 * Pressure stall information: `node_pressure_{cpu,io,memory}_waiting_seconds_total` and
 * `node_pressure_{io,memory,irq}_stalled_seconds_total` (irq since Linux 6.1 with CONFIG_IRQ_TIME_ACCOUNTING).
 */
export const pressureCollector: CollectorDefinition = {
  name: 'pressure',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const desc = (name: string, help: string) =>
      new Desc({ namespace: context.namespace, subsystem: 'pressure', name, help, unit: 'seconds' })
    const waiting = {
      cpu: desc('cpu_waiting_seconds_total', 'Total time in seconds that processes have waited for CPU time'),
      io: desc('io_waiting_seconds_total', 'Total time in seconds that processes have waited due to IO congestion'),
      memory: desc('memory_waiting_seconds_total', 'Total time in seconds that processes have waited for memory'),
    }
    const stalled = {
      io: desc('io_stalled_seconds_total', 'Total time in seconds no process could make progress due to IO congestion'),
      memory: desc(
        'memory_stalled_seconds_total',
        'Total time in seconds no process could make progress due to memory congestion',
      ),
      irq: desc(
        'irq_stalled_seconds_total',
        'Total time in seconds no process could make progress due to IRQ congestion',
      ),
    }
    return {
      describe: () => [...Object.values(waiting), ...Object.values(stalled)],
      async collect(emit) {
        for (const resource of ['cpu', 'io', 'memory'] as const) {
          const file = paths.proc('pressure', resource)
          const text = await readOptional(file)
          if (text === undefined) {
            context.logger.debug(
              { resource },
              'no /proc/pressure: the kernel has no PSI; the pressure collector has no data',
            )
            return
          }
          const { some, full } = parsePressure(text, file)
          if (some === undefined) throw new Error(`couldn't parse ${file}: no "some ... total=" line`)
          emit(constMetric(waiting[resource], 'counter', some))
          if (resource !== 'cpu' && full !== undefined) emit(constMetric(stalled[resource], 'counter', full))
        }
        const irq = paths.proc('pressure', 'irq')
        const text = await readOptional(irq)
        const { full } = text === undefined ? { full: undefined } : parsePressure(text, irq)
        if (full !== undefined) emit(constMetric(stalled.irq, 'counter', full))
      },
    }
  },
}
