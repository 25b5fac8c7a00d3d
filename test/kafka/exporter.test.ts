// Peers: promtool go sarama openssl
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parseAllDocuments } from 'yaml'
import { makeCertificates } from '../helpers/certificates.js'
import { familiesOf } from '../helpers/exposition-parser.js'
import { expectLog, get, samples, secret, startExporter } from '../helpers/exporter-process.js'
import { kafkaExporterBin, seedSpec, startHungBroker, startKafkaMock } from '../helpers/kafka.js'
import { freePort } from '../helpers/ports.js'
import { promtoolCheckMetrics } from '../helpers/promtool.js'

// kafka_exporter 1.7.0's answer for the seed data, recorded by the team (test/fixtures/kafka/README.md).
const reference = readFileSync(new URL('../fixtures/kafka/kafka_exporter-1.7.0-seed.prom', import.meta.url), 'utf8')

/** Samples as comparable text, with the parts that differ per run (the broker's port, the build) set aside. */
function comparable(text: string): Map<string, { type: string; labelNames: string; samples: string[] }> {
  const result = new Map<string, { type: string; labelNames: string; samples: string[] }>()
  for (const [name, family] of familiesOf(text, 'kafka_')) {
    if (name === 'kafka_exporter_build_info') continue
    const shown = family.samples
      .map(
        ({ labels, value }) =>
          `${JSON.stringify({ ...labels, ...(labels.address ? { address: 'broker' } : {}) })} ${value}`,
      )
      .sort()
    result.set(name, { type: family.type, labelNames: family.labelNames, samples: shown })
  }
  return result
}

t.test('the seed cluster: every family of kafka_exporter 1.7.0, with its type, labels and values', async (t) => {
  const kafka = await startKafkaMock(t, seedSpec)
  const exporter = await startExporter(t, kafkaExporterBin, ['--kafka.server', kafka.address])
  const text = (await get(`${exporter.base}/metrics`)).text
  const ours = comparable(text)
  const theirs = comparable(reference)
  for (const [name, family] of theirs) t.same(ours.get(name), family, name)
  const extra = [...ours.keys()].filter((name) => !theirs.has(name)).sort()
  t.same(
    extra.filter((name) => !/^kafka_(exporter|scrape|target_scrape)_/.test(name)),
    ['kafka_consumergroup_lag_seconds', 'kafka_up'],
    'what we add besides the self-metrics',
  )
  t.same(samples(text, 'kafka_up', 'kafka_scrape_collector_success'), [
    'kafka_scrape_collector_success{collector="brokers"} 1',
    'kafka_scrape_collector_success{collector="groups"} 1',
    'kafka_scrape_collector_success{collector="topics"} 1',
    'kafka_up 1',
  ])
  const lint = promtoolCheckMetrics(text)
  t.same(
    [lint.status, lint.stderr.trim().split('\n')],
    [
      3,
      ['current_offset', 'lag'].map(
        (name) => `kafka_consumergroup_${name}_sum non-histogram and non-summary metrics should not have "_sum" suffix`,
      ),
    ],
    "promtool finds only kafka_exporter's own names, kept for compatibility",
  )
})

t.test('filters, --no-offset.show-all and --kafka.labels', async (t) => {
  const kafka = await startKafkaMock(t, {
    topics: {
      orders: { oldest: [2, 0], newest: [9, 4] },
      'orders-retry': { oldest: [0], newest: [3] },
      audit: { oldest: [0], newest: [1] },
    },
    groups: {
      billing: { members: 2, offsets: { orders: [4, -1], audit: [1] } },
      idle: { members: 0, offsets: { orders: [1, 1] } },
      'test-canary': { members: 1, offsets: { orders: [9, 4] } },
    },
  })
  const args = [
    '--kafka.server',
    kafka.address,
    '--topic.filter',
    '^orders',
    '--topic.exclude',
    'retry$',
    '--group.exclude',
    '^test-',
    '--no-offset.show-all',
    '--kafka.labels',
    'cluster=eu,env=prod',
  ]
  const exporter = await startExporter(t, kafkaExporterBin, args)
  const text = (await get(`${exporter.base}/metrics`)).text
  const labels = 'cluster="eu",env="prod"'
  t.same(samples(text, 'kafka_topic_partitions', 'kafka_topic_partition_oldest_offset'), [
    `kafka_topic_partition_oldest_offset{${labels},partition="0",topic="orders"} 2`,
    `kafka_topic_partition_oldest_offset{${labels},partition="1",topic="orders"} 0`,
    `kafka_topic_partitions{${labels},topic="orders"} 2`,
  ])
  t.same(
    samples(text, 'kafka_consumergroup_'),
    [
      'kafka_consumergroup_current_offset{cluster="eu",consumergroup="billing",env="prod",partition="0",topic="orders"} 4',
      'kafka_consumergroup_current_offset_sum{cluster="eu",consumergroup="billing",env="prod",topic="orders"} 4',
      'kafka_consumergroup_lag{cluster="eu",consumergroup="billing",env="prod",partition="0",topic="orders"} 5',
      'kafka_consumergroup_lag_sum{cluster="eu",consumergroup="billing",env="prod",topic="orders"} 5',
      'kafka_consumergroup_members{cluster="eu",consumergroup="billing",env="prod"} 2',
      'kafka_consumergroup_members{cluster="eu",consumergroup="idle",env="prod"} 0',
    ],
    'the uncommitted partition (-1) is left out, idle has no members, test-canary is excluded, audit is not a reported topic',
  )
})

