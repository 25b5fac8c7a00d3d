import type { Desc } from './desc.js'

/**
 * For collectors whose metric names are known only at collect time (unchecked
 * collectors: meminfo fields, /proc/net/dev columns, a bridged registry): builds
 * each descriptor once, on first use, and hands back the same one afterwards,
 * so a scrape does not rebuild (and revalidate) every descriptor.
 */
export function cachedDescs(make: (key: string) => Desc): (key: string) => Desc {
  const descs = new Map<string, Desc>()
  return (key) => {
    let desc = descs.get(key)
    if (desc === undefined) {
      desc = make(key)
      descs.set(key, desc)
    }
    return desc
  }
}
