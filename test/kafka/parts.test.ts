import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Admin } from 'kafkajs'
import { pino } from 'pino'
import t from 'tap'
import { type KafkaCalls, TopicList, groupsCollector, topicsCollector } from '../../collectors/kafka/collectors.js'
import { kafkaDescs } from '../../collectors/kafka/descs.js'
import { kafkaExporter } from '../../collectors/kafka/exporter.js'
import { type InternalCluster, captureCluster, listOffsets, lostConnection } from '../../collectors/kafka/cluster.js'
import { groupLag } from '../../collectors/kafka/lag.js'
import type { ProtocolRequest, listOffsetsDefinition } from '../../collectors/kafka/list-offsets.js'
import { EndOffsetHistory, lagSeconds } from '../../collectors/kafka/offset-history.js'
import { type KafkaSettings, kafkaSettings, parseLabels } from '../../collectors/kafka/settings.js'
import { type Collector, mapWithin } from '../../src/index.js'
import { exporterContext, parseCommandLine } from '../../src/runtime/flags.js'
import { runToExit, secret } from '../helpers/exporter-process.js'
import { kafkaExporterBin } from '../helpers/kafka.js'

/** kafkajs' broker sends a request with this private method, which the exporter calls with its own ListOffsets. */
const brokerSendRequest = Symbol('private:Broker:sendRequest')

const offsets = (entries: Record<string, number[]>) =>
  new Map(
    Object.entries(entries).map(([topic, values]) => [
      topic,
      new Map(values.map((value, partition) => [partition, value])),
    ]),
  )

t.test('lag: uncommitted partitions left out, never negative, unknown without an end offset', async (t) => {
  const { partitions, sums } = groupLag(
    offsets({ orders: [4, -1, 12], audit: [-1], fresh: [3] }),
    offsets({ orders: [10, 5, 11] }),
  )
  t.same(partitions, [
    { topic: 'orders', partition: 0, committed: 4, lag: 6 },
    { topic: 'orders', partition: 2, committed: 12, lag: 0 },
    { topic: 'fresh', partition: 0, committed: 3, lag: undefined },
  ])
  t.same(
    sums,
    [
      { topic: 'orders', committed: 16, lag: 6 },
      { topic: 'fresh', committed: 3, lag: undefined },
    ],
    'audit, never committed, has no sums at all',
  )
})

t.test('--kafka.labels reads name=value pairs', async (t) => {
  t.same(parseLabels(' cluster = eu ,env=prod,'), { cluster: 'eu', env: 'prod' })
  t.same(parseLabels(''), {})
  t.throws(() => parseLabels('cluster'), new Error('--kafka.labels: "cluster" is not name=value'))
})

t.test('mapWithin: bounded concurrency, failures apart, what the deadline cut off', async (t) => {
  let running = 0
  let most = 0
  // 2 and 4 never answer; 3 fails; 1 and 5 answer at once.
  const work = async (item: number) => {
    running++
    most = Math.max(most, running)
    if (item === 2 || item === 4) await new Promise(() => {})
    running--
    if (item === 3) throw new Error('three failed')
    return item * 2
  }
  const result = await mapWithin([1, 2, 3, 4, 5], 2, Date.now() + 50, work)
  t.equal(most, 2, 'never more than 2 at once')
  t.same(
    result.done.map(({ item, result: value }) => [item, value]),
    [[1, 2]],
  )
  t.same(
    result.failed.map(({ item, error }) => [item, (error as Error).message]),
    [[3, 'three failed']],
  )
  t.same(result.unfinished, [2, 4, 5], 'the two that hang, and 5, still waiting for a worker at the deadline')
  t.same(await mapWithin([], 4, Date.now() + 10, work), { done: [], failed: [], unfinished: [] })
})

