/**
 * node_exporter's device include/exclude pair: a device is kept when it matches
 * `include` (if given), else when it does not match `exclude`. Giving both is a
 * mistake, refused when the collector starts.
 */
export function deviceFilter(collector: string, include: string | undefined, exclude: string | undefined, defaultExclude: string): (device: string) => boolean {
  if (include !== undefined && exclude !== undefined) {
    throw new Error(`--collector.${collector}.device-include and --collector.${collector}.device-exclude are mutually exclusive`)
  }
  const compile = (flag: string, pattern: string): RegExp => {
    try {
      return new RegExp(pattern)
    } catch (error) {
      throw new Error(`--collector.${collector}.${flag}: ${JSON.stringify(pattern)} is not a valid regular expression: ${(error as Error).message}`)
    }
  }
  if (include !== undefined) {
    const pattern = compile('device-include', include)
    return (device) => pattern.test(device)
  }
  const pattern = compile('device-exclude', exclude ?? defaultExclude)
  return (device) => !pattern.test(device)
}
