import type { ExporterContext, FlagDefinition } from 'promkit/exporter'

/**
 * node_exporter's device include/exclude pair: a device is kept when it matches
 * `include` (if given), else when it does not match `exclude`. Giving both is a
 * mistake, refused when the collector starts.
 */
function deviceFilter(collector: string, include: string | undefined, exclude: string | undefined, defaultExclude: string): (device: string) => boolean {
  if (include !== undefined && exclude !== undefined) {
    throw new Error(`--collector.${collector}.device-include and --collector.${collector}.device-exclude are mutually exclusive`)
  }
  if (include !== undefined) {
    const pattern = new RegExp(include)
    return (device) => pattern.test(device)
  }
  const pattern = new RegExp(exclude ?? defaultExclude)
  return (device) => !pattern.test(device)
}

/**
 * A collector's `--collector.<name>.device-include` and `-exclude` flags (the
 * default exclude shown in `--help`), and the filter they make at start.
 */
export function deviceFilterFlags(collector: string, devices: string, defaultExclude: string) {
  const include = `collector.${collector}.device-include`
  const exclude = `collector.${collector}.device-exclude`
  const flags: FlagDefinition[] = [
    { name: include, type: 'regexp', description: `Regexp of ${devices} to include (mutually exclusive to device-exclude).` },
    { name: exclude, type: 'regexp', description: `Regexp of ${devices} to exclude (mutually exclusive to device-include); default ${defaultExclude}.` },
  ]
  return {
    flags,
    /** The filter the flags make (their patterns were checked when the flags were read); throws when both flags are given. */
    create: (context: ExporterContext): ((device: string) => boolean) =>
      deviceFilter(collector, context.flags[include] as string | undefined, context.flags[exclude] as string | undefined, defaultExclude),
  }
}
