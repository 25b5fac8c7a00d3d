/**
 * How numbers are written in expositions. Sample values use JavaScript's
 * shortest round-trip form (valid in both formats and what Go's parser reads
 * back exactly); `le` and `quantile` label values use Go's `%g`, so the label
 * strings, which are part of a series' identity, match client_golang's.
 */

/** A sample value: shortest round-trip decimal, or `NaN`, `+Inf`, `-Inf`. */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value)
  return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf'
}

/** A number as Go's strconv.FormatFloat(value, 'g', -1, 64) writes it: exponent form below 1e-4 and from 1e6. */
export function formatGoFloat(value: number): string {
  if (!Number.isFinite(value)) return formatValue(value)
  if (value === 0) return Object.is(value, -0) ? '-0' : '0'
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string]
  const exponent = Number(exponentText)
  if (exponent >= -4 && exponent < 6) return String(value)
  const digits = String(Math.abs(exponent)).padStart(2, '0')
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${digits}`
}

/** OpenMetrics' canonical form for `le` and `quantile` values: Go's `%g` with `.0` added to whole numbers. */
export function formatCanonical(value: number): string {
  const text = formatGoFloat(value)
  return Number.isFinite(value) && !/[.e]/.test(text) ? `${text}.0` : text
}

/**
 * Remembers the last few hundred results of a number formatter. Bucket bounds
 * and quantiles repeat on every series of a family, so a scrape formats each
 * one once instead of once per line.
 */
export function memoizeBounds(format: (value: number) => string, limit = 512): (value: number) => string {
  const known = new Map<number, string>()
  return (value) => {
    let text = known.get(value)
    if (text === undefined) {
      text = format(value)
      if (known.size >= limit) known.clear()
      known.set(value, text)
    }
    return text
  }
}
