// Peers: redis-server openssl
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { makeCertificates } from '../helpers/certificates.js'
import { expectLog, get, samples, secret, startExporter } from '../helpers/exporter-process.js'
import { waitFor } from '../helpers/ports.js'
import { redisExporterBin, startRedis } from '../helpers/redis.js'

// How the exporter reaches Redis: passwords, ACL users, unix sockets, TLS, replicas.

const scrape = async (base: string) => (await get(`${base}/metrics`)).text

for (const password of ['right-pass-4f1c', 'wrong-pass-9b7e', 'exporter-pass']) secret(password)

t.test(
  'requirepass: a wrong password is redis_up 0 and never logged; the right one from the environment or the URI works',
  async (t) => {
    const redis = await startRedis(t, ['--requirepass', 'right-pass-4f1c'])
    const wrong = await startExporter(t, redisExporterBin, [
      '--redis.addr',
      redis.url,
      '--redis.password',
      'wrong-pass-9b7e',
      '--log.level',
      'debug',
    ])
    t.same(samples(await scrape(wrong.base), 'redis_up '), ['redis_up 0'])
    await expectLog(
      t,
      wrong,
      new RegExp(
        `msg="redis: collect\\(\\) reported: cannot connect to redis://127\\.0\\.0\\.1:${redis.port}: WRONGPASS invalid username-password pair or user is disabled\\."`,
      ),
    )
    t.notMatch(wrong.stderr(), /wrong-pass-9b7e/, 'the password is not in the log')
    t.notMatch((await get(`${wrong.base}/`)).text, /wrong-pass-9b7e/, 'nor on the landing page')

    const none = await startExporter(t, redisExporterBin, ['--redis.addr', redis.url])
    t.same(samples(await scrape(none.base), 'redis_up '), ['redis_up 0'])
    await expectLog(t, none, /cannot connect to .*: NOAUTH /, 'no password: NOAUTH says so')

    const fromEnv = await startExporter(t, redisExporterBin, ['--redis.addr', redis.url], {
      env: { REDIS_EXPORTER_REDIS_PASSWORD: 'right-pass-4f1c' },
    })
    t.same(samples(await scrape(fromEnv.base), 'redis_up '), ['redis_up 1'])

    const inUri = `redis://:right-pass-4f1c@127.0.0.1:${redis.port}`
    const fromUri = await startExporter(t, redisExporterBin, ['--redis.addr', inUri, '--log.level', 'debug'])
    t.same(samples(await scrape(fromUri.base), 'redis_up '), ['redis_up 1'])
    await redis.stop()
    t.same(samples(await scrape(fromUri.base), 'redis_up '), ['redis_up 0'])
    await expectLog(
      t,
      fromUri,
      /cannot connect to redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: connect ECONNREFUSED/,
      'the address is logged with its password masked',
    )
    t.notMatch(fromUri.stderr(), /right-pass-4f1c/, 'the password in the URI is not in the log')
  },
)

t.test('an ACL user with --redis.user and --redis.password', async (t) => {
  const redis = await startRedis(t)
  const admin = await redis.client()
  await admin.call('ACL', 'SETUSER', 'exporter', 'on', '>exporter-pass', '+@all', '~*')
  const exporter = await startExporter(t, redisExporterBin, [
    '--redis.addr',
    redis.url,
    '--redis.user',
    'exporter',
    '--redis.password',
    'exporter-pass',
  ])
  t.same(samples(await scrape(exporter.base), 'redis_up '), ['redis_up 1'])
  const clients = String(await admin.call('CLIENT', 'LIST'))
    .split('\n')
    .filter((line) => line.includes('name=redis_exporter'))
  t.match(clients, [/ user=exporter /], 'connected as the ACL user')
})

t.test('a unix socket', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-redis-socket-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const socket = join(dir, 'redis.sock')
  await startRedis(t, ['--unixsocket', socket, '--unixsocketperm', '700'])
  const exporter = await startExporter(t, redisExporterBin, ['--redis.addr', `unix://${socket}`])
  const text = await scrape(exporter.base)
  t.same(samples(text, 'redis_up '), ['redis_up 1'])
  t.match(text, /redis_instance_info\{.*role="master"/)
})

