import { readFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type Collector,
  Desc,
  type Emit,
  type Metric,
  type TextFamily,
  type TextMetric,
  constHistogram,
  constMetric,
  constSummary,
  errorMessage,
  parseText,
} from 'promkit'
import { type CollectorDefinition, type Logger, flag } from 'promkit/exporter'

/** node_exporter's textfile flag: a directory, or a glob of directories; repeatable. */
const directoryFlag = flag.list('collector.textfile.directory', {
  description:
    'Directory to read *.prom files with metrics from (cron jobs and scripts write them); a glob (* ? [...]) ' +
    'reads every directory it matches; repeat for several.',
})

/** The families of one file that was read whole. */
export interface TextFile {
  readonly path: string
  readonly families: readonly TextFamily[]
}

/** One family as it is served: merged from every file that has it, its label names the union of theirs. */
export interface MergedFamily {
  readonly name: string
  readonly help: string
  readonly type: TextFamily['type']
  readonly labelNames: readonly string[]
  readonly metrics: readonly TextMetric[]
  /** The files it was read from. */
  readonly sources: readonly string[]
}

/**
 * Merges the families of the files read, as node_exporter 1.12 does: a family in several files is one family (a HELP
 * that differs from the first one's, or a TYPE, drops that file's part of it, and is a problem); a family without
 * HELP is described as `Metric read from <its files>`; a metric missing a label the others of its family have gets
 * it empty. Beyond node_exporter: a series a file repeats from an earlier one is dropped (Go's registry would fail
 * the whole scrape), and is a problem.
 */
export function mergeFamilies(files: readonly TextFile[]): { families: MergedFamily[]; problems: string[] } {
  const problems: string[] = []
  const merged = new Map<
    string,
    { help?: string; type: TextFamily['type']; sources: string[]; metrics: TextMetric[] }
  >()
  const seriesSeen = new Set<string>()
  for (const { path, families } of files) {
    for (const family of families) {
      if (family.metrics.length === 0) continue
      const known = merged.get(family.name)
      if (known !== undefined && family.help !== undefined && known.help !== undefined && family.help !== known.help) {
        problems.push(`${path}: ${family.name} has a HELP text unlike the one in ${known.sources[0]}; left out`)
        continue
      }
      if (known !== undefined && family.type !== known.type) {
        problems.push(
          `${path}: ${family.name} has type ${family.type}, but type ${known.type} in ${known.sources[0]}; left out`,
        )
        continue
      }
      const into = known ?? { type: family.type, sources: [], metrics: [] }
      into.help ??= family.help
      into.sources.push(path)
      for (const metric of family.metrics) {
        const series = JSON.stringify([family.name, ...[...metric.labels].sort(([a], [b]) => (a < b ? -1 : 1))])
        if (seriesSeen.has(series)) {
          problems.push(`${path}: ${family.name} repeats a series of ${into.sources[0]}; left out`)
          continue
        }
        seriesSeen.add(series)
        into.metrics.push(metric)
      }
      merged.set(family.name, into)
    }
  }
  const families = [...merged].map(([name, { help, type, sources, metrics }]) => ({
    name,
    help: help ?? `Metric read from ${sources.join(', ')}`,
    type,
    labelNames: [...new Set(metrics.flatMap((metric) => metric.labels.map(([label]) => label)))],
    metrics,
    sources,
  }))
  return { families, problems }
}

/** One metric of a merged family, with every label of the family (empty where it had none). */
function constOf(family: MergedFamily, desc: Desc, metric: TextMetric): Metric {
  const own = new Map(metric.labels)
  const values = family.labelNames.map((label) => own.get(label) ?? '')
  if (family.type === 'histogram') {
    const buckets = (metric.buckets ?? []).filter(([bound]) => bound !== Number.POSITIVE_INFINITY)
    const count = metric.count ?? metric.buckets?.find(([bound]) => bound === Number.POSITIVE_INFINITY)?.[1] ?? 0
    return constHistogram(desc, { count, sum: metric.sum ?? 0, buckets }, values)
  }
  if (family.type === 'summary') {
    return constSummary(
      desc,
      { count: metric.count ?? 0, sum: metric.sum ?? 0, quantiles: metric.quantiles ?? [] },
      values,
    )
  }
  return constMetric(desc, family.type, metric.value as number, values)
}

