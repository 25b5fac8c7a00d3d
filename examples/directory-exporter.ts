// A complete exporter: how many files each directory holds and how many bytes they take.
// Run it: node dist/examples/directory-exporter.js /var/log /tmp   (then curl localhost:9400/metrics)
import { createServer } from 'node:http'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { type CollectContext, type Collector, Desc, type Emit, Registry, constMetric, contentTypes, encodeStream, negotiate } from 'promkit'

const files = new Desc({ namespace: 'directory', name: 'files', help: 'Regular files in the directory.', variableLabels: ['path'] })
const size = new Desc({
  namespace: 'directory',
  name: 'size_bytes',
  help: 'Bytes taken by the regular files in the directory.',
  variableLabels: ['path'],
  unit: 'bytes',
})

class DirectoryCollector implements Collector {
  readonly name = 'directory'
  constructor(private readonly paths: readonly string[]) {}

  describe(): Desc[] {
    return [files, size]
  }

  async collect(emit: Emit, { signal }: CollectContext): Promise<void> {
    for (const path of this.paths) {
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
  }
}

const registry = new Registry()
registry.register(new DirectoryCollector(process.argv.length > 2 ? process.argv.slice(2) : [process.cwd()]))

const port = Number(process.env.PORT ?? 9400)
createServer(async (request, response) => {
  if (request.url !== '/metrics') return void response.writeHead(404).end('try /metrics\n')
  const { families, errors } = await registry.gather()
  for (const error of errors) console.error(error.message) // e.g. "directory: collect() failed: ENOENT ..."
  const format = negotiate(request.headers.accept)
  response.writeHead(200, { 'content-type': contentTypes[format] })
  Readable.from(encodeStream(families, format)).pipe(response)
}).listen(port, '127.0.0.1', () => console.log(`serving http://127.0.0.1:${port}/metrics`))
