/** The built system exporter binary. */
export const systemExporter = new URL('../../dist/collectors/system/main.js', import.meta.url).pathname
