/**
 * What one probe did, line by line: logged at debug level (and the text of blackbox_exporter's "Logs for the probe").
 * Lines are kept as given and written out only when read, so a probe nobody looks at costs no formatting.
 */
export class ProbeLog {
  private readonly entries: { readonly at: number; readonly level: 'info' | 'error'; readonly message: string }[] = []

  info(message: string): void {
    this.entries.push({ at: Date.now(), level: 'info', message })
  }

  error(message: string): void {
    this.entries.push({ at: Date.now(), level: 'error', message })
  }

  /** The lines so far, oldest first: `<ISO time> level=<level> msg="<message>"`. */
  get lines(): readonly string[] {
    return this.entries.map(
      ({ at, level, message }) => `${new Date(at).toISOString()} level=${level} msg=${JSON.stringify(message)}`,
    )
  }
}
