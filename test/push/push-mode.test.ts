// Peers: promtool prometheus prometheus-pushgateway
import { spawn } from 'node:child_process'
import t, { type Test } from 'tap'
import { runToExit, testExporter } from '../helpers/exporter-process.js'
import { freePort, waitFor } from '../helpers/ports.js'
import { startPrometheus } from '../helpers/prometheus.js'
import { metricNames, startPushgateway } from '../helpers/pushgateway.js'
import { systemExporter } from '../helpers/system.js'

t.test(
  'push once: the system exporter sends NIC traffic to the gateway and exits 0; Prometheus reads it with honor_labels',
  async (t) => {
    const gateway = await startPushgateway(t)
    const args = [
      '--push.gateway-url',
      gateway.url,
      '--push.job',
      'network_traffic',
      '--push.grouping',
      'host=web-1',
      '--collector.disable-defaults',
      '--collector.netdev',
      '--collector.netdev.device-include',
      '.*',
    ]
    const result = await runToExit(systemExporter, args)
    t.equal(result.code, 0, result.stderr)
    t.match(
      result.stderr,
      /level=info ts=\S+ gateway=http:\/\/127\.0\.0\.1:\d+ job=network_traffic grouping_host=web-1 method=put msg="pushed to the Pushgateway"/,
    )
    const group = (await gateway.groups()).find((g) => g.labels.job === 'network_traffic')
    t.same(group?.labels, { job: 'network_traffic', host: 'web-1' })
    t.ok(metricNames(group).includes('node_network_receive_bytes_total'), metricNames(group).join(' '))
    t.match(group?.metrics.node_network_receive_bytes_total?.metrics[0]?.labels, {
      job: 'network_traffic',
      host: 'web-1',
      device: /./,
    })

    const prometheus = await startPrometheus(
      `  - job_name: pushgateway\n    honor_labels: true\n    static_configs:\n      - targets: ['127.0.0.1:${gateway.port}']\n`,
    )
    t.teardown(() => prometheus.stop())
    const [sample] = await waitFor('the pushed series in Prometheus', async () => {
      const found = await prometheus.query('node_network_receive_bytes_total{device="lo"}')
      return found.length > 0 ? found : undefined
    })
    t.match(
      sample?.metric,
      { job: 'network_traffic', host: 'web-1' },
      "the pushed job and grouping labels, not the gateway's",
    )
  },
)

t.test('push once to a gateway that is down: a clear error and exit 1', async (t) => {
  const closed = await freePort()
  const result = await runToExit(testExporter, [
    '--push.gateway-url',
    `http://127.0.0.1:${closed}`,
    '--push.job',
    'j',
    '--push.method',
    'post',
  ])
  t.equal(result.code, 1)
  t.match(
    result.stderr,
    new RegExp(
      `level=error ts=\\S+ gateway=http://127\\.0\\.0\\.1:${closed} job=j method=post msg="push failed: POST http://127\\.0\\.0\\.1:${closed}/metrics/job/j failed: fetch failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${closed}"`,
    ),
  )
  const missing = await runToExit(testExporter, ['--push.gateway-url', 'http://127.0.0.1:9'])
  t.same([missing.code, missing.stderr], [1, 'test_exporter: --push.gateway-url needs --push.job\n'])
  const badGrouping = await runToExit(testExporter, [
    '--push.gateway-url',
    'http://127.0.0.1:9',
    '--push.job',
    'j',
    '--push.grouping',
    'novalue',
  ])
  t.same([badGrouping.code, badGrouping.stderr], [1, 'test_exporter: --push.grouping: "novalue" is not label=value\n'])
})

t.test('push every interval until SIGTERM, with no HTTP server', async (t) => {
  const gateway = await startPushgateway(t)
  const exporter = await startExporterPushing(t, gateway.url)
  const pushTimes = async () =>
    (await gateway.groups()).find((g) => g.labels.job === 'periodic')?.metrics.push_time_seconds?.metrics[0]?.value
  const first = await waitFor('a first push', pushTimes, 10_000, 50)
  await waitFor('a second push', async () => ((await pushTimes()) !== first ? true : undefined), 10_000, 50)
  t.pass('pushed again after the interval')
  exporter.child.kill('SIGTERM')
  t.same(await exporter.exited, { code: 0, signal: null })
  t.notMatch(exporter.stderr(), / listening on /, 'push mode serves no HTTP')
})

/** The test exporter in interval push mode; it prints no "listening" line, so startExporter's wait does not apply. */
async function startExporterPushing(t: Test, url: string) {
  const child = spawn(
    process.execPath,
    [testExporter, '--push.gateway-url', url, '--push.job', 'periodic', '--push.interval', '300ms'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  t.teardown(() => void child.kill('SIGKILL'))
  return { child, exited, stderr: () => stderr }
}
