// Scrape time and memory of our kafka_exporter against a mock cluster (sarama's MockBroker) of 10, 100
// and 1,000 consumer groups, each with a topic of 50 partitions. kafka_exporter itself cannot run here;
// its figures for 1,000 groups on this kind of machine are in issue 15 and README.
import { spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { type KafkaSpec, launchKafkaMock } from '../test/helpers/kafka.js'
import { peakRssMiB } from './process-stats.js'
import { timedScrape } from './scrape.js'

const ourExporter = new URL('../../collectors/kafka/dist/main.js', import.meta.url).pathname
const partitions = 50

/** A cluster of `groups` groups, each consuming its own topic of 50 partitions, 100 messages behind on each. */
function cluster(groups: number): KafkaSpec {
  const topics: Record<string, KafkaSpec['topics'][string]> = {}
  const consumers: Record<string, KafkaSpec['groups'][string]> = {}
  for (let g = 0; g < groups; g++) {
    topics[`topic-${g}`] = {
      oldest: new Array<number>(partitions).fill(0),
      newest: Array.from({ length: partitions }, (_, p) => 1000 + p),
    }
    consumers[`group-${g}`] = {
      members: 1,
      offsets: { [`topic-${g}`]: Array.from({ length: partitions }, (_, p) => 900 + p) },
    }
  }
  return { topics, groups: consumers }
}

/**
 * One size: how long until a scrape succeeds in full (the client's first reads of a large cluster
 * are slow: kafkajs refreshes the metadata of every topic seen so far for each new one), then the
 * median and slowest of `scrapes` scrapes, the lag series served, and peak RSS.
 */
async function measure(groups: number, port: number, scrapes: number) {
  const mock = await launchKafkaMock(cluster(groups))
  const exporter = spawn(
    process.execPath,
    [ourExporter, '--kafka.server', mock.address, '--web.listen-address', `127.0.0.1:${port}`, '--log.level', 'error'],
    { stdio: 'ignore' },
  )
  try {
    const url = `http://127.0.0.1:${port}/metrics`
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(50))
      if (
        await fetch(url).then(
          (r) => r.ok,
          () => false,
        )
      )
        break
    const scrape = async (timeoutSeconds = 30) => {
      const { ms, text } = await timedScrape(url, timeoutSeconds)
      const complete =
        !text.includes('kafka_scrape_collector_success{collector="topics"} 0') &&
        !text.includes('kafka_scrape_collector_success{collector="groups"} 0')
      return {
        ms,
        complete,
        lagSeries: text.split('\n').filter((line) => line.startsWith('kafka_consumergroup_lag{')).length,
      }
    }
    const warming = performance.now()
    for (let attempt = 0; attempt < 10 && !(await scrape(300)).complete; attempt++);
    const warmupMs = performance.now() - warming
    const results = []
    for (let i = 0; i < scrapes; i++) results.push(await scrape())
    const times = results.map((result) => result.ms).sort((a, b) => a - b)
    return {
      groups,
      warmupMs,
      medianMs: times[Math.floor(times.length / 2)] as number,
      maxMs: times[times.length - 1] as number,
      lagSeries: results[0]?.lagSeries ?? 0,
      rssMiB: peakRssMiB(exporter),
    }
  } finally {
    exporter.kill()
    await mock.stop()
  }
}

/** Scrapes at 10, 100 and 1,000 groups. */
export async function kafkaScrapes(ports: () => Promise<number>) {
  const results = []
  for (const [groups, scrapes] of [
    [10, 21],
    [100, 11],
    [1000, 5],
  ] as const)
    results.push(await measure(groups, await ports(), scrapes))
  return results
}
