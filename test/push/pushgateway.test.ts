// Peers: prometheus-pushgateway
import { type IncomingHttpHeaders, createServer } from 'node:http'
import { createServer as createTcpServer } from 'node:net'
import { gunzipSync } from 'node:zlib'
import t from 'tap'
import { Desc, type Metric, Pushgateway, Registry, constMetric } from '../../src/index.js'
import { freePort } from '../helpers/ports.js'
import { metricNames, startPushgateway } from '../helpers/pushgateway.js'
import { rejects, refuses } from '../helpers/refuses.js'

function registryOf(...metrics: Metric[]): Registry {
  const registry = new Registry()
  registry.register({ name: 'batch', describe: () => [], collect: (emit) => metrics.forEach(emit) })
  return registry
}
const gauge = (name: string, value: number, labels: Record<string, string> = {}) =>
  constMetric(
    new Desc({ name, help: `${name} help.`, variableLabels: Object.keys(labels) }),
    'gauge',
    value,
    Object.values(labels),
  )

t.test('push replaces the group, pushAdd replaces same-named metrics, delete removes it', async (t) => {
  const gateway = await startPushgateway(t)
  const client = new Pushgateway({ url: gateway.url, job: 'nightly_backup', grouping: { instance: 'db-1' } })
  const group = async () => (await gateway.groups()).find((g) => g.labels.job === 'nightly_backup')
  await client.push(
    registryOf(gauge('backup_last_success_timestamp_seconds', 1700000000), gauge('backup_size_bytes', 100)),
  )
  t.same((await group())?.labels, { job: 'nightly_backup', instance: 'db-1' })
  t.same(metricNames(await group()), ['backup_last_success_timestamp_seconds', 'backup_size_bytes'])
  await client.pushAdd(registryOf(gauge('backup_size_bytes', 200), gauge('backup_files', 3)))
  t.same(
    metricNames(await group()),
    ['backup_files', 'backup_last_success_timestamp_seconds', 'backup_size_bytes'],
    'POST keeps the other metrics',
  )
  t.equal((await group())?.metrics.backup_size_bytes?.metrics[0]?.value, '200', 'and replaces the same-named one')
  await client.push(registryOf(gauge('backup_files', 4)))
  t.same(metricNames(await group()), ['backup_files'], 'PUT replaces the whole group')
  await client.delete()
  t.equal(await group(), undefined, 'DELETE removes the group')
})

t.test('grouping values with a slash or empty travel in the base64 form', async (t) => {
  const gateway = await startPushgateway(t)
  await new Pushgateway({ url: `${gateway.url}/`, job: 'cleanup/tmp', grouping: { path: '/var/tmp', empty: '' } }).push(
    registryOf(gauge('files_removed', 12)),
  )
  const [group] = await gateway.groups()
  t.same(group?.labels, { job: 'cleanup/tmp', path: '/var/tmp', empty: '' })
  t.same(metricNames(group), ['files_removed'])
})

t.test("the gateway's refusals and failures become errors with its status and message", async (t) => {
  const gateway = await startPushgateway(t)
  await new Pushgateway({ url: gateway.url, job: 'a' }).push(registryOf(gauge('conflicting', 1)))
  const counter = constMetric(new Desc({ name: 'conflicting', help: 'conflicting help.' }), 'counter', 1)
  const client = new Pushgateway({ url: gateway.url, job: 'b' })
  try {
    await client.push(registryOf(counter))
    t.fail('expected a 400')
  } catch (error) {
    t.match(
      (error as Error).message,
      /^PUT http:\/\/127\.0\.0\.1:\d+\/metrics\/job\/b: the Pushgateway answered 400: pushed metrics are invalid or inconsistent with existing metrics: collected metric "conflicting" .* is not a (GAUGE|COUNTER)$/,
    )
  }
  const closed = await freePort()
  await rejects(
    t,
    () => new Pushgateway({ url: `http://127.0.0.1:${closed}`, job: 'x' }).push(registryOf(gauge('y', 1))),
    'PROMKIT_ERR_PUSH_FAILED',
    `PUT http://127.0.0.1:${closed}/metrics/job/x failed: fetch failed: connect ECONNREFUSED 127.0.0.1:${closed}`,
  )
  await rejects(
    t,
    () => new Pushgateway({ url: 'http://127.0.0.1:1', job: 'x' }).delete(),
    'PROMKIT_ERR_PUSH_FAILED',
    'DELETE http://127.0.0.1:1/metrics/job/x failed: fetch failed: bad port',
  )
})