const globCharacters = /[*?[]/

/** A glob segment as a regular expression: `*`, `?` and `[...]` as the shell has them. */
function segmentPattern(segment: string): RegExp {
  const source = segment
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replaceAll('*', '[^/]*')
    .replaceAll('?', '[^/]')
  return new RegExp(`^${source}$`)
}

/**
 * The directories a `--collector.textfile.directory` value names: itself, or what its glob matches, sorted (as Go's
 * filepath.Glob). Written here: Node 20 has no fs.glob, and a glob library for one flag is more than it needs.
 */
async function directories(pattern: string): Promise<string[]> {
  if (!globCharacters.test(pattern)) return [pattern]
  const segments = pattern.split('/')
  let found = [segments[0] === '' ? '/' : '.']
  for (const segment of segments[0] === '' ? segments.slice(1) : segments) {
    if (segment === '') continue
    if (!globCharacters.test(segment)) {
      found = found.map((dir) => join(dir, segment))
      continue
    }
    const matcher = segmentPattern(segment)
    const next: string[] = []
    for (const dir of found) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
      for (const entry of entries) if (entry.isDirectory() && matcher.test(entry.name)) next.push(join(dir, entry.name))
    }
    found = next
  }
  // A glob that matches nothing is read as the directory it names, which then fails to be read (node_exporter's way).
  return found.length === 0 ? [pattern] : found.sort()
}

/** The `*.prom` files of one directory read whole, and what went wrong. */
async function readDirectory(
  dir: string,
  problems: string[],
): Promise<{ files: TextFile[]; mtimes: Map<string, number> }> {
  const files: TextFile[] = []
  const mtimes = new Map<string, number>()
  let names: string[]
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.prom')).sort()
  } catch (error) {
    problems.push(`cannot read the textfile directory ${dir}: ${errorMessage(error)}`)
    return { files, mtimes }
  }
  for (const name of names) {
    const path = join(dir, name)
    try {
      // A FIFO or device named *.prom would block a thread of the file pool for good: regular files only.
      if (!(await stat(path)).isFile()) throw new Error('not a regular file')
      const families = parseText(await readFile(path, 'utf8'))
      if (families.some((family) => family.metrics.some((metric) => metric.timestampMs !== undefined))) {
        throw new Error('has client-side timestamps, which the textfile collector does not take; the file is skipped')
      }
      // Stat once parsed, so that a file that fails does not look fresh.
      mtimes.set(path, Math.floor((await stat(path)).mtimeMs / 1000))
      files.push({ path, families })
    } catch (error) {
      problems.push(`${path}: ${errorMessage(error)}`)
    }
  }
  return { files, mtimes }
}

/** Emits the merged families, the files' mtimes and whether anything went wrong; logs each problem. */
function emitTextfiles(
  emit: Emit,
  read: { files: TextFile[]; mtimes: Map<string, number>; problems: string[] },
  descs: { mtime: Desc; error: Desc },
  logger: Logger,
): void {
  const { families, problems } = mergeFamilies(read.files)
  problems.unshift(...read.problems)
  for (const family of families) {
    const desc = new Desc({ name: family.name, help: family.help, variableLabels: family.labelNames })
    for (const metric of family.metrics) {
      try {
        emit(constOf(family, desc, metric))
      } catch (error) {
        problems.push(`${family.sources.join(', ')}: ${errorMessage(error)}`)
      }
    }
  }
  for (const path of [...read.mtimes.keys()].sort())
    emit(constMetric(descs.mtime, 'gauge', read.mtimes.get(path) as number, [path]))
  for (const problem of problems) logger.error({ err: problem }, 'textfile collector')
  emit(constMetric(descs.error, 'gauge', problems.length > 0 ? 1 : 0))
}

/**
 * node_exporter's textfile collector: the metrics in the `*.prom` files of `--collector.textfile.directory`, read at
 * every scrape, with `node_textfile_mtime_seconds{file}` for each file read and `node_textfile_scrape_error`.
 */
export const textfileCollector: CollectorDefinition = {
  name: 'textfile',
  defaultEnabled: true,
  flags: [directoryFlag],
  create(context): Collector {
    const patterns = context.value(directoryFlag)
    const descs = {
      mtime: new Desc({
        namespace: context.namespace,
        name: 'textfile_mtime_seconds',
        help: 'Unixtime mtime of textfiles successfully read.',
        variableLabels: ['file'],
      }),
      error: new Desc({
        namespace: context.namespace,
        name: 'textfile_scrape_error',
        help: '1 if there was an error opening or reading a file, 0 otherwise',
      }),
    }
    return {
      // Unchecked: the files' metric names are known only once they are read.
      describe: () => [],
      async collect(emit) {
        const read = { files: [] as TextFile[], mtimes: new Map<string, number>(), problems: [] as string[] }
        const dirs = (await Promise.all(patterns.map(directories))).flat()
        for (const dir of [...new Set(dirs)]) {
          const { files, mtimes } = await readDirectory(dir, read.problems)
          read.files.push(...files)
          for (const [path, mtime] of mtimes) read.mtimes.set(path, mtime)
        }
        emitTextfiles(emit, read, descs, context.logger)
      },
    }
  },
}
