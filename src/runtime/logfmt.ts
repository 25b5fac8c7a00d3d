import { writeSync } from 'node:fs'

/** A value as logfmt writes it: bare when it can be, else quoted with `"`, `\` and line breaks escaped. */
function formatValue(value: unknown): string {
  const text = Array.isArray(value) ? value.join(',') : String(value)
  if (text !== '' && !/[\s="\\]/.test(text)) return text
  return `"${text.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`
}

function append(pairs: string[], prefix: string, record: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue
    const name = prefix === '' ? key : `${prefix}_${key}`
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      append(pairs, name, value as Record<string, unknown>)
    else pairs.push(`${name}=${formatValue(value)}`)
  }
}

/** One logfmt line (`level=info ts=... msg="..."`) for a record; nested objects become `outer_inner=` keys. */
export function formatLogfmt(record: Record<string, unknown>): string {
  const pairs: string[] = []
  append(pairs, '', record)
  return `${pairs.join(' ')}\n`
}

/**
 * A pino destination that writes logfmt to a file descriptor synchronously, so
 * the lines logged just before the process exits (shutdown, fatal errors) are
 * never lost, which an asynchronous transport cannot promise.
 */
export function logfmtDestination(fd: number): { write(line: string): void } {
  return {
    write(line: string): void {
      writeSync(fd, formatLogfmt(JSON.parse(line) as Record<string, unknown>))
    },
  }
}