t.test('what client_golang refuses, promkit refuses before sending', async (t) => {
  const client = new Pushgateway({ url: 'http://127.0.0.1:1', job: 'x', grouping: { instance: 'a' } })
  await rejects(
    t,
    () => client.push(registryOf(gauge('m', 1, { instance: 'b' }))),
    'PROMKIT_ERR_PUSH_FAILED',
    'pushed metric "m" already contains the grouping label "instance"',
  )
  await rejects(
    t,
    () => client.push(registryOf(gauge('m', 1, { job: 'b' }))),
    'PROMKIT_ERR_PUSH_FAILED',
    'pushed metric "m" already contains the grouping label "job"',
  )
  const failing = new Registry()
  failing.register({ name: 'broken', describe: () => [], collect: () => Promise.reject(new Error('disk gone')) })
  await rejects(
    t,
    () => client.push(failing),
    'PROMKIT_ERR_PUSH_FAILED',
    'not pushing a partial scrape to http://127.0.0.1:1/metrics/job/x/instance/a: broken: collect() failed: disk gone',
  )
  refuses(
    t,
    () => new Pushgateway({ url: 'pushgateway:9091', job: 'x' }),
    'PROMKIT_ERR_INVALID_OPTION',
    'Pushgateway: url "pushgateway:9091" must start with http:// or https://',
  )
  refuses(
    t,
    () => new Pushgateway({ url: 'http://g', job: '' }),
    'PROMKIT_ERR_INVALID_OPTION',
    'Pushgateway: job must be a non-empty string',
  )
  for (const timeoutMs of [-5, 0, Infinity, Number.NaN, 2 ** 31]) {
    refuses(
      t,
      () => new Pushgateway({ url: 'http://g', job: 'x', timeoutMs }),
      'PROMKIT_ERR_INVALID_OPTION',
      `Pushgateway: timeoutMs must be a positive number of milliseconds up to 2147483647, got ${timeoutMs}`,
    )
  }
  refuses(
    t,
    () => new Pushgateway({ url: 'http://g', job: 'x', grouping: { 'bad-name': 'v' } }),
    'PROMKIT_ERR_INVALID_OPTION',
    'Pushgateway grouping label: "bad-name" is not a valid label name (want [a-zA-Z_][a-zA-Z0-9_]*)',
  )
  refuses(
    t,
    () => new Pushgateway({ url: 'http://g', job: 'x', grouping: { job: 'y' } }),
    'PROMKIT_ERR_INVALID_OPTION',
    'Pushgateway: "job" is set by the job option, not as a grouping label',
  )
})

t.test('auth, headers and gzip reach the gateway as set; a real gateway takes the gzipped body', async (t) => {
  const seen: { headers: IncomingHttpHeaders; body: Buffer; method?: string; url?: string }[] = []
  const capture = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      seen.push({ headers: request.headers, body: Buffer.concat(chunks), method: request.method, url: request.url })
      response.writeHead(200).end()
    })
  })
  await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve))
  t.teardown(() => capture.close())
  const url = `http://127.0.0.1:${(capture.address() as { port: number }).port}`
  await new Pushgateway({
    url,
    job: 'j',
    basicAuth: { username: 'u', password: 'p' },
    headers: { 'x-tenant': 't1' },
    gzip: true,
  }).pushAdd(registryOf(gauge('z', 1)))
  await new Pushgateway({ url, job: 'j', bearerToken: 'tok', timeoutMs: 5000 }).delete()
  t.same(
    [
      seen[0]?.method,
      seen[0]?.url,
      seen[0]?.headers.authorization,
      seen[0]?.headers['x-tenant'],
      seen[0]?.headers['content-encoding'],
    ],
    ['POST', '/metrics/job/j', `Basic ${Buffer.from('u:p').toString('base64')}`, 't1', 'gzip'],
  )
  t.equal(gunzipSync(seen[0]?.body as Buffer).toString(), '# HELP z z help.\n# TYPE z gauge\nz 1\n')
  t.same([seen[1]?.method, seen[1]?.headers.authorization, seen[1]?.body.length], ['DELETE', 'Bearer tok', 0])
  const silent = createServer(() => {})
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.teardown(() => silent.closeAllConnections() ?? silent.close())
  const silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`
  await rejects(
    t,
    () => new Pushgateway({ url: silentUrl, job: 'j', timeoutMs: 100 }).delete(),
    'PROMKIT_ERR_PUSH_FAILED',
    `DELETE ${silentUrl}/metrics/job/j failed: The operation was aborted due to timeout`,
  )
  const gateway = await startPushgateway(t)
  await new Pushgateway({ url: gateway.url, job: 'gz', gzip: true }).push(registryOf(gauge('compressed', 1)))
  t.same(metricNames((await gateway.groups()).find((g) => g.labels.job === 'gz')), ['compressed'])
})

t.test('a gateway that accepts but never answers: a timeout error, and the next push goes through', async (t) => {
  const silent = createTcpServer(() => {}).listen(0, '127.0.0.1')
  await new Promise((resolve) => silent.once('listening', resolve))
  t.teardown(() => void silent.close())
  const { port } = silent.address() as { port: number }
  await rejects(
    t,
    () =>
      new Pushgateway({ url: `http://127.0.0.1:${port}`, job: 'x', timeoutMs: 200 }).push(registryOf(gauge('y', 1))),
    'PROMKIT_ERR_PUSH_FAILED',
    `PUT http://127.0.0.1:${port}/metrics/job/x failed: The operation was aborted due to timeout`,
  )
  const gateway = await startPushgateway(t)
  await new Pushgateway({ url: gateway.url, job: 'x', timeoutMs: 5000 }).push(registryOf(gauge('y', 1)))
  t.same(metricNames((await gateway.groups())[0]), ['y'], 'recovered: pushed once the gateway answers')
})
