// Peers: redis-server redis-cli prometheus-redis-exporter
import { spawn } from 'node:child_process'
import { Cluster } from 'ioredis'
import t from 'tap'
import { expectLog, get, samples, startExporter } from '../helpers/exporter-process.js'
import { freePort, waitFor } from '../helpers/ports.js'
import { redisExporterBin, startRedisCluster } from '../helpers/redis.js'

// A three-node Redis Cluster made by redis-cli: CLUSTER INFO metrics, and --is-cluster key checks.

t.test(
  'a cluster node: CLUSTER INFO metrics, database 0 only, and --is-cluster finds keys on every node',
  async (t) => {
    const nodes = await startRedisCluster(t)
    const [first] = nodes
    if (!first) throw new Error('no cluster')
    const cluster = new Cluster([{ host: '127.0.0.1', port: first.port }], {
      redisOptions: { disableClientInfo: true },
    })
    t.teardown(() => cluster.disconnect())
    for (let i = 1; i <= 20; i++) await cluster.set(`user:${i}`, String(i))
    const local = (await (await first.client()).scan('0', 'MATCH', 'user:*', 'COUNT', '1000'))[1].sort()
    const remote = Array.from({ length: 20 }, (_, i) => `user:${i + 1}`).filter((key) => !local.includes(key))

    const exporter = await startExporter(t, redisExporterBin, [
      '--redis.addr',
      first.url,
      '--is-cluster',
      '--check-keys',
      'user:*',
      '--check-single-keys',
      remote.slice(0, 2).join(','),
      '--count-keys',
      'user:*',
    ])
    const { text } = await get(`${exporter.base}/metrics`)
    t.same(
      samples(
        text,
        'redis_cluster_state',
        'redis_cluster_slots_assigned',
        'redis_cluster_known_nodes',
        'redis_cluster_size',
        'redis_cluster_enabled',
        'redis_up ',
      ),
      [
        'redis_cluster_enabled 1',
        'redis_cluster_known_nodes 3',
        'redis_cluster_size 3',
        'redis_cluster_slots_assigned 16384',
        'redis_cluster_state 1',
        'redis_up 1',
      ],
    )
    t.match(
      text,
      /\nredis_cluster_messages_sent_total \d+\n/,
      'cluster_stats_messages_sent is renamed as redis_exporter renames it',
    )
    t.same(
      samples(text, 'redis_db_keys{'),
      [`redis_db_keys{db="db0"} ${local.length}`],
      'a cluster has database 0 only',
    )
    const checked = [...local, ...remote.slice(0, 2)].sort()
    t.same(
      samples(text, 'redis_key_size'),
      checked.map((key) => `redis_key_size{db="db0",key="${key}"} ${key.length - 'user:'.length}`),
      'patterns on this node, single keys wherever they live',
    )
    t.same(
      samples(text, 'redis_keys_count'),
      [`redis_keys_count{db="db0",key="user:*"} ${local.length}`],
      'counted on the node scraped',
    )
    const again = await get(`${exporter.base}/metrics`)
    t.same(
      samples(again.text, 'redis_key_size'),
      samples(text, 'redis_key_size'),
      'the next scrape reuses the cluster client',
    )

    const plain = await startExporter(t, redisExporterBin, [
      '--redis.addr',
      first.url,
      '--check-single-keys',
      remote[0] as string,
    ])
    const withoutFlag = await get(`${plain.base}/metrics`)
    t.same(samples(withoutFlag.text, 'redis_up ', 'redis_scrape_collector_success'), [
      'redis_scrape_collector_success{collector="keys"} 0',
      'redis_scrape_collector_success{collector="redis"} 1',
      'redis_up 1',
    ])
    await expectLog(
      t,
      plain,
      /collector=keys .*msg="keys: collect\(\) failed: MOVED \d+ 127\.0\.0\.1:\d+"/,
      'without --is-cluster, a key on another node is a MOVED error, said as such',
    )

    const port = await freePort()
    const theirs = spawn(
      'prometheus-redis-exporter',
      ['-redis.addr', first.url, '-web.listen-address', `127.0.0.1:${port}`],
      { stdio: 'ignore' },
    )
    t.teardown(() => void theirs.kill())
    const theirText = await waitFor(
      'redis_exporter',
      async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
      20_000,
      50,
    )
    const clusterFamilies = (exposition: string) =>
      [...exposition.matchAll(/^# TYPE (redis_cluster_\S+) (\S+)$/gm)].map((match) => `${match[1]} ${match[2]}`).sort()
    t.same(
      clusterFamilies(text),
      clusterFamilies(theirText),
      'the same cluster families and types as redis_exporter 1.45',
    )
  },
)