t.test('flags that cannot work stop the exporter at start with one line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-kafka-flags-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const passwordFile = join(dir, 'password')
  writeFileSync(passwordFile, secret('file-pass-7c'))
  const cases: [string[], string][] = [
    [
      ['--sasl.enabled', '--sasl.mechanism', 'gssapi', '--sasl.username', 'u', '--sasl.password', 'p'],
      'collector brokers: --sasl.mechanism: gssapi is not supported (kafkajs speaks plain, scram-sha256 and scram-sha512)',
    ],
    [
      ['--sasl.enabled', '--sasl.mechanism', 'awsiam'],
      'collector brokers: --sasl.mechanism: awsiam is not supported (kafkajs speaks plain, scram-sha256 and scram-sha512)',
    ],
    [
      ['--sasl.enabled', '--sasl.mechanism', 'oauthbearer'],
      'collector brokers: --sasl.mechanism: oauthbearer is not supported (kafkajs speaks plain, scram-sha256 and scram-sha512)',
    ],
    [
      ['--sasl.mechanism', 'kerberos'],
      '--sasl.mechanism: "kerberos" is not one of plain, scram-sha256, scram-sha512, gssapi, awsiam, oauthbearer',
    ],
    [
      ['--sasl.enabled', '--sasl.username', 'u'],
      'collector brokers: --sasl.enabled needs --sasl.username and --sasl.password (or --sasl.password-file)',
    ],
    [
      ['--sasl.password', secret('flag-pass-3d'), '--sasl.password-file', passwordFile],
      "option '--sasl.password-file' cannot be used with option '--sasl.password'",
    ],
    [
      ['--use.consumelag.zookeeper'],
      'collector brokers: --use.consumelag.zookeeper and --zookeeper.server are not supported: consumer lag is read from Kafka, where consumers commit their offsets',
    ],
    [
      ['--zookeeper.server', 'zk:2181'],
      'collector brokers: --use.consumelag.zookeeper and --zookeeper.server are not supported: consumer lag is read from Kafka, where consumers commit their offsets',
    ],
    [
      ['--server.tls.enabled'],
      'collector brokers: --server.tls.enabled is not supported: serve TLS with --web.config.file (exporter-toolkit web config)',
    ],
    [
      ['--topic.filter', '(orders'],
      '--topic.filter: "(orders" is not a valid regular expression: Invalid regular expression: /(orders/: Unterminated group',
    ],
    [
      ['--group.exclude', '[a'],
      '--group.exclude: "[a" is not a valid regular expression: Invalid regular expression: /[a/: Unterminated character class',
    ],
    [['--topic.workers', '0'], 'collector brokers: --topic.workers: must be at least 1'],
    [['--group.workers', 'many'], '--group.workers: "many" is not a whole number'],
    [['--refresh.metadata', '0'], 'collector brokers: --refresh.metadata: must be more than 0'],
    [['--refresh.metadata', 'hourly'], '--refresh.metadata: "hourly" is not a duration (want e.g. 10s, 1m30s, 500ms)'],
    [
      ['--tls.enabled', '--tls.ca-file', join(dir, 'missing.crt')],
      `--tls.ca-file: cannot read "${join(dir, 'missing.crt')}": ENOENT`,
    ],
    [
      ['--tls.enabled', '--tls.cert-file', passwordFile],
      'collector brokers: --tls.cert-file and --tls.key-file go together',
    ],
    [['--kafka.labels', 'eu'], 'collector brokers: --kafka.labels: "eu" is not name=value'],
    [['--offset.show-all=sometimes'], '--offset.show-all: "sometimes" is not a boolean (want true or false)'],
  ]
  for (const [args, message] of cases) {
    const run = await runToExit(kafkaExporterBin, [...args, '--web.listen-address', '127.0.0.1:0'])
    t.same([run.code, run.stderr], [1, `kafka_exporter: ${message}\n`], args.join(' '))
  }
})

/**
 * A fake cluster: each request runs on this admin at once; many topics' offsets are its fetchTopicOffsets, topic by
 * topic, and every group is coordinated by node 0 (the live peer tests cover the real client).
 */
