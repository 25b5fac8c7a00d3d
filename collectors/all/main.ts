#!/usr/bin/env node
// promkit: runs one of the exporters promkit ships, e.g. `promkit system_exporter --web.listen-address=:9100`.
import { kafkaExporter } from '@promkit/kafka-exporter'
import { kubeletExporter } from '@promkit/kubelet-exporter'
import { probeExporter } from '@promkit/probe-exporter'
import { redisExporter } from '@promkit/redis-exporter'
import { systemExporter } from '@promkit/system-exporter'
import { vsphereExporter } from '@promkit/vsphere-exporter'
import { defineExporter } from 'promkit/exporter'
import type { ExporterDefinition } from 'promkit/exporter'
import { directoryExporter } from 'promkit/examples/directory-exporter'

/** Every exporter promkit ships, by binary name. */
export const exporters: ReadonlyMap<string, ExporterDefinition> = new Map(
  [
    systemExporter,
    redisExporter,
    kafkaExporter,
    probeExporter,
    kubeletExporter,
    vsphereExporter,
    directoryExporter,
  ].map((exporter) => [exporter.name, exporter]),
)

const [name] = process.argv.splice(2, 1)
const definition = name === undefined ? undefined : exporters.get(name)
if (definition === undefined) {
  const list = [...exporters.values()]
    .map(
      (exporter) => `  ${exporter.name.padEnd(20)} ${exporter.description} (default ${exporter.defaultListenAddress})`,
    )
    .join('\n')
  const problem =
    name === undefined || name === '--help' || name === '-h'
      ? ''
      : `promkit: unknown exporter ${JSON.stringify(name)}\n\n`
  process[problem ? 'stderr' : 'stdout'].write(
    `${problem}Usage: promkit <exporter> [flags]   (promkit <exporter> --help for its flags)\n\nExporters:\n${list}\n`,
  )
  process.exit(problem ? 1 : 0)
}
defineExporter(definition).main()
