// Peers: promtool redis-server
import t from 'tap'
import { expectLog, get, samples, startExporter } from '../helpers/exporter-process.js'
import { promtoolCheckMetrics } from '../helpers/promtool.js'
import { inheritedLintFindings, redisExporterBin, startRedis } from '../helpers/redis.js'

// A real redis-server with known data, scraped by the redis_exporter binary.

/** The value of one sample line of an exposition, by its exact name and labels. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

t.test('loaded data comes out as exactly these series', async (t) => {
  const redis = await startRedis(t, [
    '--maxmemory',
    '104857600',
    '--enable-debug-command',
    'local',
    '--latency-monitor-threshold',
    '10',
    '--slowlog-log-slower-than',
    '20000',
  ])
  const client = await redis.client()
  await client.set('counter', '42')
  await client.set('greeting', 'hello', 'EX', 3600)
  await client.rpush('queue', 'a', 'b', 'c')
  await client.hset('user:1', { name: 'ada', lang: 'en' })
  await client.hset('user:2', { name: 'grace' })
  await client.sadd('tags', 'a', 'b', 'c', 'd')
  await client.zadd('board', 1, 'x', 2, 'y')
  await client.xadd('events', '*', 'kind', 'login')
  await client.xadd('events', '*', 'kind', 'logout')
  await client.pfadd('visitors', 'u1', 'u2', 'u3')
  await client.set(`${'9'.repeat(70)}`, '1') // a key whose name is long, holding a number
  await client.set('long-number', '1'.repeat(70)) // a string too long to be read as key_value
  await t.rejects(client.lpush('greeting', 'x'), /WRONGTYPE/, 'one wrong-type error for errorstats')
  await client.call('DEBUG', 'SLEEP', '0.05') // one slow command: slowlog and a latency spike
  const db2 = await redis.client({ db: 2 })
  await db2.set('other', '1.5')
  await db2.set('word', 'not a number')

  const exporter = await startExporter(t, redisExporterBin, [
    '--redis.addr',
    redis.url,
    '--check-keys',
    'queue,user:*,db2=oth*',
    '--check-single-keys',
    'counter,greeting,missing,visitors,events,tags,board,long-number,db2=word',
    '--count-keys',
    'user:*,db2=*',
    '--web.disable-exporter-metrics',
  ])
  const { status, text } = await get(`${exporter.base}/metrics`)
  t.equal(status, 200)
  const server = await client.info('server')
  const field = (name: string) => server.match(new RegExp(`^${name}:(.*?)\r?$`, 'm'))?.[1]
  t.same(samples(text, 'redis_up ', 'redis_instance_info', 'redis_config_', 'redis_memory_max_bytes'), [
    'redis_config_io_threads 1',
    'redis_config_maxclients 10000',
    'redis_config_maxmemory 104857600',
    `redis_instance_info{maxmemory_policy="noeviction",os="${field('os')}",process_id="${field('process_id')}",redis_build_id="${field('redis_build_id')}",redis_mode="standalone",redis_version="${field('redis_version')}",role="master",run_id="${field('run_id')}",tcp_port="${redis.port}"} 1`,
    'redis_memory_max_bytes 104857600',
    'redis_up 1',
  ])
  t.same(
    samples(
      text,
      'redis_db_keys{db="db0"}',
      'redis_db_keys{db="db1"}',
      'redis_db_keys{db="db2"}',
      'redis_db_keys_expiring{db="db0"}',
      'redis_db_keys_expiring{db="db15"}',
    ),
    [
      'redis_db_keys{db="db0"} 11',
      'redis_db_keys{db="db1"} 0',
      'redis_db_keys{db="db2"} 2',
      'redis_db_keys_expiring{db="db0"} 1',
      'redis_db_keys_expiring{db="db15"} 0',
    ],
  )
  t.same(samples(text, 'redis_key_', 'redis_keys_count'), [
    'redis_key_size{db="db0",key="board"} 2',
    'redis_key_size{db="db0",key="counter"} 2',
    'redis_key_size{db="db0",key="events"} 2',
    'redis_key_size{db="db0",key="greeting"} 5',
    'redis_key_size{db="db0",key="long-number"} 70',
    'redis_key_size{db="db0",key="missing"} 0',
    'redis_key_size{db="db0",key="queue"} 3',
    'redis_key_size{db="db0",key="tags"} 4',
    'redis_key_size{db="db0",key="user:1"} 2',
    'redis_key_size{db="db0",key="user:2"} 1',
    'redis_key_size{db="db0",key="visitors"} 3',
    'redis_key_size{db="db2",key="other"} 3',
    'redis_key_size{db="db2",key="word"} 12',
    'redis_key_value{db="db0",key="counter"} 42',
    'redis_key_value{db="db2",key="other"} 1.5',
    'redis_keys_count{db="db0",key="user:*"} 2',
    'redis_keys_count{db="db2",key="*"} 2',
  ])
  t.same(
    samples(
      text,
      'redis_errors_total',
      'redis_commands_failed_calls_total{cmd="lpush"}',
      'redis_commands_total{cmd="rpush"}',
      'redis_slowlog_',
    ),
    [
      'redis_commands_failed_calls_total{cmd="lpush"} 1',
      'redis_commands_total{cmd="rpush"} 1',
      'redis_errors_total{err="WRONGTYPE"} 1',
      'redis_slowlog_last_id 0',
      'redis_slowlog_length 1',
    ],
  )
  const slow = value(text, 'redis_last_slow_execution_duration_seconds') as number
  t.ok(slow >= 0.05 && slow < 5, `the slow command took ${slow} s (DEBUG SLEEP 0.05)`)
  const spike = value(text, 'redis_latency_spike_duration_seconds{event_name="command"}') as number
  t.ok(spike >= 0.05 && spike < 5, `the latency spike lasted ${spike} s`)
  t.match(
    text,
    /\nredis_latency_percentiles_usec\{cmd="rpush",quantile="0\.99"\} [\d.]+\nredis_latency_percentiles_usec\{cmd="rpush",quantile="0\.999"\} [\d.]+\nredis_latency_percentiles_usec_sum\{cmd="rpush"\} \d+\nredis_latency_percentiles_usec_count\{cmd="rpush"\} 1\n/,
  )
  t.same(samples(text, 'redis_exporter_last_scrape_error', 'redis_scrape_collector_success'), [
    'redis_exporter_last_scrape_error 0',
    'redis_scrape_collector_success{collector="keys"} 1',
    'redis_scrape_collector_success{collector="redis"} 1',
  ])
  const check = promtoolCheckMetrics(text)
  t.equal(check.status, 3, 'promtool parses it; it lints only names inherited from redis_exporter')
  const keysCountLint = 'redis_keys_count non-histogram and non-summary metrics should not have "_count" suffix'
  t.same(
    check.stderr.trim().split('\n').sort(),
    [...inheritedLintFindings, keysCountLint].sort(),
    'no lint finding but those of the inherited names',
  )
})

t.test(
  'Redis down: 200 with redis_up 0 and a log line that says why; back up: redis_up 1 without a restart',
  async (t) => {
    const redis = await startRedis(t)
    const exporter = await startExporter(t, redisExporterBin, ['--redis.addr', redis.url])
    t.equal(value((await get(`${exporter.base}/metrics`)).text, 'redis_up'), 1)
    await redis.stop()
    const down = await get(`${exporter.base}/metrics`)
    t.equal(down.status, 200)
    t.same(samples(down.text, 'redis_up ', 'redis_exporter_last_scrape_error', 'redis_scrape_collector_success'), [
      'redis_exporter_last_scrape_error 1',
      'redis_scrape_collector_success{collector="keys"} 1',
      'redis_scrape_collector_success{collector="redis"} 0',
      'redis_up 0',
    ])
    t.ok(
      value(down.text, 'redis_exporter_last_scrape_connect_time_seconds') !== undefined,
      'the connect time is reported even when connecting failed',
    )
    await expectLog(
      t,
      exporter,
      new RegExp(
        `level=warn .*collector=redis .*msg="redis: collect\\(\\) reported: cannot connect to redis://127\\.0\\.0\\.1:${redis.port}: connect ECONNREFUSED 127\\.0\\.0\\.1:${redis.port}"`,
      ),
    )
    await redis.start()
    const back = await get(`${exporter.base}/metrics`)
    t.same(samples(back.text, 'redis_up ', 'redis_exporter_last_scrape_error'), [
      'redis_exporter_last_scrape_error 0',
      'redis_up 1',
    ])
  },
)

t.test(
  'a Redis that accepts the connection but does not answer is reported down before the scrape deadline',
  async (t) => {
    const redis = await startRedis(t, ['--enable-debug-command', 'local'])
    const client = await redis.client()
    const exporter = await startExporter(t, redisExporterBin, [
      '--redis.addr',
      redis.url,
      '--connection-timeout',
      '30s',
    ])
    // DEBUG SLEEP blocks the server: the exporter's connection is accepted, but its handshake waits.
    const sleeping = client.call('DEBUG', 'SLEEP', '3')
    const { status, text } = await get(`${exporter.base}/metrics`, {
      headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '1.5' },
    })
    t.equal(status, 200)
    t.same(samples(text, 'redis_up '), ['redis_up 0'])
    await expectLog(
      t,
      exporter,
      new RegExp(
        `msg="redis: collect\\(\\) reported: no connection to redis://127\\.0\\.0\\.1:${redis.port} before the scrape deadline"`,
      ),
    )
    await sleeping
    t.notMatch(
      exporter.stderr(),
      /keys: collect\(\) did not finish/,
      'the keys collector gives up quietly: the redis collector has said it',
    )
    t.same(
      samples((await get(`${exporter.base}/metrics`)).text, 'redis_up '),
      ['redis_up 1'],
      'the connection opened meanwhile serves the next scrape',
    )
  },
)

t.test('a Redis that blocks after the connection is open is reported down before the scrape deadline', async (t) => {
  const redis = await startRedis(t, ['--enable-debug-command', 'local'])
  const client = await redis.client()
  const exporter = await startExporter(t, redisExporterBin, ['--redis.addr', redis.url, '--connection-timeout', '30s'])
  t.same(samples((await get(`${exporter.base}/metrics`)).text, 'redis_up '), ['redis_up 1'], 'connected')
  const sleeping = client.call('DEBUG', 'SLEEP', '3')
  const { status, text } = await get(`${exporter.base}/metrics`, {
    headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '1.5' },
  })
  t.equal(status, 200)
  t.same(
    samples(text, 'redis_up ', 'redis_scrape_collector_success{collector="redis"}'),
    ['redis_scrape_collector_success{collector="redis"} 0', 'redis_up 0'],
    'up 0 is served, not dropped with the collector',
  )
  await expectLog(
    t,
    exporter,
    new RegExp(
      `msg="redis: collect\\(\\) reported: redis://127\\.0\\.0\\.1:${redis.port} did not answer INFO before the scrape deadline"`,
    ),
  )
  await sleeping
  t.same(
    samples((await get(`${exporter.base}/metrics`)).text, 'redis_up '),
    ['redis_up 1'],
    'the next scrape recovers on the same connection',
  )
})

t.test(
  'Redis killed in the middle of a scrape: redis_up 0 with the reason, and up again once it is back',
  async (t) => {
    const redis = await startRedis(t, ['--enable-debug-command', 'local'])
    const client = await redis.client()
    const exporter = await startExporter(t, redisExporterBin, ['--redis.addr', redis.url])
    t.same(samples((await get(`${exporter.base}/metrics`)).text, 'redis_up '), ['redis_up 1'])
    void client.call('DEBUG', 'SLEEP', '5').catch(() => {})
    const scrape = get(`${exporter.base}/metrics`, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '10' } })
    // Bounded pause so that the scrape's INFO is queued behind DEBUG SLEEP before the kill.
    await new Promise((resolve) => setTimeout(resolve, 300))
    await redis.kill()
    const answer = await scrape
    t.equal(answer.status, 200)
    t.same(samples(answer.text, 'redis_up '), ['redis_up 0'])
    await expectLog(
      t,
      exporter,
      new RegExp(
        `collector=redis .*msg="redis: collect\\(\\) reported: INFO on redis://127\\.0\\.0\\.1:${redis.port} failed: Connection is closed\\."`,
      ),
    )
    await redis.start()
    t.same(
      samples((await get(`${exporter.base}/metrics`)).text, 'redis_up '),
      ['redis_up 1'],
      'the next scrape reconnects',
    )
  },
)

t.test('one connection per target, whatever the number of overlapping scrapes', async (t) => {
  const redis = await startRedis(t)
  const client = await redis.client()
  const exporter = await startExporter(t, redisExporterBin, ['--redis.addr', redis.url, '--web.max-requests', '0'])
  const answers = await Promise.all(Array.from({ length: 20 }, () => get(`${exporter.base}/metrics`)))
  t.same(
    answers.map((answer) => value(answer.text, 'redis_up')),
    Array.from({ length: 20 }, () => 1),
  )
  const clients = String(await client.call('CLIENT', 'LIST'))
    .split('\n')
    .filter((line) => line.includes('name=redis_exporter'))
  t.equal(clients.length, 1, 'twenty overlapping scrapes shared one connection')
})

t.test('a slow --check-keys SCAN stops at the scrape deadline; the other metrics are served', async (t) => {
  const redis = await startRedis(t, ['--enable-debug-command', 'local'])
  const client = await redis.client()
  await client.call('DEBUG', 'POPULATE', '300000')
  const exporter = await startExporter(t, redisExporterBin, [
    '--redis.addr',
    redis.url,
    '--check-keys',
    'no-such-key-*',
    '--check-keys-batch-size',
    '10',
    '--scrape.timeout-offset',
    '0s',
  ])
  const { status, text } = await get(`${exporter.base}/metrics`, {
    headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '0.5' },
  })
  t.equal(status, 200)
  t.same(samples(text, 'redis_up ', 'redis_scrape_collector_success', 'redis_key_size'), [
    'redis_scrape_collector_success{collector="keys"} 0',
    'redis_scrape_collector_success{collector="redis"} 1',
    'redis_up 1',
  ])
  await expectLog(
    t,
    exporter,
    /collector=keys .*msg="keys: collect\(\) did not finish before the scrape deadline \(500 ms\)"/,
  )
  const scans = async () => Number((await client.info('commandstats')).match(/cmdstat_scan:calls=(\d+)/)?.[1])
  const before = await scans()
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal(await scans(), before, 'no SCAN is sent after the deadline')
  t.ok(before < 30_000, `stopped after ${before} of the 30,000 SCAN calls the pattern needs`)
})