function fakeCluster(admin: Partial<Record<keyof Admin, unknown>>): KafkaCalls {
  const fake = admin as unknown as Admin
  const call: KafkaCalls['call'] = (what, _deadline, request) =>
    request(fake).catch((error: Error) => Promise.reject(new Error(`${what}: ${error.message}`)))
  const topicOffsets: KafkaCalls['topicOffsets'] = (topics, deadline) =>
    call(`reading offsets of ${topics.length} topics`, deadline, async () => {
      const read = await Promise.all(
        topics.map(
          async (topic) =>
            [
              topic,
              (await fake.fetchTopicOffsets(topic)).map(({ partition, high, low }) => ({
                partition,
                high: Number(high),
                low: Number(low),
              })),
            ] as const,
        ),
      )
      return new Map(read)
    })
  const endOffsets: KafkaCalls['endOffsets'] = async (topics, deadline) =>
    new Map(
      [...(await topicOffsets(topics, deadline))].map(([topic, partitions]) => [
        topic,
        new Map(partitions.map(({ partition, high }) => [partition, high])),
      ]),
    )
  return {
    call,
    metadata: (topics, deadline) =>
      call('reading the cluster metadata', deadline, async () => ({
        brokers: [],
        topics: (await fake.fetchTopicMetadata({ topics: [...topics] })).topics,
      })),
    topicOffsets,
    endOffsets,
    coordinatedGroups: (deadline) =>
      call('listing consumer groups', deadline, async () => {
        const { groups } = await fake.listGroups()
        return new Map([[0, groups.map(({ groupId }) => groupId)]])
      }),
    describeGroups: (_coordinator, groups, deadline) =>
      call(
        `describing ${groups.length} consumer groups`,
        deadline,
        async () => (await fake.describeGroups([...groups])).groups,
      ),
    committedOffsets: (_coordinator, group, deadline) =>
      call(`reading offsets of group ${group}`, deadline, () => fake.fetchOffsets({ groupId: group })),
  }
}

/** What a collector emits and reports in one collect. */
async function collectOnce(
  collector: Collector,
  deadline = Date.now() + 5000,
): Promise<{ lines: string[]; errors: string[] }> {
  const lines: string[] = []
  const errors: string[] = []
  await collector.collect(
    (metric) =>
      void lines.push(`${metric.desc.fqName}{${metric.labelValues.join(',')}} ${(metric as { value: number }).value}`),
    {
      signal: new AbortController().signal,
      deadline,
      reportError: (error) => void errors.push((error as Error).message),
    },
  )
  return { lines, errors }
}

const settingsFor = (args: string[]): KafkaSettings => {
  const { options } = parseCommandLine(kafkaExporter, ['node', 'kafka_exporter', ...args], {}, () => {})
  return kafkaSettings(exporterContext(options as NonNullable<typeof options>, pino({ level: 'silent' })))
}

t.test(
  'topics: a leader that is not the preferred one, an under-replicated partition, and a topic whose offsets cannot be read',
  async (t) => {
    const settings = settingsFor([])
    const admin = {
      listTopics: async () => ['moved', 'broken'],
      fetchTopicMetadata: async () => ({
        topics: [
          { name: 'moved', partitions: [{ partitionId: 0, leader: 2, replicas: [1, 2], isr: [2] }] },
          { name: 'broken', partitions: [] },
        ],
      }),
      fetchTopicOffsets: async (topic: string) =>
        topic === 'broken'
          ? Promise.reject(new Error('NOT_LEADER_FOR_PARTITION'))
          : [{ partition: 0, offset: '7', high: '7', low: '3' }],
    }
    const cluster = fakeCluster(admin)
    const { lines, errors } = await collectOnce(
      topicsCollector(cluster, new TopicList(cluster, settings), kafkaDescs('kafka', {})),
    )
    const metadata = [
      'kafka_topic_partitions{broken} 0',
      'kafka_topic_partitions{moved} 1',
      'kafka_topic_partition_leader{moved,0} 2',
      'kafka_topic_partition_replicas{moved,0} 2',
      'kafka_topic_partition_in_sync_replica{moved,0} 1',
      'kafka_topic_partition_leader_is_preferred{moved,0} 0',
      'kafka_topic_partition_under_replicated_partition{moved,0} 1',
    ]
    t.same(lines, metadata, 'topics in name order; offsets that cannot be read leave the metadata to serve')
    t.same(errors, ['reading offsets of 2 topics: NOT_LEADER_FOR_PARTITION'])
    const healthy = fakeCluster({ ...admin, listTopics: async () => ['moved'] })
    t.same(
      (
        await collectOnce(topicsCollector(healthy, new TopicList(healthy, settings), kafkaDescs('kafka', {})))
      ).lines.slice(-2),
      ['kafka_topic_partition_current_offset{moved,0} 7', 'kafka_topic_partition_oldest_offset{moved,0} 3'],
    )
    const none = fakeCluster({ listTopics: async () => ['__consumer_offsets'] })
    t.same(
      await collectOnce(
        topicsCollector(none, new TopicList(none, settingsFor(['--topic.exclude', '^__'])), kafkaDescs('kafka', {})),
      ),
      { lines: [], errors: [] },
      'no topic left: nothing to ask',
    )
  },
)

