// Peers: redis-server prometheus-redis-exporter
import { spawn } from 'node:child_process'
import t, { type Test } from 'tap'
import { familiesOf } from '../helpers/exposition-parser.js'
import { get, startExporter } from '../helpers/exporter-process.js'
import { freePort, waitFor } from '../helpers/ports.js'
import { redisExporterBin, startRedis } from '../helpers/redis.js'

// The same Redis, read by Debian's redis_exporter 1.45 and by ours, side by side.

/** The redis_ families of an exposition. */
const families = (text: string) => familiesOf(text, 'redis_')

/** Starts Debian's prometheus-redis-exporter (single-dash flags) and returns its /metrics URL. */
async function theirExporter(t: Test, address: string, extra: string[] = []): Promise<string> {
  const port = await freePort()
  const child = spawn(
    'prometheus-redis-exporter',
    ['-redis.addr', address, '-web.listen-address', `127.0.0.1:${port}`, ...extra],
    { stdio: 'ignore' },
  )
  t.teardown(() => void child.kill())
  const url = `http://127.0.0.1:${port}/metrics`
  return waitFor('redis_exporter', async () => ((await fetch(url)).ok ? url : undefined), 20_000, 50)
}

/** The value of a sample by name and labels. */
function sampleValue(
  family: ReturnType<typeof families>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return family.get(name)?.samples.find((sample) => JSON.stringify(sample.labels) === JSON.stringify(labels))?.value
}

t.test('our redis_exporter and redis_exporter 1.45 agree on the same master and replica', async (t) => {
  const master = await startRedis(t, ['--maxmemory', '52428800', '--repl-diskless-sync-delay', '0'])
  const replica = await startRedis(t, ['--replicaof', '127.0.0.1', String(master.port)])
  const client = await master.client()
  await client.set('k1', 'v', 'EX', 600)
  await client.rpush('list', 'a', 'b')
  await (await master.client({ db: 3 })).set('k2', '2')
  await client.call('SLOWLOG', 'RESET')
  const replicaClient = await replica.client()
  await waitFor(
    'the replica to sync',
    async () => ((await replicaClient.info('replication')).includes('master_link_status:up') ? true : undefined),
    20_000,
    50,
  )

  for (const [role, server] of [
    ['master', master],
    ['replica', replica],
  ] as const) {
    const keyFlags = ['check-keys', 'list,db3=k*', 'count-keys', 'k*']
    const theirsUrl = await theirExporter(
      t,
      server.url,
      keyFlags.map((flag, i) => (i % 2 === 0 ? `-${flag}` : flag)),
    )
    const ours = await startExporter(t, redisExporterBin, [
      '--redis.addr',
      server.url,
      ...keyFlags.map((flag, i) => (i % 2 === 0 ? `--${flag}` : flag)),
    ])
    const [theirsText, oursText] = await Promise.all([
      fetch(theirsUrl).then((r) => r.text()),
      get(`${ours.base}/metrics`).then((r) => r.text),
    ])
    const theirs = families(theirsText)
    const mine = families(oursText)
    const covered = [...theirs.keys()].filter((name) => mine.has(name))
    const missing = [...theirs.keys()].filter((name) => !mine.has(name))
    t.comment(
      `${role}: redis_* family coverage ours/theirs ${covered.length}/${theirs.size} = ${((covered.length / theirs.size) * 100).toFixed(1)}%; missing: ${missing.join(', ')}`,
    )
    t.ok(covered.length / theirs.size >= 0.9, `${role}: at least 90% of redis_exporter's families`)
    for (const name of covered) {
      const a = mine.get(name)
      const b = theirs.get(name)
      t.equal(a?.type, b?.type, `${role} ${name}: same type`)
      // redis_exporter's last_scrape_error has an err label; ours reports the error in the log.
      if (name !== 'redis_exporter_last_scrape_error' && name !== 'redis_exporter_build_info')
        t.equal(a?.labelNames, b?.labelNames, `${role} ${name}: same label names`)
    }
    for (const [name, labels] of [
      ['redis_config_maxmemory', {}],
      ['redis_memory_max_bytes', {}],
      ['redis_connected_slaves', {}],
      ['redis_db_keys', { db: 'db0' }],
      ['redis_db_keys', { db: 'db3' }],
      ['redis_db_keys_expiring', { db: 'db0' }],
      ['redis_key_size', { db: 'db0', key: 'list' }],
      ['redis_key_size', { db: 'db3', key: 'k2' }],
      ['redis_key_value', { db: 'db3', key: 'k2' }],
      ['redis_keys_count', { db: 'db0', key: 'k*' }],
      ['redis_slowlog_length', {}],
      ['redis_up', {}],
    ] as const) {
      t.equal(
        sampleValue(mine, name, labels),
        sampleValue(theirs, name, labels),
        `${role} ${name}${JSON.stringify(labels)}: same value`,
      )
    }
    const info = (family: ReturnType<typeof families>) => {
      const labels = family.get('redis_instance_info')?.samples[0]?.labels ?? {}
      return {
        role: labels.role,
        redis_version: labels.redis_version,
        tcp_port: labels.tcp_port,
        run_id: labels.run_id,
      }
    }
    t.same(info(mine), info(theirs), `${role}: same instance_info`)
  }
})
