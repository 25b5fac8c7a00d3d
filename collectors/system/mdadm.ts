import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { listOptional, number, readOptional, systemPaths } from './paths.js'

/** The states an md device can be in, as node_exporter reports them. */
const states = ['active', 'inactive', 'recovering', 'resync', 'check'] as const

/** One md device of /proc/mdstat. */
export interface MdDevice {
  readonly name: string
  readonly state: (typeof states)[number]
  readonly active: number
  readonly failed: number
  readonly spare: number
  /** Disks the array needs (`[n/m]`'s n; every listed disk for raid0 and linear; 0 when inactive). */
  readonly required: number
  readonly blocks: number
  readonly blocksSynced: number
}

/**
 * Parses /proc/mdstat: each `mdN : <state> [(mode)] [level] <disk>[i][(F|S)] …` line, its `<blocks> blocks … [n/m]`
 * line, and a recovery, resync or check progress line (`(done/total)`) or `resync=DELAYED|PENDING` when there is one.
 */
export function parseMdstat(text: string): MdDevice[] {
  const devices: MdDevice[] = []
  const lines = text.split('\n')
  for (const [index, line] of lines.entries()) {
    const header = /^(md\S*) : (\S+)(.*)$/.exec(line)
    if (header === null) continue
    const [, name, status, rest] = header as unknown as [string, string, string, string]
    const disks = rest.split(/\s+/).filter((token) => /\[\d+\]/.test(token))
    const failed = disks.filter((disk) => disk.endsWith('(F)')).length
    const spare = disks.filter((disk) => disk.endsWith('(S)')).length
    const details = lines[index + 1] ?? ''
    const blocksText = /^\s*(\d+) blocks/.exec(details)?.[1]
    const blocks = number(blocksText, '/proc/mdstat', `${name} blocks`)
    const counts = /\[(\d+)\/\d+\]/.exec(details)?.[1]
    const following = lines.slice(index + 2, index + 4).join('\n')
    const progress = /\b(recovery|resync|check)\s*=\s*[\d.]+%\s*\((\d+)\/\d+\)/.exec(following)
    const waiting = /\bresync=(DELAYED|PENDING)\b/.test(following)
    const inactive = status === 'inactive'
    const state = inactive
      ? 'inactive'
      : progress
        ? ({ recovery: 'recovering', resync: 'resync', check: 'check' } as const)[progress[1] as 'recovery']
        : waiting
          ? 'resync'
          : 'active'
    devices.push({
      name,
      state,
      active: disks.length - failed - spare,
      failed,
      spare,
      required: inactive ? 0 : counts === undefined ? disks.length : Number(counts),
      blocks,
      blocksSynced: progress ? Number(progress[2]) : waiting ? 0 : blocks,
    })
  }
  return devices
}

/**
 * node_exporter's mdadm collector: `node_md_{blocks,blocks_synced,disks_required}{device}`,
 * `node_md_disks{device,state}` and `node_md_state{device,state}` from /proc/mdstat, and `node_md_raid_disks` and
 * `node_md_degraded` from /sys/block/mdN/md. Nothing on a machine without software RAID.
 */
export const mdadmCollector: CollectorDefinition = {
  name: 'mdadm',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const desc = (name: string, help: string, labels: readonly string[] = []) =>
      new Desc({ namespace: context.namespace, subsystem: 'md', name, help, variableLabels: ['device', ...labels] })
    const blocks = desc('blocks', 'Total number of blocks on device.')
    const synced = desc('blocks_synced', 'Number of blocks synced on device.')
    const required = desc('disks_required', 'Total number of disks of device.')
    const disks = desc('disks', 'Number of active/failed/spare disks of device.', ['state'])
    const state = desc('state', 'Indicates the state of md-device.', ['state'])
    const raidDisks = desc('raid_disks', 'Number of raid disks on device.')
    const degraded = desc('degraded', 'Number of degraded disks on device.')
    const block = (...parts: string[]) => paths.sys('block', ...parts)
    return {
      describe: () => [blocks, synced, required, disks, state, raidDisks, degraded],
      async collect(emit) {
        const mdstat = await readOptional(paths.proc('mdstat'))
        const devices = mdstat === undefined ? [] : parseMdstat(mdstat)
        for (const device of devices) {
          emit(constMetric(blocks, 'gauge', device.blocks, [device.name]))
          emit(constMetric(synced, 'gauge', device.blocksSynced, [device.name]))
          emit(constMetric(required, 'gauge', device.required, [device.name]))
          for (const which of ['active', 'failed', 'spare'] as const) {
            emit(constMetric(disks, 'gauge', device[which], [device.name, which]))
          }
          for (const each of states)
            emit(constMetric(state, 'gauge', each === device.state ? 1 : 0, [device.name, each]))
        }
        const arrays = (await listOptional(block()).catch(() => [] as string[])).filter((entry) =>
          entry.startsWith('md'),
        )
        for (const name of arrays.sort()) {
          const raid = await readOptional(block(name, 'md', 'raid_disks')).catch(() => undefined)
          if (raid === undefined) continue
          const lost = (await readOptional(block(name, 'md', 'degraded'))) ?? '0'
          emit(constMetric(raidDisks, 'gauge', number(raid.trim(), `${name}/md/raid_disks`, 'raid_disks'), [name]))
          emit(constMetric(degraded, 'gauge', number(lost.trim(), `${name}/md/degraded`, 'degraded'), [name]))
        }
      },
    }
  },
}
