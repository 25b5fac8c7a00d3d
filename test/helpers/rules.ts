import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

/** The folder of Prometheus rules, one sub-folder per exporter. */
export const monitoring = new URL('../../deploy/monitoring', import.meta.url).pathname

/** One alerting or recording rule of a rules file. */
export interface Rule {
  readonly alert?: string
  readonly record?: string
  readonly expr: string
}

/** Every rule of a Prometheus rules file, its groups flattened. */
export function rulesIn(file: string): Rule[] {
  const parsed = parse(readFileSync(file, 'utf8')) as { groups: { rules: Rule[] }[] }
  return parsed.groups.flatMap((group) => group.rules)
}
