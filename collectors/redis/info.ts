/** One `key:value` line of Redis' INFO reply, with the `# Section` it came under. */
export interface InfoField {
  readonly section: string
  readonly key: string
  readonly value: string
}

/** Splits an INFO reply into its fields, in order; blank lines and lines without `:` are skipped. */
export function parseInfo(text: string): InfoField[] {
  const fields: InfoField[] = []
  let section = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line.startsWith('# ')) {
      section = line.slice(2)
      continue
    }
    const colon = line.indexOf(':')
    if (colon < 1) continue
    fields.push({ section, key: line.slice(0, colon), value: line.slice(colon + 1) })
  }
  return fields
}

/** Reads `a=1,b=2` (the value of keyspace, cmdstat_, slaveN and similar lines) into a map. */
export function parseAttributes(value: string): Map<string, string> {
  const attributes = new Map<string, string>()
  for (const part of value.split(',')) {
    const equals = part.indexOf('=')
    if (equals > 0) attributes.set(part.slice(0, equals), part.slice(equals + 1))
  }
  return attributes
}

/**
 * A number from an INFO value as redis_exporter reads it: `ok`/`true` are 1,
 * `err`/`fail`/`false` are 0, anything else must be a plain number.
 */
export function infoNumber(value: string): number | undefined {
  if (value === 'ok' || value === 'true') return 1
  if (value === 'err' || value === 'fail' || value === 'false') return 0
  const number = Number(value)
  return value.trim() === '' || Number.isNaN(number) ? undefined : number
}