t.test(
  'groups: none at all, one missing from DescribeGroups, one whose offsets cannot be read, one whose topic has no end offset',
  async (t) => {
    const settings = settingsFor([])
    const descs = kafkaDescs('kafka', {})
    t.same(
      await collectOnce(
        groupsCollector(
          fakeCluster({ listGroups: async () => ({ groups: [] }) }),
          settings,
          descs,
          new EndOffsetHistory(),
        ),
      ),
      { lines: [], errors: [] },
    )
    const admin = {
      listGroups: async () => ({ groups: [{ groupId: 'ghost' }, { groupId: 'broken' }, { groupId: 'fresh' }] }),
      describeGroups: async () => ({
        groups: [
          { groupId: 'broken', members: [] },
          { groupId: 'fresh', members: [{}] },
        ],
      }),
      fetchOffsets: async ({ groupId }: { groupId: string }) =>
        groupId === 'broken'
          ? Promise.reject(new Error('COORDINATOR_NOT_AVAILABLE'))
          : [{ topic: 'new', partitions: [{ partition: 0, offset: '2' }] }],
      fetchTopicOffsets: async () => Promise.reject(new Error('UNKNOWN_TOPIC_OR_PARTITION')),
    }
    const { lines, errors } = await collectOnce(
      groupsCollector(fakeCluster(admin), settings, descs, new EndOffsetHistory()),
    )
    t.same(
      lines,
      [
        'kafka_consumergroup_members{broken} 0',
        'kafka_consumergroup_members{fresh} 1',
        'kafka_consumergroup_members{ghost} 0',
        'kafka_consumergroup_current_offset{fresh,new,0} 2',
        'kafka_consumergroup_current_offset_sum{fresh,new} 2',
        'kafka_consumergroup_current_offset{ghost,new,0} 2',
        'kafka_consumergroup_current_offset_sum{ghost,new} 2',
      ],
      'no lag where the end offset is unknown',
    )
    t.same(errors, [
      'reading offsets of 1 topics: UNKNOWN_TOPIC_OR_PARTITION',
      'consumer group offsets: 1 failed; broken: reading offsets of group broken: COORDINATOR_NOT_AVAILABLE',
    ])
    const stuck = {
      ...admin,
      fetchOffsets: async ({ groupId }: { groupId: string }) => (groupId === 'ghost' ? new Promise(() => {}) : []),
    }
    const cutOff = await collectOnce(
      groupsCollector(fakeCluster(stuck), settings, descs, new EndOffsetHistory()),
      Date.now() + 300,
    )
    t.same(
      cutOff,
      {
        lines: [
          'kafka_consumergroup_members{broken} 0',
          'kafka_consumergroup_members{fresh} 1',
          'kafka_consumergroup_members{ghost} 0',
        ],
        errors: ['consumer group offsets: 1 not read before the scrape deadline'],
      },
      'what was read is served; the rest is reported; no topic committed, no end offsets asked',
    )
  },
)

