import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { PromkitError, quote } from '../errors.js'

/** The names a starter project derives from the one it is given (`queue-exporter`). */
export interface StarterNames {
  /** The npm package and directory: `queue-exporter`. */
  readonly packageName: string
  /** The binary and the exporter's name: `queue_exporter`. */
  readonly exporterName: string
  /** Its metrics' namespace: `queue`. */
  readonly namespace: string
}

/** The names of a starter project, or a one-line error saying what a valid name is. */
export function starterNames(name: string): StarterNames {
  if (!/^[a-z][a-z0-9]*([-_][a-z0-9]+)*$/.test(name))
    throw new PromkitError(
      'PROMKIT_ERR_INVALID_OPTION',
      `promkit-init: ${quote(name)} is not a project name: lower-case letters and digits, words joined by - or _ ` +
        '(e.g. queue-exporter)',
    )
  const namespace = name.replace(/[-_]exporter$/, '').replaceAll('-', '_')
  return { packageName: name.replaceAll('_', '-'), exporterName: name.replaceAll('-', '_'), namespace }
}

/**
 * The files of a ready exporter project: a collector reading something real (the files and bytes of directories), its
 * `defineExporter` definition and two-line main, a test with promkit/testing, tsconfig, Dockerfile, README and
 * .gitignore. `promkit` is the dependency specifier for the framework (`^0.1.0`, or `file:…/promkit-0.1.0.tgz`).
 */
export function starterFiles(names: StarterNames, promkit: string): Record<string, string> {
  const { packageName, exporterName, namespace } = names
  const packageJson = {
    name: packageName,
    version: '0.1.0',
    private: true,
    type: 'module',
    bin: { [exporterName]: 'dist/src/main.js' },
    scripts: {
      build: 'tsc -p tsconfig.json',
      test: 'tsc -p tsconfig.json && node --test dist/test/*.test.js',
      start: 'tsc -p tsconfig.json && node dist/src/main.js',
    },
    dependencies: { promkit },
    devDependencies: { '@types/node': '^20.19.0', typescript: '^5.9.3' },
  }
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      outDir: 'dist',
      rootDir: '.',
      sourceMap: true,
      skipLibCheck: true,
    },
    include: ['src', 'test'],
  }
  return {
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    '.gitignore': 'node_modules/\ndist/\n',
    'src/collector.ts': `// What ${exporterName} measures: the regular files in directories and the bytes they take.
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { type Collector, Desc, constMetric } from 'promkit'

/** A collector of \`${namespace}_files{path}\` and \`${namespace}_size_bytes{path}\` for these directories. */
export function filesCollector(namespace: string, paths: readonly string[]): Collector {
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
    name: 'files',
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
}
`,
    'src/exporter.ts': `import { type ExporterDefinition, flag } from 'promkit/exporter'
import { filesCollector } from './collector.js'

const pathFlag = flag.list('collector.files.path', {
  description: 'Directory to count; repeat for several (default: the current one).',
})

/** ${exporterName}: its flags, collectors and defaults, for promkit's exporter runtime. */
export const exporter: ExporterDefinition = {
  name: '${exporterName}',
  description: 'Counts the regular files in directories and the bytes they take.',
  version: '0.1.0',
  defaultListenAddress: ':9400',
  namespace: '${namespace}',
  envPrefix: '${exporterName.toUpperCase()}',
  collectors: [
    {
      name: 'files',
      defaultEnabled: true,
      flags: [pathFlag],
      create: ({ namespace, value }) =>
        filesCollector(namespace, value(pathFlag).length > 0 ? value(pathFlag) : [process.cwd()]),
    },
  ],
}
`,
    'src/main.ts': `#!/usr/bin/env node
import { defineExporter } from 'promkit/exporter'
import { exporter } from './exporter.js'

defineExporter(exporter).main()
`,
    'test/collector.test.ts': `import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { collectAndCompare, collectAndLint } from 'promkit/testing'
import { filesCollector } from '../src/collector.js'

test('files and bytes of a directory, with names promlint accepts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), '${packageName}-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'a.log'), '12345')
  writeFileSync(join(dir, 'b.log'), '0123456789')
  const collector = filesCollector('${namespace}', [dir])
  await collectAndCompare(
    collector,
    \`# HELP ${namespace}_files Regular files in the directory.
# TYPE ${namespace}_files gauge
${namespace}_files{path="\${dir}"} 2
# HELP ${namespace}_size_bytes Bytes taken by the regular files in the directory.
# TYPE ${namespace}_size_bytes gauge
${namespace}_size_bytes{path="\${dir}"} 15
\`,
  )
  assert.deepEqual(await collectAndLint(collector), [])
})
`,
    Dockerfile: `FROM node:22-slim AS build
WORKDIR /app
COPY package*.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:22-slim
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 9400
ENTRYPOINT ["node", "dist/src/main.js"]
`,
    'README.md': `# ${packageName}

A Prometheus exporter built on [promkit](https://github.com/promkit/promkit): \`${exporterName}\` serves
\`${namespace}_files{path}\` and \`${namespace}_size_bytes{path}\` for the directories it is given.

- \`npm test\`: builds and runs the tests (\`test/\`, node:test with promkit/testing).
- \`npm start\`: builds and serves the metrics at http://localhost:9400/metrics. Flags go after \`--\`:
  \`npm start -- --collector.files.path /var/log --web.listen-address 127.0.0.1:9400\`; \`--help\` lists them all
  (TLS and basic auth with \`--web.config.file\`, log level and format, per-collector toggles).
- \`docker build -t ${packageName} .\` makes an image.

Start from \`src/collector.ts\`: \`describe()\` lists the descriptors, \`collect()\` builds const metrics on every
scrape. \`src/exporter.ts\` declares its flags and collectors; \`src/main.ts\` runs it.
`,
  }
}

/**
 * Writes a starter project into `dir` (created; refused if it exists, so nothing is overwritten) and returns its
 * names.
 */
export function writeStarter(dir: string, name: string, promkit: string): StarterNames {
  const names = starterNames(name)
  if (existsSync(dir))
    throw new PromkitError('PROMKIT_ERR_INVALID_OPTION', `promkit-init: ${dir} exists; choose a new directory`)
  for (const [file, content] of Object.entries(starterFiles(names, promkit))) {
    mkdirSync(dirname(join(dir, file)), { recursive: true })
    writeFileSync(join(dir, file), content)
  }
  return names
}