t.test(
  'Kafka down at start: 200 with kafka_up 0; it connects when Kafka comes, and recovers after Kafka dies',
  async (t) => {
    const port = await freePort()
    const exporter = await startExporter(t, kafkaExporterBin, ['--kafka.server', `127.0.0.1:${port}`])
    const down = await get(`${exporter.base}/metrics`)
    t.equal(down.status, 200)
    t.same(samples(down.text, 'kafka_up', 'kafka_brokers', 'kafka_topic', 'kafka_scrape_collector_success'), [
      'kafka_scrape_collector_success{collector="brokers"} 0',
      'kafka_scrape_collector_success{collector="groups"} 0',
      'kafka_scrape_collector_success{collector="topics"} 0',
      'kafka_up 0',
    ])
    await expectLog(
      t,
      exporter,
      new RegExp(
        `collector=brokers code=PROMKIT_ERR_COLLECT_FAILED occurrences=1 msg="brokers: collect\\(\\) reported: listing topics: Connection error: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}"`,
      ),
    )
    const kafka = await startKafkaMock(t, { ...seedSpec, port })
    t.same(
      samples((await get(`${exporter.base}/metrics`)).text, 'kafka_up', 'kafka_brokers'),
      ['kafka_brokers 1', 'kafka_up 1'],
      'up as soon as Kafka is',
    )
    await kafka.stop()
    const died = (await get(`${exporter.base}/metrics`)).text
    t.same(
      samples(died, 'kafka_up', 'kafka_brokers', 'kafka_topic_partitions', 'kafka_consumergroup_lag '),
      ['kafka_up 0'],
      'no stale series',
    )
    await startKafkaMock(t, { ...seedSpec, port })
    t.same(
      samples((await get(`${exporter.base}/metrics`)).text, 'kafka_up', 'kafka_consumergroup_lag_sum'),
      [
        'kafka_consumergroup_lag_sum{consumergroup="billing",topic="orders"} 9',
        'kafka_consumergroup_lag_sum{consumergroup="live",topic="audit"} 0',
        'kafka_up 1',
      ],
      'and back on its own',
    )
  },
)

t.test('a broker that accepts and never answers: kafka_up 0 within a 2 s scrape timeout, every time', async (t) => {
  const hung = await startHungBroker(t)
  const exporter = await startExporter(t, kafkaExporterBin, ['--kafka.server', hung])
  for (let scrape = 0; scrape < 3; scrape++) {
    const answer = await get(`${exporter.base}/metrics`, { headers: { 'x-prometheus-scrape-timeout-seconds': '2' } })
    t.same(
      [answer.status, samples(answer.text, 'kafka_up', 'kafka_scrape_collector_success{collector="brokers"}')],
      [200, ['kafka_scrape_collector_success{collector="brokers"} 0', 'kafka_up 0']],
    )
  }
  await expectLog(
    t,
    exporter,
    /msg="brokers: collect\(\) reported: listing topics: Kafka \(127\.0\.0\.1:\d+\) did not answer before the scrape deadline"/,
  )
})

