// A scrape timed the way Prometheus and curl see it, for the benches that compare an exporter with figures recorded
// elsewhere (kafka_exporter, vmware_exporter): the clock stops when the answer's last byte has arrived. Node's
// `fetch(...).text()` also decompresses the answer and builds a JavaScript string of it before it returns: for the
// Kafka exporter's 35 MB at 1,000 groups that was 0.23–0.49 s of the client's own CPU (measured against a server
// that sends a ready buffer; curl took 14–56 ms for the same bytes), counted as scrape time. The tests' `get`
// (test/helpers/exporter-process.ts) reads raw bodies too, but appends each to the suite's capture files before it
// resolves: disk writes inside the clock.
import { request } from 'node:http'
import { gunzipSync } from 'node:zlib'

/** A scrape's duration until its last byte arrived, and its text, decompressed after the clock stopped. */
export interface TimedScrape {
  readonly ms: number
  readonly text: string
}

/** GETs `url` asking for gzip, as Prometheus does, with the scrape timeout header Prometheus sends. */
export function timedScrape(url: string, timeoutSeconds = 30): Promise<TimedScrape> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const headers = { 'accept-encoding': 'gzip', 'x-prometheus-scrape-timeout-seconds': String(timeoutSeconds) }
    request(url, { headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', reject)
      response.on('end', () => {
        const ms = performance.now() - started
        const body = Buffer.concat(chunks)
        const text = (response.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString()
        if (response.statusCode !== 200) reject(new Error(`${url}: HTTP ${response.statusCode}: ${text.slice(0, 200)}`))
        else resolve({ ms, text })
      })
    })
      .on('error', reject)
      .end()
  })
}
