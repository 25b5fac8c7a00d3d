// Peers: redis-server
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { expectLog, get, runToExit, samples, secret, startExporter } from '../helpers/exporter-process.js'
import { freePort, waitFor } from '../helpers/ports.js'
import { redisExporterBin, startRedis } from '../helpers/redis.js'

// /scrape?target=...: several Redis servers from one exporter, credentials from --redis.password-file.

secret('file-pass-77aa')
secret('secret-in-uri')

t.test('multi-target: allowed targets, passwords from the file, one reused connection per target', async (t) => {
  const open = await startRedis(t)
  const locked = await startRedis(t, ['--requirepass', 'file-pass-77aa'])
  const dir = mkdtempSync(join(tmpdir(), 'promkit-redis-passwords-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const passwords = join(dir, 'passwords.json')
  writeFileSync(passwords, JSON.stringify({ [locked.url]: 'file-pass-77aa' }))
  const exporter = await startExporter(t, redisExporterBin, [
    '--redis.addr',
    '',
    '--redis.password-file',
    passwords,
    '--web.allowed-targets',
    '127.0.0.1',
    '--web.max-requests',
    '0',
  ])
  const scrape = (target: string) => get(`${exporter.base}/scrape?target=${encodeURIComponent(target)}`)

  const first = await scrape(open.url)
  t.same(samples(first.text, 'redis_up '), ['redis_up 1'])
  t.match(
    first.text,
    new RegExp(`redis_instance_info\\{.*tcp_port="${open.port}"`),
    'the target asked for is the one scraped',
  )
  const fromFile = await scrape(locked.url)
  t.same(samples(fromFile.text, 'redis_up '), ['redis_up 1'], 'the password came from --redis.password-file')
  t.match(fromFile.text, new RegExp(`tcp_port="${locked.port}"`))

  const inline = await scrape(`redis://:file-pass-77aa@127.0.0.1:${locked.port}`)
  t.same(samples(inline.text, 'redis_up '), ['redis_up 1'], 'a password in the target URI works too')

  const closed = await freePort()
  const down = await scrape(`redis://:secret-in-uri@127.0.0.1:${closed}`)
  t.equal(down.status, 200)
  t.same(samples(down.text, 'redis_up '), ['redis_up 0'])
  await expectLog(
    t,
    exporter,
    new RegExp(
      `target=redis://:\\*\\*\\*@127\\.0\\.0\\.1:${closed} .*cannot connect to redis://:\\*\\*\\*@127\\.0\\.0\\.1:${closed}: connect ECONNREFUSED`,
    ),
  )
  t.notMatch(exporter.stderr(), /secret-in-uri|file-pass-77aa/, 'no password from a target URI or the file is logged')

  const refused = await scrape('redis://10.1.2.3:6379')
  t.equal(refused.status, 400)
  t.equal(refused.text, 'target "redis://10.1.2.3:6379" is not allowed (allowed: 127.0.0.1)\n')

  const answers = await Promise.all(Array.from({ length: 20 }, () => scrape(open.url)))
  t.ok(
    answers.every((answer) => answer.text.includes('\nredis_up 1\n')),
    '20 overlapping scrapes of one target all succeed',
  )
  const admin = await open.client()
  const clients = String(await admin.call('CLIENT', 'LIST'))
    .split('\n')
    .filter((line) => line.includes('name=redis_exporter'))
  t.equal(clients.length, 1, 'and share one connection')

  const telemetry = await get(`${exporter.base}/metrics`)
  t.same(samples(telemetry.text, 'redis_up '), [], 'with --redis.addr empty, /metrics has no Redis of its own')
})

t.test('connections are keyed by what they reach, not by the target text, and capped', async (t) => {
  const redis = await startRedis(t)
  const exporter = await startExporter(t, redisExporterBin, [
    '--redis.addr',
    '',
    '--web.allowed-targets',
    '127.0.0.1',
    '--multi-target.max-connections',
    '2',
  ])
  const scrape = (target: string) => get(`${exporter.base}/scrape?target=${encodeURIComponent(target)}`)
  const admin = await redis.client()
  const connections = async () =>
    String(await admin.call('CLIENT', 'LIST'))
      .split('\n')
      .filter((line) => line.includes('name=redis_exporter')).length
  // A closed connection leaves CLIENT LIST a moment later: wait (bounded) for the count, then assert it.
  const settled = (count: number) =>
    waitFor(
      `${count} exporter connections`,
      async () => ((await connections()) === count ? true : undefined),
      5000,
      20,
    ).catch(() => undefined)

  const variants = [
    ...Array.from({ length: 100 }, (_, n) => `${redis.url}/0?n=${n}`),
    `127.0.0.1:${redis.port}`,
    redis.url,
  ]
  for (const target of variants) t.equal((await scrape(target)).status, 200)
  t.equal(await connections(), 1, '102 spellings of one Redis and database share one connection')
  for (const db of [1, 2, 3]) t.same(samples((await scrape(`${redis.url}/${db}`)).text, 'redis_up '), ['redis_up 1'])
  await settled(2)
  t.equal(await connections(), 2, 'four databases, at most two connections: the least recently used were closed')
  t.same(samples((await get(`${exporter.base}/metrics`)).text, 'redis_exporter_target_connections'), [
    'redis_exporter_target_connections 2',
    'redis_exporter_target_connections_evicted_total 2',
    'redis_exporter_target_connections_refused_total 0',
  ])
  for (const target of [
    `redis://:${secret('Slash/Secret-77')}@127.0.0.1:${redis.port}`,
    `redis://:Leak@${secret('Tail-Secret-31')}@127.0.0.1:${redis.port}`,
  ]) {
    const answer = await scrape(target)
    t.notMatch(answer.text, /Secret-77|Tail-Secret-31/, `${answer.status}: the password is not in the answer`)
  }
  await expectLog(
    t,
    exporter,
    /target \\"redis:\/\/\*\*\*@127\.0\.0\.1:\d+\\" is not host:port or a URL/,
    'a password with a slash: the target is refused, its userinfo hidden',
  )
  t.notMatch(exporter.stderr(), /Secret-77|Tail-Secret-31/, 'nor in the log')
  const gopher = await scrape('gopher://127.0.0.1:1')
  t.same(
    [gopher.status, gopher.text],
    [
      400,
      'cannot scrape target "gopher://127.0.0.1:1": Redis address "gopher://127.0.0.1:1" has scheme "gopher" (want redis, rediss or unix)\n',
    ],
  )
})

t.test('flags that cannot work stop the exporter at start with one line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-redis-flags-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const notJson = join(dir, 'passwords.txt')
  writeFileSync(notJson, `redis://a: ${secret('not-json-pass-5e')}`)
  const notObject = join(dir, 'list.json')
  writeFileSync(notObject, '["secret"]')
  const notString = join(dir, 'number.json')
  writeFileSync(notString, '{"redis://a:6379": 42}')
  const cases: [string[], string][] = [
    [
      ['--redis.addr', 'http://localhost:6379'],
      'redis_exporter: collector redis: Redis address "http://localhost:6379" has scheme "http" (want redis, rediss or unix)',
    ],
    [
      ['--redis.addr', 'redis://:pw@[bad'],
      'redis_exporter: collector redis: Redis address "redis://:***@[bad" is not a URI (want redis://host:port, rediss://host:port or unix:///path)',
    ],
    [
      ['--redis.addr', 'redis://localhost:6379/two'],
      'redis_exporter: collector redis: Redis address "redis://localhost:6379/two": database "two" is not a number',
    ],
    [
      ['--redis.password-file', join(dir, 'missing.json')],
      `redis_exporter: --redis.password-file: cannot read "${join(dir, 'missing.json')}": ENOENT`,
    ],
    [
      ['--redis.password-file', notJson],
      `redis_exporter: collector redis: --redis.password-file: "${notJson}" is not valid JSON`,
    ],
    [
      ['--redis.password-file', notObject],
      `redis_exporter: collector redis: --redis.password-file: "${notObject}" must hold a JSON object of URI → password`,
    ],
    [
      ['--redis.password-file', notString],
      `redis_exporter: collector redis: --redis.password-file: the password for "redis://a:6379" in "${notString}" is not a string`,
    ],
    [
      ['--check-keys', 'db1=a=b'],
      'redis_exporter: collector redis: --check-keys: "db1=a=b" has more than one "=" (escape a "=" in a key as %3D)',
    ],
    [
      ['--check-single-keys', 'dbx=a'],
      'redis_exporter: collector redis: --check-single-keys: "dbx=a" names database "x", which is not a number',
    ],
    [['--count-keys', 'a%zz'], 'redis_exporter: collector redis: --count-keys: "a%zz" is not validly URL-escaped'],
    [['--count-keys', 'db2='], 'redis_exporter: collector redis: --count-keys: "db2=" names no key'],
    [['--check-keys-batch-size', '0'], 'redis_exporter: collector redis: --check-keys-batch-size: must be at least 1'],
    [
      ['--tls-ca-cert-file', join(dir, 'ca.pem')],
      `redis_exporter: --tls-ca-cert-file: cannot read "${join(dir, 'ca.pem')}": ENOENT`,
    ],
    [
      ['--tls-client-cert-file', notJson],
      'redis_exporter: collector redis: --tls-client-cert-file and --tls-client-key-file go together',
    ],
    [
      ['--is-cluster', '--count-keys', 'user:*,db3=x*'],
      'redis_exporter: collector redis: --count-keys: "x*" is in database 3, but a Redis Cluster (--is-cluster) has database 0 only',
    ],
    [['--namespace', 'bad-name'], 'redis_exporter: --namespace: "bad-name" is not a valid metric name prefix'],
    [['--multi-target.max-connections', '0'], 'redis_exporter: --multi-target.max-connections: must be at least 1'],
    [
      ['--web.allowed-targets', '10.0.0.*:63*'],
      'redis_exporter: --web.allowed-targets: "10.0.0.*:63*": the port "63*" must be a number or * (any port)',
    ],
  ]
  for (const [args, message] of cases) {
    const run = await runToExit(redisExporterBin, [...args, '--web.listen-address', '127.0.0.1:0'])
    t.equal(run.code, 1, args.join(' '))
    t.equal(run.stderr, `${message}\n`)
  }
})

t.test(
  '--namespace renames every metric, as redis_exporter does; keys in the check lists may be escaped',
  async (t) => {
    const redis = await startRedis(t)
    const client = await redis.client()
    await client.set('a,b=c d', '7')
    const exporter = await startExporter(t, redisExporterBin, [
      '--redis.addr',
      redis.url,
      '--namespace',
      'cache',
      '--check-single-keys',
      'a%2Cb%3Dc+d',
    ])
    const { text } = await get(`${exporter.base}/metrics`)
    t.same(samples(text, 'cache_up ', 'cache_key_', 'cache_exporter_last_scrape_error'), [
      'cache_exporter_last_scrape_error 0',
      'cache_key_size{db="db0",key="a,b=c d"} 1',
      'cache_key_value{db="db0",key="a,b=c d"} 7',
      'cache_up 1',
    ])
    t.notMatch(text, /^redis_/m, 'no metric keeps the default namespace')
  },
)