t.test('settings: SCRAM mechanisms, the password from a file, a TLS server name', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-kafka-settings-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'password')
  writeFileSync(file, `${secret('file-pass-1e')}\n`)
  const sasl = ['--sasl.enabled', '--sasl.username', 'u', '--sasl.password-file', file]
  t.same(settingsFor([...sasl, '--sasl.mechanism', 'scram-sha256']).sasl, {
    mechanism: 'scram-sha-256',
    username: 'u',
    password: 'file-pass-1e',
  })
  t.same(settingsFor([...sasl, '--sasl.mechanism', 'scram-sha512']).sasl, {
    mechanism: 'scram-sha-512',
    username: 'u',
    password: 'file-pass-1e',
  })
  t.same(settingsFor(['--tls.enabled', '--tls.server-name', 'kafka.internal']).ssl, {
    ca: undefined,
    cert: undefined,
    key: undefined,
    rejectUnauthorized: true,
    servername: 'kafka.internal',
  })
})

t.test('lag in seconds: interpolated between the end offsets seen around the committed one', async (t) => {
  // At 0 ms the end offset was 10, at 30,000 ms 40, at 60,000 ms 100.
  const samples = [0, 10, 30_000, 40, 60_000, 100]
  t.equal(lagSeconds(samples, 100, 61_000), 0, 'everything seen is consumed')
  t.equal(lagSeconds(samples, 25, 61_000), 46, 'offset 25 passed at 15 s (half way from 10 to 40), 46 s before now')
  t.equal(lagSeconds(samples, 40, 60_000), 30)
  t.equal(lagSeconds(samples, 9, 60_000), undefined, 'older than anything seen')
  t.equal(lagSeconds([], 9, 60_000), undefined)
  t.equal(lagSeconds([0, 10, 1000, 20], 15, 100), 0, 'never below 0 (a clock that went back)')
})

t.test(
  'the end-offset history: plateaus kept by their ends, a recreated topic starts again, at most 32 samples, forgotten after an hour',
  async (t) => {
    let now = 0
    const history = new EndOffsetHistory(() => now)
    const at = (offset: number, ms: number) => {
      now = ms
      history.record(new Map([['orders', new Map([[0, offset]])]]))
    }
    at(10, 0)
    at(10, 1000)
    at(10, 2000)
    at(15, 3000)
    t.same(history.samples('orders', 0), [
      { at: 0, offset: 10 },
      { at: 2000, offset: 10 },
      { at: 3000, offset: 15 },
    ])
    at(4, 4000)
    t.same(history.samples('orders', 0), [{ at: 4000, offset: 4 }])
    for (let i = 1; i <= 40; i++) at(4 + i, 4000 + i * 1000)
    t.equal(history.samples('orders', 0).length, 32)
    t.same(history.samples('orders', 0)[0], { at: 13_000, offset: 13 })
    t.equal(history.lagSeconds('orders', 0, 13, 44_000), 31, 'offset 13 was the end at 13 s')
    t.equal(history.lagSeconds('audit', 0, 13, 44_000), undefined, 'a partition never seen')
    t.equal(history.size, 1)
    now = 44_000 + 60 * 60_000 + 1
    history.record(new Map([['audit', new Map([[0, 1]])]]))
    t.same([history.size, history.samples('orders', 0)], [1, []], 'orders, not seen for over an hour, is forgotten')
  },
)

t.test('groups: lag in seconds over two scrapes', async (t) => {
  let now = 1_000_000
  let end = 10
  const admin = {
    listGroups: async () => ({ groups: [{ groupId: 'billing' }] }),
    describeGroups: async () => ({ groups: [{ groupId: 'billing', members: [{}] }] }),
    fetchOffsets: async () => [{ topic: 'orders', partitions: [{ partition: 0, offset: '10' }] }],
    fetchTopicOffsets: async () => [{ partition: 0, offset: String(end), high: String(end), low: '0' }],
  }
  const collector = groupsCollector(
    fakeCluster(admin),
    settingsFor([]),
    kafkaDescs('kafka', {}),
    new EndOffsetHistory(() => now),
  )
  t.same(
    (await collectOnce(collector)).lines.filter((line) => line.includes('lag')),
    [
      'kafka_consumergroup_lag{billing,orders,0} 0',
      'kafka_consumergroup_lag_seconds{billing,orders,0} 0',
      'kafka_consumergroup_lag_sum{billing,orders} 0',
    ],
  )
  now += 30_000
  end = 40
  t.same(
    (await collectOnce(collector)).lines.filter((line) => line.includes('lag')),
    [
      'kafka_consumergroup_lag{billing,orders,0} 30',
      'kafka_consumergroup_lag_seconds{billing,orders,0} 30',
      'kafka_consumergroup_lag_sum{billing,orders} 30',
    ],
    'offset 10 was the end 30 s ago',
  )
})

