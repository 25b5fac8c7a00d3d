/** One line of a probe's log. */
export interface ProbeLogEntry {
  /** `Date.now()` ms. */
  readonly at: number
  readonly level: 'info' | 'error'
  readonly message: string
}

/**
 * What one probe did, line by line: logged at debug level, and shown by `/probe?debug=true` as blackbox_exporter's
 * "Logs for the probe". Lines are kept as given and written out only when read, so a probe nobody looks at costs no
 * formatting.
 */
export class ProbeLog {
  readonly entries: ProbeLogEntry[] = []

  info(message: string): void {
    this.entries.push({ at: Date.now(), level: 'info', message })
  }

  error(message: string): void {
    this.entries.push({ at: Date.now(), level: 'error', message })
  }

  /** The lines as blackbox_exporter's debug page has them: `ts=<ISO time> <fields> level=<level> msg="<message>"`. */
  lines(fields: Readonly<Record<string, string>>): string[] {
    const labels = Object.entries(fields)
      .map(([name, value]) => `${name}=${/[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value}`)
      .join(' ')
    return this.entries.map(
      ({ at, level, message }) =>
        `ts=${new Date(at).toISOString()} ${labels} level=${level} msg=${JSON.stringify(message)}`,
    )
  }
}
