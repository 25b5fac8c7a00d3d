// Peers: redis-server
import { Registry, encode } from 'promkit'
import t from 'tap'
import { keysCollector, redisCollector } from '../../collectors/redis/collector.js'
import { checkKeys } from '../../collectors/redis/keys.js'
import { RedisConnection } from '../../collectors/redis/connection.js'
import { TargetPool } from '../../src/runtime/target-pool.js'
import { redisDescs } from '../../collectors/redis/descs.js'
import { emitInfoMetrics } from '../../collectors/redis/info-metrics.js'
import { infoNumber, parseAttributes, parseInfo } from '../../collectors/redis/info.js'
import { type ConnectionSettings, parseTarget } from '../../collectors/redis/target.js'
import { waitFor } from '../helpers/ports.js'
import { startRedis } from '../helpers/redis.js'

// The Redis exporter's parts, one at a time: INFO parsing, addresses, connections, collectors in-process.

const settings: ConnectionSettings = {
  user: 'flag-user',
  password: 'flag-pass',
  passwords: new Map([['redis://db1:6379', 'file-pass']]),
  timeoutMs: 2000,
  tls: { rejectUnauthorized: false },
}
const descs = redisDescs('redis', false)

/** The text exposition of what some collectors emit, and the errors of that gather. */
async function gather(
  ...collectors: Parameters<Registry['register']>[0][]
): Promise<{ text: string; errors: string[] }> {
  const registry = new Registry({ timeoutMs: Infinity })
  for (const collector of collectors) registry.register(collector)
  const { families, errors } = await registry.gather()
  return { text: encode(families, 'text'), errors: errors.map((error) => error.message) }
}

t.test('INFO values: ok/true/err/fail/false, numbers, and what is not a number', async (t) => {
  t.same(['ok', 'true', 'err', 'fail', 'false', '1.5', '-1', '', ' ', 'abc', '3k'].map(infoNumber), [
    1,
    1,
    0,
    0,
    0,
    1.5,
    -1,
    undefined,
    undefined,
    undefined,
    undefined,
  ])
  t.same(
    [...parseAttributes('a=1,b=x=y,novalue,=3')],
    [
      ['a', '1'],
      ['b', 'x=y'],
    ],
  )
  t.same(
    parseInfo(
      '# Server\r\nredis_version:7.0.15\r\n\r\nnot a field\r\n:no key\r\n# Keyspace\r\ndb0:keys=1,expires=0\r\n',
    ),
    [
      { section: 'Server', key: 'redis_version', value: '7.0.15' },
      { section: 'Keyspace', key: 'db0', value: 'keys=1,expires=0' },
    ],
  )
})

