import type { ExporterContext } from './definition.js'

/**
 * What the collectors of one exporter share (settings read once, one client,
 * descriptors), built from the first collector's context that asks. Each
 * collector's context has its own logger but the exporter's one `flags`
 * object, which keys the state, so two exporters in one process keep theirs
 * apart and a stopped exporter's state goes with its flags.
 */
export function perExporter<T extends object>(
  create: (context: ExporterContext) => T,
): (context: ExporterContext) => T {
  const states = new WeakMap<ExporterContext['flags'], T>()
  return (context) => {
    const known = states.get(context.flags)
    if (known !== undefined) return known
    const created = create(context)
    states.set(context.flags, created)
    return created
  }
}
