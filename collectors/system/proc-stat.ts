import { number } from './paths.js'

/** One `cpuN` line of /proc/stat, in seconds. */
export interface CpuTimes {
  readonly cpu: string
  readonly modes: Readonly<Record<'user' | 'nice' | 'system' | 'idle' | 'iowait' | 'irq' | 'softirq' | 'steal', number>>
  readonly guest: number
  readonly guestNice: number
}

/** What /proc/stat holds that the cpu and stat collectors report. */
export interface ProcStat {
  readonly cpus: readonly CpuTimes[]
  readonly bootTime: number
  readonly contextSwitches: number
  readonly forks: number
  readonly interrupts: number
  readonly procsRunning: number
  readonly procsBlocked: number
}

/** The kernel's USER_HZ: /proc/stat counts CPU time in hundredths of a second. */
const userHz = 100
const modeOrder = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const

/** Parses /proc/stat (pure: text in, numbers out). */
export function parseProcStat(text: string): ProcStat {
  const file = '/proc/stat'
  const cpus: CpuTimes[] = []
  const scalars = new Map<string, string | undefined>()
  for (const line of text.split('\n')) {
    const [key, ...fields] = line.trim().split(/\s+/)
    if (key === undefined || key === '') continue
    if (/^cpu\d+$/.test(key)) {
      if (fields.length < 8)
        throw new Error(`couldn't parse ${file}: ${key} has ${fields.length} fields, want at least 8`)
      const ticks = fields.map((field, i) => number(field, file, `${key} field ${i + 1}`) / userHz)
      const modes = Object.fromEntries(modeOrder.map((mode, i) => [mode, ticks[i] as number])) as CpuTimes['modes']
      cpus.push({ cpu: key.slice(3), modes, guest: ticks[8] ?? 0, guestNice: ticks[9] ?? 0 })
    } else {
      scalars.set(key, fields[0])
    }
  }
  const scalar = (key: string) => number(scalars.get(key), file, key)
  return {
    cpus,
    bootTime: scalar('btime'),
    contextSwitches: scalar('ctxt'),
    forks: scalar('processes'),
    interrupts: scalar('intr'),
    procsRunning: scalar('procs_running'),
    procsBlocked: scalar('procs_blocked'),
  }
}