t.test(
  "TLS and SASL: the Deployment's own arguments (deploy/kubernetes) against a TLS, SASL peer; an untrusted certificate and a refused login are kafka_up 0",
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'promkit-kafka-tls-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const certs = makeCertificates(dir)
    const tls = { cert: join(dir, 'server.crt'), key: join(dir, 'server.key') }
    const kafka = await startKafkaMock(t, { ...seedSpec, ...tls, sasl: 'accept' })
    const manifest = parseAllDocuments(
      readFileSync(new URL('../../deploy/kubernetes/kafka-exporter.yaml', import.meta.url), 'utf8'),
    ).map((doc) => doc.toJS() as { kind: string; spec: { template: { spec: { containers: { args: string[] }[] } } } })
    const args = (
      manifest.find((doc) => doc.kind === 'Deployment')?.spec.template.spec.containers[0]?.args ?? []
    ).slice(1)
    const files: Record<string, string> = {
      'ca-file': certs.caCert,
      'cert-file': join(dir, 'client.crt'),
      'key-file': join(dir, 'client.key'),
    }
    const local = args.map((arg) =>
      arg
        .replace(/^--kafka\.server=.*$/, `--kafka.server=${kafka.address}`)
        .replace(/\/etc\/tls-certs\/([\w-]+)$/, (_, file: string) => files[file] as string),
    )
    t.ok(local.includes('--sasl.handshake=false') && local.includes('--tls.enabled'), local.join(' '))
    const exporter = await startExporter(t, kafkaExporterBin, local, {
      env: { KAFKA_EXPORTER_SASL_PASSWORD: secret('sasl-pass-9f') },
    })
    t.same(samples((await get(`${exporter.base}/metrics`)).text, 'kafka_up', 'kafka_brokers'), [
      'kafka_brokers 1',
      'kafka_up 1',
    ])
    await expectLog(
      t,
      exporter,
      /level=warn ts=\S+ collector=brokers msg="--no-sasl\.handshake: kafkajs always sends the SASL handshake/,
    )

    const verified = await startExporter(t, kafkaExporterBin, [
      '--kafka.server',
      kafka.address,
      '--tls.enabled',
      '--tls.ca-file',
      certs.caCert,
      '--sasl.enabled',
      '--sasl.username',
      'u',
      '--sasl.password',
      secret('sasl-pass-2b'),
    ])
    t.same(
      samples((await get(`${verified.base}/metrics`)).text, 'kafka_up'),
      ['kafka_up 1'],
      "the broker's certificate checked against the CA",
    )
    const untrusted = await startExporter(t, kafkaExporterBin, [
      '--kafka.server',
      kafka.address,
      '--tls.enabled',
      '--sasl.enabled',
      '--sasl.username',
      'u',
      '--sasl.password',
      secret('sasl-pass-5e'),
    ])
    t.same(samples((await get(`${untrusted.base}/metrics`)).text, 'kafka_up'), ['kafka_up 0'])
    await expectLog(
      t,
      untrusted,
      /msg="brokers: collect\(\) reported: listing topics: Connection error: unable to verify the first certificate"/,
    )

    const refusing = await startKafkaMock(t, { ...seedSpec, sasl: 'refuse' })
    const refused = await startExporter(t, kafkaExporterBin, [
      '--kafka.server',
      refusing.address,
      '--sasl.enabled',
      '--sasl.username',
      'u',
      '--sasl.password',
      secret('sasl-pass-4a'),
    ])
    t.same(samples((await get(`${refused.base}/metrics`)).text, 'kafka_up'), ['kafka_up 0'])
    await expectLog(t, refused, /msg="brokers: collect\(\) reported: listing topics: [^"]*SASL/)
  },
)

t.test(
  'multi-target: other clusters through one of their brokers, behind --web.allowed-targets, a client each',
  async (t) => {
    const billing = await startKafkaMock(t, seedSpec)
    const audit = await startKafkaMock(t, { topics: { audit: { oldest: [0], newest: [7] } }, groups: {} })
    const exporter = await startExporter(t, kafkaExporterBin, [
      '--kafka.server',
      billing.address,
      '--web.allowed-targets',
      '127.0.0.1:*',
    ])
    const scrape = async (target: string) => get(`${exporter.base}/scrape?target=${encodeURIComponent(target)}`)
    const first = await scrape(billing.address)
    t.same(samples(first.text, 'kafka_up', 'kafka_topic_partitions', 'kafka_scrape_collector_success'), [
      'kafka_scrape_collector_success{collector="brokers"} 1',
      'kafka_scrape_collector_success{collector="groups"} 1',
      'kafka_scrape_collector_success{collector="topics"} 1',
      'kafka_topic_partitions{topic="audit"} 1',
      'kafka_topic_partitions{topic="orders"} 3',
      'kafka_up 1',
    ])
    t.same(
      samples(
        (await scrape(audit.address)).text,
        'kafka_topic_partition_current_offset',
        'kafka_consumergroup_members',
      ),
      ['kafka_topic_partition_current_offset{partition="0",topic="audit"} 7'],
    )
    await scrape(audit.address.toUpperCase())
    t.same(
      samples((await get(`${exporter.base}/metrics`)).text, 'kafka_exporter_target_connections '),
      ['kafka_exporter_target_connections 2'],
      'one client per cluster, however the target is spelled',
    )
    const refused = await scrape('10.0.0.1:9092')
    t.same([refused.status, refused.text], [400, 'target "10.0.0.1:9092" is not allowed (allowed: 127.0.0.1:*)\n'])
    const malformed = await scrape('127.0.0.1:9092/topics')
    t.equal(malformed.status, 400)
    const down = await scrape('127.0.0.1:1')
    t.same(
      [down.status, samples(down.text, 'kafka_up')],
      [200, ['kafka_up 0']],
      'a cluster that is down is kafka_up 0, as on /metrics',
    )
  },
)
