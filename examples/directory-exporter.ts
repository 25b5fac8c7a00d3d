// A complete exporter: how many files each directory holds and how many bytes they take.
// Its binary, examples/directory-exporter-main.ts, is two lines. Run it:
//   node dist/examples/directory-exporter-main.js --collector.files.path /var/log --collector.files.path /tmp
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { type Collector, Desc, constMetric } from 'promkit'
import { type ExporterDefinition, flag } from 'promkit/exporter'

const pathFlag = flag.list('collector.files.path', {
  description: 'Directory to count; repeat for several (default: the current one).',
})

/** directory_exporter: files and bytes per directory, with every flag and endpoint of the exporter runtime. */
export const directoryExporter: ExporterDefinition = {
  name: 'directory_exporter',
  description: 'Counts the regular files in directories and the bytes they take.',
  version: '1.0.0',
  defaultListenAddress: ':9400',
  namespace: 'directory',
  envPrefix: 'DIRECTORY_EXPORTER',
  collectors: [
    {
      name: 'files',
      defaultEnabled: true,
      flags: [pathFlag],
      create({ namespace, value }): Collector {
        const given = value(pathFlag)
        const paths = given.length > 0 ? given : [process.cwd()]
        const files = new Desc({
          namespace,
          name: 'files',
          help: 'Regular files in the directory.',
          variableLabels: ['path'],
        })
        const size = new Desc({
          namespace,
          name: 'size_bytes',
          help: 'Bytes taken by the regular files in the directory.',
          variableLabels: ['path'],
          unit: 'bytes',
        })
        return {
          describe: () => [files, size],
          async collect(emit, { signal }) {
            for (const path of paths) {
              let count = 0
              let bytes = 0
              for (const entry of await readdir(path, { withFileTypes: true })) {
                signal.throwIfAborted() // stop at the scrape deadline
                if (!entry.isFile()) continue
                count++
                bytes += (await stat(join(path, entry.name))).size
              }
              emit(constMetric(files, 'gauge', count, [path]))
              emit(constMetric(size, 'gauge', bytes, [path]))
            }
          },
        }
      },
    },
  ],
}
