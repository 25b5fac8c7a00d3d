import { join } from 'node:path'
import { type Collector, Desc, constMetric } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import { number, numberedEntries, readOptional, readRequired, systemPaths } from './paths.js'

/**
 * A DIMM's label as node_exporter gives it: the kernel's default (`mc#0csrow#1channel#0`, the `#` sometimes absent)
 * written `mc0_csrow1_channel0`; a label the firmware set (`CPU_SrcID#0_MC#0_Chan#0_DIMM#0`) as it is.
 */
export function dimmLabel(text: string): string {
  const parts = /^mc#?(\d+)csrow#?(\d+)channel#?(\d+)$/.exec(text)
  return parts === null ? text : `mc${parts[1]}_csrow${parts[2]}_channel${parts[3]}`
}

/**
 * node_exporter's edac collector, from /sys/devices/system/edac/mc: per memory controller its correctable and
 * uncorrectable errors, per csrow (and `unknown`, the errors no csrow was found for) and per channel of a csrow
 * (with its DIMM's label). Nothing without EDAC.
 */
export const edacCollector: CollectorDefinition = {
  name: 'edac',
  defaultEnabled: true,
  create(context): Collector {
    const paths = systemPaths(context)
    const desc = (name: string, help: string, labels: string[]) =>
      new Desc({ namespace: context.namespace, subsystem: 'edac', name, help, variableLabels: labels })
    const correctable = desc('correctable_errors_total', 'Total correctable memory errors.', ['controller'])
    const uncorrectable = desc('uncorrectable_errors_total', 'Total uncorrectable memory errors.', ['controller'])
    const row = ['controller', 'csrow']
    const rowCorrectable = desc(
      'csrow_correctable_errors_total',
      'Total correctable memory errors for this csrow.',
      row,
    )
    const rowUncorrectable = desc(
      'csrow_uncorrectable_errors_total',
      'Total uncorrectable memory errors for this csrow.',
      row,
    )
    const channel = ['controller', 'csrow', 'channel', 'dimm_label']
    const channelCorrectable = desc(
      'channel_correctable_errors_total',
      'Total correctable memory errors for this channel.',
      channel,
    )
    const channelUncorrectable = desc(
      'channel_uncorrectable_errors_total',
      'Total uncorrectable memory errors for this channel.',
      channel,
    )
    const count = async (file: string) => number((await readRequired(file)).trim(), file, 'the count')
    return {
      describe: () => [
        correctable,
        uncorrectable,
        rowCorrectable,
        rowUncorrectable,
        channelCorrectable,
        channelUncorrectable,
      ],
      async collect(emit) {
        const root = paths.sys('devices', 'system', 'edac', 'mc')
        for (const { entry, index: controller } of await numberedEntries(root, /^mc(\d+)$/)) {
          const dir = join(root, entry)
          emit(constMetric(correctable, 'counter', await count(join(dir, 'ce_count')), [controller]))
          emit(
            constMetric(rowCorrectable, 'counter', await count(join(dir, 'ce_noinfo_count')), [controller, 'unknown']),
          )
          emit(constMetric(uncorrectable, 'counter', await count(join(dir, 'ue_count')), [controller]))
          emit(
            constMetric(rowUncorrectable, 'counter', await count(join(dir, 'ue_noinfo_count')), [
              controller,
              'unknown',
            ]),
          )
          for (const { entry: rowEntry, index: csrow } of await numberedEntries(dir, /^csrow(\d+)$/)) {
            const rowDir = join(dir, rowEntry)
            emit(constMetric(rowCorrectable, 'counter', await count(join(rowDir, 'ce_count')), [controller, csrow]))
            emit(constMetric(rowUncorrectable, 'counter', await count(join(rowDir, 'ue_count')), [controller, csrow]))
            for (const { index: channelNumber } of await numberedEntries(rowDir, /^ch(\d+)_ce_count$/)) {
              const label = dimmLabel(
                ((await readOptional(join(rowDir, `ch${channelNumber}_dimm_label`))) ?? '').trim(),
              )
              const labels = [controller, csrow, channelNumber, label]
              emit(
                constMetric(
                  channelCorrectable,
                  'counter',
                  await count(join(rowDir, `ch${channelNumber}_ce_count`)),
                  labels,
                ),
              )
              const uncorrectableFile = join(rowDir, `ch${channelNumber}_ue_count`)
              const uncorrected = await readOptional(uncorrectableFile)
              if (uncorrected === undefined) continue
              const value = number(uncorrected.trim(), uncorrectableFile, 'the count')
              emit(constMetric(channelUncorrectable, 'counter', value, labels))
            }
          }
        }
      },
    }
  },
}
