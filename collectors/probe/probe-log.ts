/**
 * What one probe did, line by line: shown by `/probe?debug=true` (blackbox_exporter's "Logs for the probe") and
 * logged at debug level.
 */
export class ProbeLog {
  private readonly entries: string[] = []

  info(message: string): void {
    this.entries.push(`${new Date().toISOString()} level=info msg=${JSON.stringify(message)}`)
  }

  error(message: string): void {
    this.entries.push(`${new Date().toISOString()} level=error msg=${JSON.stringify(message)}`)
  }

  /** The lines so far, oldest first. */
  get lines(): readonly string[] {
    return this.entries
  }
}