t.test(
  'only a lost connection drops the client: a timeout or a protocol error keeps its warmed-up metadata',
  async (t) => {
    const named = (name: string, cause?: Error) => Object.assign(new Error(name, { cause }), { name })
    t.equal(lostConnection(named('KafkaJSNumberOfRetriesExceeded', named('KafkaJSConnectionError'))), true)
    t.equal(lostConnection(named('KafkaJSSASLAuthenticationError')), true)
    t.equal(lostConnection(named('KafkaJSRequestTimeoutError')), false)
    t.equal(lostConnection(named('KafkaJSProtocolError')), false)
    t.equal(lostConnection('a string'), false)
  },
)

t.test('a kafkajs without the private cluster factory is refused in one line', async (t) => {
  t.throws(
    () => captureCluster({}, 30_000, () => {}),
    new Error('kafkajs has no private:Kafka:createCluster: this is not kafkajs 2.2.4'),
  )
})

t.test(
  "the admin client's cluster keeps its metadata for --refresh.metadata instead of reading it before every request",
  async (t) => {
    const createCluster = Symbol('private:Kafka:createCluster')
    const kafka = { [createCluster]: (options: object) => ({ options }) }
    let captured: unknown
    captureCluster(kafka, 30_000, (cluster) => (captured = cluster))
    const created = kafka[createCluster]({ allowAutoTopicCreation: false })
    t.same(created, { options: { allowAutoTopicCreation: false, metadataMaxAge: 30_000 } })
    t.equal(captured, created, 'the cluster made is handed over')
  },
)

t.test(
  'offsets: a broker answering with an error code has the metadata read again and is asked once more',
  async (t) => {
    const calls: string[] = []
    let leader = 1
    const answered = Object.assign(new Error('This server is not the leader for that topic-partition'), {
      name: 'KafkaJSProtocolError',
    })
    const internal = {
      addMultipleTargetTopics: async (topics: readonly string[]) => void calls.push(`add ${topics.join(',')}`),
      refreshMetadataIfNecessary: async () => void calls.push('refresh if necessary'),
      refreshMetadata: async () => {
        calls.push('refresh')
        leader = 2
      },
      findTopicPartitionMetadata: () => [{ partitionId: 0, leader }],
      findBroker: async ({ nodeId }: { nodeId: number }) => ({
        lookupRequest: (_apiKey: number, definition: typeof listOffsetsDefinition) =>
          definition.protocol({ version: 1 }),
        [brokerSendRequest]: async (request: ProtocolRequest) => {
          calls.push(`${request.request.apiName} v${request.request.apiVersion} to ${nodeId}`)
          if (nodeId === 1) throw answered
          return { responses: [{ topic: 'orders', partitions: [{ partition: 0, offset: 42 }] }] }
        },
      }),
    } as unknown as InternalCluster
    t.same(await listOffsets(internal, ['orders'], [-1]), [offsets({ orders: [42] })])
    t.same(calls, ['add orders', 'refresh if necessary', 'ListOffsets v1 to 1', 'refresh', 'ListOffsets v1 to 2'])
    leader = 1
    calls.length = 0
    const lost = Object.assign(new Error('Connection error: ECONNREFUSED'), { name: 'KafkaJSConnectionError' })
    internal.findBroker = async () => {
      throw lost
    }
    await t.rejects(listOffsets(internal, ['orders'], [-1]), lost, 'any other error is not retried')
    t.same(calls, ['add orders', 'refresh if necessary'])
    internal.findBroker = async () => ({}) as Awaited<ReturnType<InternalCluster['findBroker']>>
    await t.rejects(
      listOffsets(internal, ['orders'], [-1]),
      new Error('kafkajs has no private:Broker:sendRequest: this is not kafkajs 2.2.4'),
    )
  },
)
