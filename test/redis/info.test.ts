// Peers: promtool
import { readFileSync, writeFileSync } from 'node:fs'
import { Registry, encode } from 'promkit'
import t from 'tap'
import { redisDescs } from '../../collectors/redis/descs.js'
import { emitInfoMetrics } from '../../collectors/redis/info-metrics.js'
import { parseInfo } from '../../collectors/redis/info.js'
import { promtoolCheckMetrics } from '../helpers/promtool.js'
import { inheritedLintFindings } from '../helpers/redis.js'

// INFO ALL recorded from Debian's Redis 7.0 (a master with a replica attached, and that replica),
// turned into metrics; the golden files were checked line by line against redis_exporter 1.45's
// output for the same servers (names, types, labels, values).

const fixture = (name: string) => readFileSync(new URL(`../fixtures/redis/${name}`, import.meta.url), 'utf8')
const goldenFile = (name: string) => new URL(`../golden/${name}`, import.meta.url)

/** The exposition of emitInfoMetrics for an INFO text, with the `redis` namespace. */
async function exposition(
  info: string,
  options: { databases?: number; includeSystemMetrics?: boolean; namespace?: string } = {},
): Promise<string> {
  const descs = redisDescs(options.namespace ?? 'redis', options.includeSystemMetrics ?? false)
  const registry = new Registry()
  registry.register({
    name: 'info',
    describe: () => descs.redis,
    collect: (emit) =>
      emitInfoMetrics(parseInfo(info), descs, emit, { databases: options.databases ?? 16, nowSeconds: 1_800_000_000 }),
  })
  const { families, errors } = await registry.gather()
  if (errors.length > 0) throw errors[0]
  return encode(families, 'text')
}

for (const role of ['master', 'replica']) {
  t.test(`a recorded ${role} INFO gives exactly the golden exposition, which promtool accepts`, async (t) => {
    const text = await exposition(fixture(`info-${role}.txt`), { includeSystemMetrics: role === 'replica' })
    if (process.env.UPDATE_GOLDEN) writeFileSync(goldenFile(`redis-${role}.txt`), text)
    t.equal(text, readFileSync(goldenFile(`redis-${role}.txt`), 'utf8'))
    // promtool parses it (exit 3, not 1) and lints only the names redis_exporter chose, which dashboards depend on.
    const check = promtoolCheckMetrics(text)
    t.equal(check.status, 3, 'parsed, with lint findings')
    t.same(check.stderr.trim().split('\n').sort(), inheritedLintFindings)
  })
}
