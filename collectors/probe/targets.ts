import { PromkitError, quote } from 'promkit'

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
  const targets: ListedTarget[] = []
  /** The line each target and module was listed on, by both. */
  const listedOn = new Map<string, number>()
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
    const [target, module = 'http_2xx'] = fields as [string, string?]
    if (!known(module)) fail(`unknown module ${quote(module)}`)
    const key = `${target}\u0000${module}`
    const earlier = listedOn.get(key)
    if (earlier !== undefined) fail(`${target} with ${module} is listed already, on line ${earlier}`)
    listedOn.set(key, index + 1)
    targets.push({ target, module })
  })
  return targets
}