t.test('TLS (rediss://) with a private CA and a client certificate; refused without them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-redis-tls-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  makeCertificates(dir)
  const file = (name: string) => join(dir, name)
  const redis = await startRedis(
    t,
    [
      '--tls-cert-file',
      file('server.crt'),
      '--tls-key-file',
      file('server.key'),
      '--tls-ca-cert-file',
      file('ca.crt'),
      '--tls-auth-clients',
      'yes',
    ],
    { tls: true },
  )
  const address = `rediss://127.0.0.1:${redis.port}`
  const client = ['--tls-client-cert-file', file('client.crt'), '--tls-client-key-file', file('client.key')]

  const verified = await startExporter(t, redisExporterBin, [
    '--redis.addr',
    address,
    '--tls-ca-cert-file',
    file('ca.crt'),
    ...client,
  ])
  t.same(samples(await scrape(verified.base), 'redis_up '), ['redis_up 1'], 'CA and client certificate: up')

  const skipping = await startExporter(t, redisExporterBin, [
    '--redis.addr',
    address,
    '--skip-tls-verification',
    ...client,
  ])
  t.same(
    samples(await scrape(skipping.base), 'redis_up '),
    ['redis_up 1'],
    '--skip-tls-verification: up without the CA',
  )

  const unverified = await startExporter(t, redisExporterBin, ['--redis.addr', address, ...client])
  t.same(
    samples(await scrape(unverified.base), 'redis_up '),
    ['redis_up 0'],
    'a server the system CAs do not know: down',
  )
  await expectLog(
    t,
    unverified,
    /cannot connect to rediss:\/\/127\.0\.0\.1:\d+: (self-signed certificate in certificate chain|unable to verify the first certificate|unable to get local issuer certificate)/,
  )

  const anonymous = await startExporter(t, redisExporterBin, [
    '--redis.addr',
    address,
    '--tls-ca-cert-file',
    file('ca.crt'),
  ])
  t.same(
    samples(await scrape(anonymous.base), 'redis_up '),
    ['redis_up 0'],
    'no client certificate: the server refuses',
  )
})

t.test('a replica and its master: replication metrics on both sides', async (t) => {
  const master = await startRedis(t, ['--repl-diskless-sync-delay', '0'])
  const replica = await startRedis(t, ['--replicaof', '127.0.0.1', String(master.port)])
  const replicaClient = await replica.client()
  await waitFor(
    'the replica to sync',
    async () => ((await replicaClient.info('replication')).includes('master_link_status:up') ? true : undefined),
    20_000,
    50,
  )
  const ours = await startExporter(t, redisExporterBin, ['--redis.addr', replica.url])
  const onReplica = await scrape(ours.base)
  const masterLabels = `master_host="127.0.0.1",master_port="${master.port}"`
  t.same(
    samples(
      onReplica,
      'redis_master_link_up',
      'redis_master_sync_in_progress',
      'redis_slave_info',
      'redis_connected_slaves',
    ),
    [
      'redis_connected_slaves 0',
      `redis_master_link_up{${masterLabels}} 1`,
      `redis_master_sync_in_progress{${masterLabels}} 0`,
      `redis_slave_info{${masterLabels},read_only="1"} 1`,
    ],
  )
  t.match(onReplica, /redis_instance_info\{.*role="slave"/)
  t.match(onReplica, new RegExp(`redis_slave_repl_offset\\{${masterLabels}\\} \\d+`))

  const onMaster = await startExporter(t, redisExporterBin, ['--redis.addr', master.url])
  const masterText = await scrape(onMaster.base)
  t.same(samples(masterText, 'redis_connected_slaves'), ['redis_connected_slaves 1'])
  t.match(
    masterText,
    new RegExp(
      `redis_connected_slave_offset_bytes\\{slave_ip="127\\.0\\.0\\.1",slave_port="${replica.port}",slave_state="online"\\} \\d+`,
    ),
  )
  t.match(
    masterText,
    new RegExp(
      `redis_connected_slave_lag_seconds\\{slave_ip="127\\.0\\.0\\.1",slave_port="${replica.port}",slave_state="online"\\} \\d+`,
    ),
  )
})
