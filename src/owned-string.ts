/** V8 copies a substring shorter than this; a longer one is a slice that keeps the whole string it came from alive. */
const shortestSlice = 13

/**
 * `value` with characters of its own. A string cut from a large text (an answer's 64 KiB chunk, a file) is a slice of
 * that text in V8, and a slice kept for long keeps the whole text alive: 9 MiB of vCenter's answers were held so by
 * the sensor names in promkit's series cache. For strings kept across scrapes; a copy costs about half a microsecond.
 */
export function ownedString(value: string): string {
  return value.length < shortestSlice ? value : (JSON.parse(JSON.stringify(value)) as string)
}
