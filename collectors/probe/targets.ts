import { PromkitError, quote } from 'promkit'
import type { ConfigReader } from 'promkit/exporter'
import { defaultModule } from './config.js'

/** One line of a targets file: what to probe, with which module. */
export interface ListedTarget {
  readonly target: string
  readonly module: string
}

/**
 * Reads a targets file: one target per line, then optionally its module
 * (`http_2xx` when none), blank lines and `#` comments skipped, e.g.
 * `https://shop.example.com/healthz http_2xx`. A line with more, a module
 * `known` does not hold, or a target and module listed before (their series
 * would be the same) is refused with the file and the line number.
 */
export function parseTargets(text: string, file: string, known: (module: string) => boolean): ListedTarget[] {
  const targets = new TargetList()
  text.split('\n').forEach((line, index) => {
    const fields = line
      .replace(/#.*/, '')
      .trim()
      .split(/\s+/)
      .filter((field) => field !== '')
    if (fields.length === 0) return
    const fail = (problem: string): never => {
      throw new PromkitError('PROMKIT_ERR_INVALID_CONFIG', `targets file ${file}:${index + 1}: ${problem}`)
    }
    if (fields.length > 2) fail(`want a target and a module, got ${fields.length} fields`)
    const [target, module = defaultModule] = fields as [string, string?]
    if (!known(module)) fail(`unknown module ${quote(module)}`)
    const problem = targets.add({ target, module }, `line ${index + 1}`)
    if (problem !== undefined) fail(problem)
  })
  return targets.listed
}

/** Targets as they are listed, each target and module at most once. */
class TargetList {
  readonly listed: ListedTarget[] = []
  /** Where each target and module was listed, by both. */
  private readonly where = new Map<string, string>()

  /** Adds a target, or says why not: it was listed already (`where` says where this one is). */
  add(listed: ListedTarget, where: string): string | undefined {
    const key = `${listed.target}\u0000${listed.module}`
    const earlier = this.where.get(key)
    if (earlier !== undefined) return `${listed.target} with ${listed.module} is listed already, on ${earlier}`
    this.where.set(key, where)
    this.listed.push(listed)
    return undefined
  }
}

/**
 * Reads a targets file in YAML, in the shape of Prometheus' file-based service discovery: a list of groups, each
 * `targets` (a list) and a `module` (`http_2xx` when none), e.g. `- {targets: [https://shop.example.com/], module:
 * http_2xx}`. Unknown keys, unknown modules and a target listed twice with one module are refused with their path.
 */
export async function readTargetsYaml(
  reader: ConfigReader,
  known: (module: string) => boolean,
): Promise<ListedTarget[]> {
  const document = (await reader.document()) ?? []
  if (!Array.isArray(document)) reader.fail('file', 'must be a list of groups (- targets: [...], module: ...)')
  const targets = new TargetList()
  document.forEach((group: unknown, index: number) => {
    const path = `[${index}]`
    const fields = reader.section(group, path, ['targets', 'module'])
    const module = reader.string(fields, 'module', path) ?? defaultModule
    if (!known(module)) reader.fail(`${path}.module`, `unknown module ${quote(module)}`)
    reader.strings(fields, 'targets', path).forEach((target, at) => {
      const where = `${path}.targets[${at}]`
      const problem = targets.add({ target, module }, where)
      if (problem !== undefined) reader.fail(where, problem)
    })
  })
  return targets.listed
}