t.test('INFO of other servers: a replica whose link is down, old Redis and KeyDB lines, missing fields', async (t) => {
  const info = [
    '# Replication',
    'role:slave',
    'master_1_host:kdb1.internal',
    'master_1_port:6377',
    'master_1_link_status:down',
    'master_1_last_io_seconds_ago:-1',
    'master_1_sync_in_progress:1',
    'slave0:ip=10.0.0.2,port=6379,state=online,offset=100',
    'slave1:offset=7',
    '# Stats',
    'keyspace_hits:notanumber',
    'latest_fork_usec:2500',
    '# Commandstats',
    'cmdstat_get:calls=3,usec=30,usec_per_call=10.00',
    'other_line:1',
    '# Latencystats',
    'latency_percentiles_usec_get:p50=1.003,p99.9=8.191',
    'latency_percentiles_usec_orphan:p50=1',
    'unrelated:1',
    '# Errorstats',
    'errorstat_NOAUTH:count=2',
    'unrelated:1',
    '# Keyspace',
    'db0:keys=4,expires=1',
  ].join('\r\n')
  const registry = new Registry()
  registry.register({
    name: 'info',
    describe: () => descs.redis,
    collect: (emit) => emitInfoMetrics(parseInfo(info), descs, emit, { databases: 1, nowSeconds: 0 }),
  })
  const text = encode((await registry.gather()).families, 'text')
  const lines = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))
  t.same(
    lines,
    [
      'redis_commands_duration_seconds_total{cmd="get"} 0.00003',
      'redis_commands_total{cmd="get"} 3',
      'redis_connected_slave_offset_bytes{slave_ip="",slave_port="",slave_state=""} 7',
      'redis_connected_slave_offset_bytes{slave_ip="10.0.0.2",slave_port="6379",slave_state="online"} 100',
      'redis_db_keys{db="db0"} 4',
      'redis_db_keys_expiring{db="db0"} 1',
      'redis_errors_total{err="NOAUTH"} 2',
      'redis_instance_info{maxmemory_policy="",os="",process_id="",redis_build_id="",redis_mode="",redis_version="",role="slave",run_id="",tcp_port=""} 1',
      'redis_latency_percentiles_usec{cmd="get",quantile="0.5"} 1.003',
      'redis_latency_percentiles_usec{cmd="get",quantile="0.999"} 8.191',
      'redis_latency_percentiles_usec_sum{cmd="get"} 30',
      'redis_latency_percentiles_usec_count{cmd="get"} 3',
      'redis_latest_fork_seconds 0.0025',
      'redis_master_last_io_seconds_ago{master_host="kdb1.internal",master_port="6377"} -1',
      'redis_master_link_up{master_host="kdb1.internal",master_port="6377"} 0',
      'redis_master_sync_in_progress{master_host="kdb1.internal",master_port="6377"} 1',
      'redis_slave_info{master_host="",master_port="",read_only=""} 1',
    ],
    'no lag without lag=, no commands_{rejected,failed} before Redis 6.2, no db_avg_ttl without avg_ttl',
  )
})

t.test('addresses: schemes, defaults, credentials in order of precedence, and refusals', async (t) => {
  const options = (address: string) => {
    const { host, port, path, db, username, password, tls } = parseTarget(address, settings).options
    return { host, port, path, db, username, password, tls }
  }
  t.same(
    options('localhost'),
    {
      host: 'localhost',
      port: 6379,
      path: undefined,
      db: 0,
      username: 'flag-user',
      password: 'flag-pass',
      tls: undefined,
    },
    "bare host: redis://, port 6379, the flags' credentials",
  )
  t.same(
    options('redis://db1:6379'),
    { host: 'db1', port: 6379, path: undefined, db: 0, username: 'flag-user', password: 'file-pass', tls: undefined },
    'the password file wins over --redis.password',
  )
  t.same(
    options('rediss://u%40x:p%2Fw@[::1]:7000/3'),
    {
      host: '::1',
      port: 7000,
      path: undefined,
      db: 3,
      username: 'u@x',
      password: 'p/w',
      tls: { rejectUnauthorized: false },
    },
    "the URI's own credentials win, decoded; rediss is TLS",
  )
  t.same(options('unix:///run/redis.sock'), {
    host: undefined,
    port: undefined,
    path: '/run/redis.sock',
    db: 0,
    username: 'flag-user',
    password: 'flag-pass',
    tls: undefined,
  })
  t.equal(parseTarget('redis://:secret@db1:6379', settings).shown, 'redis://:***@db1:6379')
  t.throws(() => parseTarget('redis://', settings), { message: 'Redis address "redis://" has no host' })
})

