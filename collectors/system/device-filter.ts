import { type ExporterContext, flag } from 'promkit/exporter'

/**
 * A collector's `--collector.<name>.device-include` and `-exclude` flags,
 * node_exporter's pair, which may not be given together, and the filter they
 * make: a device is kept when it matches the include pattern (if given), else
 * when it does not match the exclude one.
 */
export function deviceFilterFlags(collector: string, devices: string, defaultExclude: string) {
  const includeName = `collector.${collector}.device-include`
  const excludeName = `collector.${collector}.device-exclude`
  const include = flag.regexp(includeName, {
    description: `Regexp of ${devices} to include (mutually exclusive to device-exclude).`,
    conflicts: [excludeName],
  })
  const exclude = flag.regexp(excludeName, {
    default: defaultExclude,
    description: `Regexp of ${devices} to exclude (mutually exclusive to device-include).`,
  })
  return {
    flags: [include, exclude],
    /** The filter the flags make. */
    create(context: ExporterContext): (device: string) => boolean {
      const included = context.value(include)
      const excluded = context.value(exclude)
      return included ? (device) => included.test(device) : (device) => !excluded.test(device)
    },
  }
}
