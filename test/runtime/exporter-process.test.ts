// Peers: promtool
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import t from 'tap'
import { parseExposition } from '../helpers/exposition-parser.js'
import { expectLog, get, runToExit, samples, secret, startExporter, testExporter } from '../helpers/exporter-process.js'
import { promtoolCheckMetrics } from '../helpers/promtool.js'
import { waitFor } from '../helpers/ports.js'

const dir = mkdtempSync(join(tmpdir(), 'promkit-runtime-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

secret('hunter2')

t.test('start-up failures are one line on stderr and exit 1', async (t) => {
  const holder = createServer()
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
  t.teardown(() => holder.close())
  const taken = (holder.address() as { port: number }).port
  writeFileSync(join(dir, 'bad-web.yml'), 'basic_auth_users:\n  alice: hunter2\n')
  const cases: [string[], string][] = [
    [['--bogus'], "test_exporter: unknown option '--bogus'\n"],
    [
      ['--web.listen-address', 'localhost'],
      'test_exporter: --web.listen-address: "localhost" is not a listen address (want host:port, :port or [ipv6]:port)\n',
    ],
    [
      ['--web.listen-address', `127.0.0.1:${taken}`],
      `test_exporter: cannot listen on 127.0.0.1:${taken}: address already in use\n`,
    ],
    [
      ['--web.config.file', join(dir, 'bad-web.yml')],
      `test_exporter: web config ${join(dir, 'bad-web.yml')}: basic_auth_users.alice: is not a bcrypt hash (make one with: htpasswd -nBC 10 "" | tr -d ':\\n')\n`,
    ],
    [
      ['--web.config.file', join(dir, 'absent.yml')],
      `test_exporter: --web.config.file: cannot read "${join(dir, 'absent.yml')}": ENOENT\n`,
    ],
    [['--collector.broken'], 'test_exporter: collector broken: cannot open /dev/sensor0\n'],
    [
      ['--web.listen-address', '192.0.2.1:9'],
      'test_exporter: cannot listen on 192.0.2.1:9: address not available on this machine\n',
    ],
    [
      ['--web.listen-address', 'no-such-host.invalid:9'],
      'test_exporter: cannot listen on no-such-host.invalid:9: unknown host\n',
    ],
    [
      ['--web.listen-address', '[fe80::1]:9'],
      'test_exporter: cannot listen on [fe80::1]:9: listen EINVAL: invalid argument fe80::1:9\n',
    ],
  ]
  for (const [args, stderr] of cases) {
    const result = await runToExit(testExporter, args)
    t.same([result.code, result.stderr, result.stdout], [1, stderr, ''], args.join(' '))
    t.notMatch(result.stderr, /hunter2/, 'a secret from the config is not echoed')
  }
  const marker = join(dir, 'closed-after-failed-listen')
  const unserved = await runToExit(testExporter, [
    '--web.listen-address',
    `127.0.0.1:${taken}`,
    '--collector.closable.marker',
    marker,
  ])
  t.same(
    [unserved.code, unserved.stderr, readFileSync(marker, 'utf8')],
    [
      1,
      `test_exporter: cannot listen on 127.0.0.1:${taken}: address already in use\n`,
      'closed\nmulti-target closed\n',
    ],
    'a start-up that cannot listen closes the collectors it made, still in one line',
  )
  const version = await runToExit(testExporter, ['--version'])
  t.equal(version.code, 0)
  t.match(
    version.stdout,
    new RegExp(
      `^test_exporter, version 1\\.2\\.3 \\(branch: \\S+, revision: abc123\\)\\n  build date: +\\d{4}-\\d\\d-\\d\\dT\\S+Z\\n  node version: +${process.version.replace(/\./g, '\\.')}\\n  platform: +${process.platform}/${process.arch}\\n$`,
    ),
    'as Go exporters print it',
  )
})

t.test('endpoints, metrics, self-metrics and content negotiation', async (t) => {
  const exporter = await startExporter(t, testExporter, [])
  await expectLog(
    t,
    exporter,
    new RegExp(
      `^level=info ts=\\S+ version=1\\.2\\.3 revision=abc123 branch=\\S+ build_date=\\S+ nodejs_version=${process.version.replace(/\./g, '\\.')} platform=${process.platform}/${process.arch} msg="Starting test_exporter"\nlevel=info ts=\\S+ version=1\\.2\\.3 addresses=`,
    ),
    "a line says what runs, as node_exporter's does, before the listening line",
  )
  const landing = await get(`${exporter.base}/`)
  t.equal(landing.status, 200)
  t.match(landing.headers['content-type'], /^text\/html/)
  t.match(landing.text, /<h1>test_exporter<\/h1>[\s\S]*Version 1\.2\.3[\s\S]*href="\/metrics"[\s\S]*\/scrape\?target=/)
  for (const path of ['/health', '/healthz', '/-/healthy', '/-/ready'])
    t.same([(await get(exporter.base + path)).status, (await get(exporter.base + path)).text], [200, 'ok\n'])
  const missing = await get(`${exporter.base}/nothing`)
  t.same(
    [missing.status, missing.headers['content-type'], missing.text],
    [404, 'text/plain; charset=utf-8', '404 page not found\n'],
    'an unknown path: plain text, as from a Go exporter',
  )

  const metrics = await get(`${exporter.base}/metrics`)
  t.equal(metrics.status, 200)
  t.equal(metrics.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
  const parsed = parseExposition(metrics.text, 'text')
  t.same(samples(metrics.text, 'test_steady', 'test_slow', 'test_scrape_collector_success'), [
    'test_scrape_collector_success{collector="closable"} 1',
    'test_scrape_collector_success{collector="slow"} 1',
    'test_scrape_collector_success{collector="steady"} 1',
    'test_slow_done 1',
    'test_steady_value 42',
  ])
  const types = Object.fromEntries([...parsed.type].filter(([name]) => !/^(process|nodejs)_/.test(name)))
  t.same(types, {
    promhttp_metric_handler_requests_in_flight: 'gauge',
    promhttp_metric_handler_requests_total: 'counter',
    test_exporter_build_info: 'gauge',
    test_exporter_last_scrape_duration_seconds: 'gauge',
    test_exporter_last_scrape_error: 'gauge',
    test_exporter_scrape_duration_seconds: 'summary',
    test_exporter_scrapes_total: 'counter',
    test_exporter_target_connections: 'gauge',
    test_exporter_target_connections_evicted_total: 'counter',
    test_exporter_target_connections_refused_total: 'counter',
    test_scrape_collector_duration_seconds: 'gauge',
    test_scrape_collector_success: 'gauge',
    test_slow_done: 'gauge',
    test_steady_value: 'gauge',
    test_target_scrape_request_errors_total: 'counter',
  })
  t.ok(
    parsed.type.has('process_cpu_user_seconds_total') && parsed.type.has('nodejs_heap_size_used_bytes'),
    'Node process metrics through the prom-client bridge',
  )
  t.same(
    samples(
      metrics.text,
      'test_exporter_build_info',
      'test_exporter_scrapes_total',
      'test_exporter_last_scrape_error',
      'promhttp_metric_handler_requests_in_flight',
    ),
    [
      `test_exporter_build_info{nodejs_version="${process.version}",revision="abc123",version="1.2.3"} 1`,
      'test_exporter_last_scrape_error 0',
      'test_exporter_scrapes_total 1',
      'promhttp_metric_handler_requests_in_flight 1',
    ].sort((a, b) => (a < b ? -1 : 1)),
  )
  const second = await get(`${exporter.base}/metrics`)
  t.same(samples(second.text, 'promhttp_metric_handler_requests_total{code="200"}', 'test_exporter_scrapes_total'), [
    'promhttp_metric_handler_requests_total{code="200"} 1',
    'test_exporter_scrapes_total 2',
  ])

  const openMetrics = await get(`${exporter.base}/metrics`, {
    headers: { accept: 'application/openmetrics-text;version=1.0.0', 'accept-encoding': 'gzip' },
  })
  t.equal(openMetrics.headers['content-type'], 'application/openmetrics-text; version=1.0.0; charset=utf-8')
  t.equal(openMetrics.headers['content-encoding'], 'gzip', 'OpenMetrics is gzipped too')
  const unzipped = gunzipSync(openMetrics.body).toString('utf8')
  t.match(unzipped, /# TYPE test_exporter_scrapes counter\n[\s\S]*test_exporter_scrapes_total 3\n[\s\S]*# EOF\n$/)
  const plainGzip = await get(`${exporter.base}/metrics`, { headers: { 'accept-encoding': 'gzip' } })
  t.match(gunzipSync(plainGzip.body).toString('utf8'), /test_steady_value 42\n/)
})

t.test('a scrape larger than one chunk is streamed, plain or gzipped', async (t) => {
  const exporter = await startExporter(t, testExporter, [
    '--collector.disable-defaults',
    '--collector.wide',
    '--web.disable-exporter-metrics',
  ])
  const plain = await get(`${exporter.base}/metrics`)
  const wide = samples(plain.text, 'test_wide_value')
  t.equal(wide.length, 5000)
  t.ok(plain.text.length > 64 * 1024, `${plain.text.length} characters`)
  t.equal(plain.headers['transfer-encoding'], 'chunked', 'streamed')
  t.same(wide.slice(0, 3), [
    'test_wide_value{id="series-0"} 0',
    'test_wide_value{id="series-1"} 1',
    'test_wide_value{id="series-10"} 10',
  ])
  const zipped = await get(`${exporter.base}/metrics`, { headers: { 'accept-encoding': 'gzip' } })
  t.same(samples(gunzipSync(zipped.body).toString(), 'test_wide_value'), wide, 'the same series, gzipped')
})

t.test('collect[] and exclude[] pick collectors; mistakes get 400', async (t) => {
  const exporter = await startExporter(t, testExporter, ['--collector.failing'])
  const only = await get(`${exporter.base}/metrics?collect[]=steady&collect[]=failing`)
  t.same(samples(only.text, 'test_scrape_collector_success', 'test_steady', 'test_slow'), [
    'test_scrape_collector_success{collector="failing"} 0',
    'test_scrape_collector_success{collector="steady"} 1',
    'test_steady_value 42',
  ])
  const without = await get(`${exporter.base}/metrics?exclude[]=slow&exclude[]=failing`)
  t.same(samples(without.text, 'test_scrape_collector_success'), [
    'test_scrape_collector_success{collector="closable"} 1',
    'test_scrape_collector_success{collector="steady"} 1',
  ])
  const cases: [string, string][] = [
    ['?collect[]=steady&exclude[]=slow', 'collect[] and exclude[] cannot be used together\n'],
    ['?collect[]=wifi', 'unknown or disabled collector "wifi" (enabled: steady, slow, failing, closable)\n'],
    ['?collect[]=leaky', 'unknown or disabled collector "leaky" (enabled: steady, slow, failing, closable)\n'],
  ]
  for (const [query, message] of cases) {
    const answer = await get(`${exporter.base}/metrics${query}`)
    t.same([answer.status, answer.text], [400, message], query)
  }
})

t.test(
  'a failing collector: 200 with the rest by default, logged with its name; 500 with --web.error-handling=http500',
  async (t) => {
    const lenient = await startExporter(t, testExporter, ['--collector.failing', '--collector.leaky'])
    const answer = await get(`${lenient.base}/metrics`)
    t.equal(answer.status, 200)
    t.same(samples(answer.text, 'test_exporter_last_scrape_error', 'test_steady', 'test_leaky'), [
      'test_exporter_last_scrape_error 1',
      'test_leaky_value 1',
      'test_steady_value 42',
    ])
    await waitFor(
      'the unhandled rejection to be logged',
      async () => (lenient.stderr().includes('forgotten promise') ? true : undefined),
      5000,
      20,
    )
    await expectLog(
      t,
      lenient,
      /level=warn ts=\S+ collector=failing code=PROMKIT_ERR_COLLECT_FAILED occurrences=1 msg="failing: collect\(\) failed: sensor unplugged: read ECONNRESET"\n/,
    )
    await expectLog(
      t,
      lenient,
      /level=error ts=\S+ collector=leaky err="forgotten promise" msg="unhandled promise rejection left behind by a collector; the exporter keeps running"\n/,
    )
    t.equal((await get(`${lenient.base}/healthz`)).status, 200, 'still running after the unhandled rejection')
    const strict = await startExporter(t, testExporter, [
      '--collector.failing',
      '--web.error-handling',
      'http500',
      '--log.format',
      'json',
    ])
    const failed = await get(`${strict.base}/metrics`)
    t.same(
      [failed.status, failed.text],
      [500, 'error gathering metrics:\nfailing: collect() failed: sensor unplugged: read ECONNRESET\n'],
    )
    await expectLog(t, strict, /sensor unplugged/)
    const line = strict
      .stderr()
      .split('\n')
      .find((l) => l.includes('sensor unplugged')) as string
    t.match(JSON.parse(line), {
      level: 'warn',
      collector: 'failing',
      code: 'PROMKIT_ERR_COLLECT_FAILED',
      msg: 'failing: collect() failed: sensor unplugged: read ECONNRESET',
    })
  },
)

t.test("the scrape deadline comes from Prometheus' header, less the offset", async (t) => {
  const exporter = await startExporter(t, testExporter, [
    '--collector.slow.delay',
    '2s',
    '--scrape.timeout-offset',
    '700ms',
  ])
  const started = Date.now()
  const answer = await get(`${exporter.base}/metrics`, { headers: { 'x-prometheus-scrape-timeout-seconds': '1' } })
  t.ok(Date.now() - started < 1900, 'answered before the slow collector would have finished')
  t.same(samples(answer.text, 'test_scrape_collector_success{collector="slow"}', 'test_slow_done'), [
    'test_scrape_collector_success{collector="slow"} 0',
  ])
  await expectLog(
    t,
    exporter,
    /collector=slow code=PROMKIT_ERR_COLLECT_TIMEOUT occurrences=1 msg="slow: collect\(\) did not finish before the scrape deadline \(300 ms\)"/,
  )
  const bad = await get(`${exporter.base}/metrics`, { headers: { 'x-prometheus-scrape-timeout-seconds': 'soon' } })
  t.same(
    [bad.status, bad.text],
    [400, 'X-Prometheus-Scrape-Timeout-Seconds: "soon" is not a positive number of seconds\n'],
  )
  await get(`${exporter.base}/metrics`, { headers: { 'x-prometheus-scrape-timeout-seconds': '0.25' } })
  await expectLog(
    t,
    exporter,
    /msg="slow: collect\(\) did not finish before the scrape deadline \(125 ms\)"/,
    'a timeout not longer than the offset is halved',
  )
})

t.test(
  'a scrape timeout header longer than a timer can wait is cut to 1h, not turned into 1 ms or no deadline',
  async (t) => {
    const exporter = await startExporter(t, testExporter, ['--collector.slow.delay', '300ms'])
    for (const header of ['3000000', 'Infinity', '1e400']) {
      const answer = await get(`${exporter.base}/metrics?collect[]=slow`, {
        headers: { 'x-prometheus-scrape-timeout-seconds': header },
      })
      t.same(
        samples(answer.text, 'test_scrape_collector_success', 'test_slow_done'),
        ['test_scrape_collector_success{collector="slow"} 1', 'test_slow_done 1'],
        `${header}: the collector had its time`,
      )
    }
    t.notMatch(exporter.stderr(), /TimeoutOverflowWarning|PROMKIT_ERR_COLLECT_TIMEOUT/)
  },
)

t.test('a scrape whose client goes away is counted with code 499', async (t) => {
  const exporter = await startExporter(t, testExporter, ['--collector.slow.delay', '2s', '--log.level', 'debug'])
  const abandoned = new AbortController()
  const request = fetch(`${exporter.base}/metrics`, { signal: abandoned.signal }).catch((error: Error) => error)
  await waitFor(
    'the scrape to be in flight',
    async () => (exporter.stderr().includes('slow collector started') ? true : undefined),
    10_000,
    10,
  )
  abandoned.abort()
  await request
  await waitFor(
    'the cancelled scrape to be counted',
    async () =>
      samples(
        (await get(`${exporter.base}/metrics?collect[]=steady`)).text,
        'promhttp_metric_handler_requests_total{code="499"}',
      ).length > 0
        ? true
        : undefined,
    10_000,
    50,
  )
  t.same(
    samples(
      (await get(`${exporter.base}/metrics?collect[]=steady`)).text,
      'promhttp_metric_handler_requests_total{code="499"}',
    ),
    ['promhttp_metric_handler_requests_total{code="499"} 1'],
  )
})

t.test('--web.max-requests 1: a second concurrent scrape gets 503', async (t) => {
  const exporter = await startExporter(t, testExporter, [
    '--web.max-requests',
    '1',
    '--collector.slow.delay',
    '1s',
    '--log.level',
    'debug',
  ])
  const first = get(`${exporter.base}/metrics`)
  await waitFor(
    'the first scrape to be in flight',
    async () => (exporter.stderr().includes('slow collector started') ? true : undefined),
    10_000,
    10,
  )
  const answers = await Promise.all([first, get(`${exporter.base}/metrics`)])
  // Whichever the server took first is served; the other is refused.
  t.same(answers.map((answer) => answer.status).sort(), [200, 503])
  t.equal(answers.find((answer) => answer.status === 503)?.text, 'too many concurrent scrapes (at most 1)\n')
  const after = await get(`${exporter.base}/metrics`)
  t.equal(after.status, 200, 'the slot is free again')
  t.same(samples(after.text, 'promhttp_metric_handler_requests_total'), [
    'promhttp_metric_handler_requests_total{code="200"} 1',
    'promhttp_metric_handler_requests_total{code="500"} 0',
    'promhttp_metric_handler_requests_total{code="503"} 1',
  ])
})

t.test('SIGTERM during a slow scrape: the scrape completes, collectors are closed, exit 0', async (t) => {
  const marker = join(dir, 'closed.txt')
  const exporter = await startExporter(t, testExporter, [
    '--collector.slow.delay',
    '700ms',
    '--collector.closable.marker',
    marker,
    '--log.level',
    'debug',
  ])
  const scrape = get(`${exporter.base}/metrics`)
  await waitFor(
    'the scrape to be in flight',
    async () => (exporter.stderr().includes('slow collector started') ? true : undefined),
    10_000,
    10,
  )
  t.match(
    exporter.stderr(),
    /level=debug ts=\S+ collector=slow msg="slow collector started"\n/,
    "a collector's own log lines name it",
  )
  exporter.child.kill('SIGTERM')
  const answer = await scrape
  t.equal(answer.status, 200)
  t.same(samples(answer.text, 'test_slow_done'), ['test_slow_done 1'])
  t.same(await exporter.exited, { code: 0, signal: null })
  t.equal(readFileSync(marker, 'utf8'), 'closed\nmulti-target closed\n', 'collectors, then multi-target, were closed')
  await expectLog(
    t,
    exporter,
    /signal=SIGTERM msg="received signal"\n[\s\S]*in_flight=1 msg="shutting down: no new connections, waiting for scrapes in flight"\n[\s\S]*msg=stopped\n$/,
  )
})

t.test('multi-target: allowed targets are scraped, others refused and logged without their password', async (t) => {
  const exporter = await startExporter(t, testExporter, [
    '--web.allowed-targets',
    'db-*.internal',
    '--web.allowed-targets',
    '127.0.0.1:6379',
    '--web.scrape-path',
    '/probe',
  ])
  const allowed = await get(`${exporter.base}/probe?target=${encodeURIComponent('db-1.internal:6379')}`)
  t.equal(allowed.status, 200)
  t.same(samples(allowed.text, 'test_target_info', 'test_scrape_collector_success', 'test_steady'), [
    'test_scrape_collector_success{collector="target"} 1',
    'test_target_info{target="db-1.internal:6379"} 1',
  ])
  const refused = await get(`${exporter.base}/probe?target=${encodeURIComponent('redis://:hunter2@evil.example:6379')}`)
  t.same(
    [refused.status, refused.text],
    [400, 'target "redis://:***@evil.example:6379" is not allowed (allowed: db-*.internal, 127.0.0.1:6379)\n'],
  )
  t.same(
    [(await get(`${exporter.base}/probe`)).status, (await get(`${exporter.base}/probe`)).text],
    [400, 'no target given (want ?target=host:port)\n'],
  )
  await waitFor(
    'the refusal to be logged',
    async () => (exporter.stderr().includes('evil.example') ? true : undefined),
    5000,
    20,
  )
  await expectLog(t, exporter, /level=warn ts=\S+ target=redis:\/\/:\*\*\*@evil\.example:6379 msg="refused scrape: /)
  t.notMatch(exporter.stderr(), /hunter2/, 'the password is not logged')
  t.equal((await get(`${exporter.base}/scrape?target=db-1.internal:1`)).status, 404, 'the default path moved')
  const failing = await startExporter(t, testExporter, ['--web.allowed-targets', '*'])
  const flaky = await get(`${failing.base}/scrape?target=flaky.internal:1`)
  t.same(samples(flaky.text, 'test_scrape_collector_success', 'test_target_info'), [
    'test_scrape_collector_success{collector="target"} 0',
  ])
  await expectLog(
    t,
    failing,
    /level=warn ts=\S+ collector=target code=PROMKIT_ERR_COLLECT_FAILED occurrences=1 target=flaky\.internal:1 msg="target: collect\(\) failed: connection reset"/,
  )
  const slow = await get(`${failing.base}/scrape?target=a:1`, {
    headers: { 'x-prometheus-scrape-timeout-seconds': '-1' },
  })
  t.same(
    [slow.status, slow.text],
    [400, 'X-Prometheus-Scrape-Timeout-Seconds: "-1" is not a positive number of seconds\n'],
  )
  const unreachable = await get(`${failing.base}/scrape?target=${encodeURIComponent('unreachable.internal:1')}`)
  t.same(
    [unreachable.status, unreachable.text],
    [500, 'cannot scrape target "unreachable.internal:1": connection refused\n'],
  )
  await expectLog(
    t,
    failing,
    /level=error ts=\S+ target=unreachable\.internal:1 msg="cannot scrape target \\"unreachable\.internal:1\\": connection refused"/,
  )
  const counted = samples((await get(`${failing.base}/metrics`)).text, 'test_target_scrape_request_errors_total')
  t.same(
    counted,
    ['test_target_scrape_request_errors_total 2'],
    'the bad timeout and the unreachable target are counted; a collector failure is not',
  )
  t.same(
    samples((await get(`${exporter.base}/metrics`)).text, 'test_target_scrape_request_errors_total'),
    ['test_target_scrape_request_errors_total 3'],
    'refusals are counted',
  )
})

t.test('--web.disable-exporter-metrics leaves only what promtool accepts without findings', async (t) => {
  const exporter = await startExporter(t, testExporter, [
    '--web.disable-exporter-metrics',
    '--test.password',
    'hunter2',
    '--log.level',
    'debug',
  ])
  const answer = await get(`${exporter.base}/metrics`)
  const names = [...parseExposition(answer.text, 'text').type.keys()]
  t.notOk(
    names.some((name) => /^(process|nodejs|promhttp)_/.test(name)),
    names.join(' '),
  )
  t.ok(names.includes('test_exporter_scrapes_total'))
  const lint = promtoolCheckMetrics(answer.text)
  t.same([lint.status, lint.stderr], [0, ''])
  t.notMatch(exporter.stderr(), /hunter2/, 'a secret flag is never logged')
})

t.test('flags from environment variables, and listening on every interface', async (t) => {
  const exporter = await startExporter(t, testExporter, [], {
    env: { TEST_EXPORTER_WEB_TELEMETRY_PATH: '/stats', TEST_EXPORTER_METRIC_NAMESPACE: 'env' },
  })
  t.equal((await get(`${exporter.base}/stats`)).status, 200)
  t.same(samples((await get(`${exporter.base}/stats`)).text, 'env_steady_value'), ['env_steady_value 42'])
  const bare = await startExporter(t, testExporter, [], { env: { TEST_EXPORTER_METRIC_NAMESPACE: '' } })
  t.same(
    samples(
      (await get(`${bare.base}/metrics`)).text,
      'steady_value',
      'exporter_scrapes_total',
      'scrape_collector_success{collector="steady"}',
    ),
    ['exporter_scrapes_total 1', 'scrape_collector_success{collector="steady"} 1', 'steady_value 42'],
    'with no namespace, names have no prefix',
  )
  const everywhere = await startExporter(t, testExporter, [
    '--web.listen-port',
    String(await (await import('../helpers/ports.js')).freePort()),
  ])
  await expectLog(t, everywhere, /msg="test_exporter listening on :\d+, metrics at \/metrics"/)
})

t.test('shutdown goes on when a close() fails or hangs; a second signal exits at once', async (t) => {
  const failing = await startExporter(t, testExporter, ['--collector.closable.behaviour', 'fail'])
  failing.child.kill('SIGTERM')
  t.same(await failing.exited, { code: 0, signal: null })
  await expectLog(
    t,
    failing,
    /level=error ts=\S+ collector=closable msg="close\(\) failed: socket already closed"\n[\s\S]*msg=stopped\n$/,
  )
  const hanging = await startExporter(t, testExporter, ['--collector.closable.behaviour', 'hang'])
  hanging.child.kill('SIGTERM')
  t.same(await hanging.exited, { code: 0, signal: null })
  await expectLog(
    t,
    hanging,
    /level=warn ts=\S+ collector=closable msg="close\(\) did not finish in 5000 ms; going on"\n[\s\S]*msg=stopped\n$/,
  )
  const impatient = await startExporter(t, testExporter, ['--collector.slow.delay', '5s', '--log.level', 'debug'])
  const scrape = get(`${impatient.base}/metrics`).catch((error: Error) => error)
  await waitFor(
    'the scrape to be in flight',
    async () => (impatient.stderr().includes('slow collector started') ? true : undefined),
    10_000,
    10,
  )
  impatient.child.kill('SIGTERM')
  await waitFor(
    'the first signal to be seen',
    async () => (impatient.stderr().includes('received signal') ? true : undefined),
    5000,
    20,
  )
  impatient.child.kill('SIGINT')
  t.same(await impatient.exited, { code: 1, signal: null })
  await expectLog(t, impatient, /signal=SIGINT msg="second signal: exiting without waiting"/)
  await scrape
})

t.test('SIGTERM does not wait for clients that never finish sending a request', async (t) => {
  const exporter = await startExporter(t, testExporter, [])
  const sockets = await Promise.all(
    Array.from(
      { length: 3 },
      () =>
        new Promise<ReturnType<typeof connect>>((resolve) => {
          const socket = connect(exporter.port, '127.0.0.1', () => resolve(socket))
          socket.on('error', () => {})
        }),
    ),
  )
  for (const socket of sockets) socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n')
  await get(`${exporter.base}/healthz`)
  exporter.child.kill('SIGTERM')
  t.same(await exporter.exited, { code: 0, signal: null })
  await expectLog(
    t,
    exporter,
    /in_flight=0 msg="shutting down: no new connections, waiting for scrapes in flight"\n[\s\S]*msg=stopped\n$/,
  )
  t.notMatch(
    exporter.stderr(),
    /did not finish/,
    'no drain timeout: the half-sent requests were closed, not waited for',
  )
  for (const socket of sockets) socket.destroy()
})

t.test('a full connection pool: the scrape that needs another connection gets 503, and it is counted', async (t) => {
  const exporter = await startExporter(t, testExporter, [
    '--web.allowed-targets',
    '*',
    '--multi-target.max-connections',
    '1',
  ])
  const held = get(`${exporter.base}/scrape?target=held.internal:1`)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const refused = await get(`${exporter.base}/scrape?target=other.internal:1`)
  t.same(
    [refused.status, refused.text],
    [
      503,
      'cannot scrape target "other.internal:1": all 1 target connections are in use by scrapes (--multi-target.max-connections)\n',
    ],
  )
  t.equal((await held).status, 200)
  t.equal(
    (await get(`${exporter.base}/scrape?target=other.internal:1`)).status,
    200,
    'once released, the connection makes room',
  )
  t.same(samples((await get(`${exporter.base}/metrics`)).text, 'test_exporter_target_connections'), [
    'test_exporter_target_connections 1',
    'test_exporter_target_connections_evicted_total 1',
    'test_exporter_target_connections_refused_total 1',
  ])
})

t.test("a collector metric named like one of the runtime's own is refused, naming both", async (t) => {
  const run = await runToExit(testExporter, ['--collector.shadow', '--web.listen-address', '127.0.0.1:0'])
  t.same(
    [run.code, run.stderr],
    [
      1,
      'test_exporter: collector shadow: metric "test_scrape_collector_success" is the per-collector success, which the runtime emits itself; give it another name\n',
    ],
  )
  const exporter = await startExporter(t, testExporter, ['--web.allowed-targets', '*'])
  const answer = await get(`${exporter.base}/scrape?target=shadow.internal:1`)
  t.same(
    [answer.status, answer.text],
    [
      500,
      'cannot scrape target "shadow.internal:1": collector target: metric "test_exporter_build_info" is one of the exporter\'s own metrics, which the runtime emits itself; give it another name\n',
    ],
  )
})

t.test('a rejected promise outside any collector is a bug: logged as fatal, exit 1', async (t) => {
  const exporter = await startExporter(t, testExporter, ['--test.stray-rejection'])
  t.same(await exporter.exited, { code: 1, signal: null })
  await expectLog(
    t,
    exporter,
    /level=fatal ts=\S+ err="bug outside collectors" msg="unhandled promise rejection outside any collector; exiting"\n$/,
  )
})

t.test("fastify's own refusals keep their status", async (t) => {
  const exporter = await startExporter(t, testExporter, [])
  const bad = await get(`${exporter.base}/metrics?collect[]=%E0%A4%A`)
  t.equal(bad.status, 400, bad.text)
})

t.test('ignored web config keys are warned about; SIGHUP without a config file changes nothing', async (t) => {
  const config = join(dir, 'plain.yml')
  writeFileSync(
    config,
    'rate_limit:\n  interval: 1s\nhttp_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n',
  )
  const exporter = await startExporter(t, testExporter, ['--web.config.file', config])
  await expectLog(
    t,
    exporter,
    /level=warn ts=\S+ key=rate_limit msg="web config key is not supported by promkit and is ignored"/,
  )
  t.equal((await get(`${exporter.base}/metrics`)).headers['x-content-type-options'], 'nosniff')
  const plain = await startExporter(t, testExporter, [])
  plain.child.kill('SIGHUP')
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal((await get(`${plain.base}/healthz`)).status, 200)
  t.notMatch(plain.stderr(), /reloaded/)
})