t.test(
  'in-process collectors on a real Redis: no deadline, refused commands, one connection per database',
  async (t) => {
    const redis = await startRedis(t)
    const admin = await redis.client()
    await admin.call('ACL', 'SETUSER', 'limited', 'on', '>pw', '~*', '+@all', '-config', '-slowlog', '-latency')
    await admin.call('ACL', 'SETUSER', 'noinfo', 'on', '>pw', '~*', '+@all', '-info')
    const connect = (user: string, address = redis.url) => {
      const target = parseTarget(address, { ...settings, user, password: 'pw', passwords: new Map() })
      return new RedisConnection(target.options, target.shown)
    }
    const limited = connect('limited')
    const noinfo = connect('noinfo')

    const served = await gather(redisCollector(limited, descs))
    t.same(served.errors, [])
    t.match(served.text, /\nredis_up 1\n/, 'no deadline: connects and scrapes')
    t.notMatch(
      served.text,
      /redis_config_|redis_slowlog_|redis_latency_spike/,
      'CONFIG, SLOWLOG and LATENCY refused by ACL: left out, no error',
    )
    t.match(served.text, /redis_db_keys\{db="db15"\} 0/, 'without CONFIG, 16 databases are assumed')

    const refused = await gather(redisCollector(noinfo, descs))
    t.same(refused.errors, [
      `redis: collect() reported: INFO on ${redis.url} failed: NOPERM this user has no permissions to run the 'info' command`,
    ])
    t.match(refused.text, /\nredis_up 0\n/)
    limited.close()
    noinfo.close()

    await admin.set('a', '1')
    await (await redis.client({ db: 4 })).set('b', '22')
    const pool = new TargetPool(10, 0)
    t.teardown(() => pool.close())
    const scrape = pool.scope()
    const first = scrape.connections.get('first', () => connect('limited', redis.url))
    const keys = await gather(
      keysCollector(
        first,
        {
          patterns: [{ db: 4, key: 'b*' }],
          singleKeys: [{ db: 0, key: 'a' }],
          countPatterns: [],
          batchSize: 10,
          cluster: false,
        },
        descs,
      ),
    )
    t.same(
      keys.text.split('\n').filter((line) => line.startsWith('redis_key')),
      [
        'redis_key_size{db="db0",key="a"} 1',
        'redis_key_size{db="db4",key="b"} 2',
        'redis_key_value{db="db0",key="a"} 1',
        'redis_key_value{db="db4",key="b"} 22',
      ],
    )
    const names = async () =>
      String(await admin.call('CLIENT', 'LIST'))
        .split('\n')
        .filter((line) => line.includes('name=redis_exporter'))
        .map((line) => line.match(/ db=(\d+)/)?.[1])
        .sort()
    // A closed connection leaves CLIENT LIST a moment later: wait (bounded) for the expected list, then assert it.
    const settled = async (expected: string[]) =>
      waitFor(
        `clients ${expected}`,
        async () => ((await names()).join() === expected.join() ? true : undefined),
        5000,
        20,
      ).catch(() => undefined)
    await settled(['0', '4'])
    t.same(await names(), ['0', '4'], 'database 4 was read on a connection of its own; none was SELECTed')
    scrape.release()
    await new Promise((resolve) => setTimeout(resolve, 5))
    pool.scope().connections.get('second', () => connect('limited', `redis://127.0.0.1:${redis.port}/0`))
    await settled([])
    t.same(
      await names(),
      [],
      'a connection left idle longer than idleMs is closed by the next get(), with its per-database ones',
    )
  },
)

t.test('a key of a module type (RedisJSON, say) has no size and is left out', async (t) => {
  // No Redis module is packaged here, so the client is a stand-in that answers as Redis does for such a key.
  const reader = {
    type: async (key: string) => (key === 'doc' ? 'ReJSON-RL' : 'list'),
    call: async () => 3,
    getrange: async () => '',
    pfcount: async () => 0,
  }
  const registry = new Registry()
  registry.register({
    name: 'keys',
    describe: () => descs.keys,
    collect: (emit, { signal }) => checkKeys(reader as never, 0, ['doc', 'queue'], descs, emit, signal),
  })
  t.same(
    encode((await registry.gather()).families, 'text')
      .split('\n')
      .filter((line) => line.startsWith('redis_')),
    ['redis_key_size{db="db0",key="queue"} 3'],
  )
})

t.test(
  '--is-cluster against a Redis that is not a cluster: the cluster client says why it cannot connect',
  async (t) => {
    const redis = await startRedis(t)
    const target = parseTarget(redis.url, { ...settings, user: undefined, password: undefined })
    const connection = new RedisConnection(target.options, target.shown)
    t.teardown(() => connection.close())
    const message = `cannot connect to the cluster of ${redis.url}: ERR This instance has cluster support disabled`
    const both = await Promise.allSettled([connection.cluster(), connection.cluster()])
    t.same(
      both.map((result) => (result as PromiseRejectedResult).reason.message),
      [message, message],
      'two callers at once share one attempt',
    )
    await t.rejects(connection.cluster(), { message }, 'a later call tries again')
  },
)
