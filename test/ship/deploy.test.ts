// Peers: promtool
import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parseAllDocuments } from 'yaml'
import { kafkaExporter } from '../../collectors/kafka/exporter.js'
import { kubeletExporter } from '../../collectors/kubelet/exporter.js'
import { probeExporter } from '../../collectors/probe/exporter.js'
import { redisExporter } from '../../collectors/redis/exporter.js'
import { systemExporter } from '../../collectors/system/exporter.js'
import { vsphereExporter } from '../../collectors/vsphere/exporter.js'
import { directoryExporter } from '../../examples/directory-exporter.js'
import { parseListenAddress } from '../../src/runtime/listen-address.js'

// The manifests in deploy/ must agree with each other and with the exporters they run.

const deploy = new URL('../../deploy', import.meta.url).pathname
// Parsed YAML: any, because each field is checked where it is read.
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, each field checked where it is read
type Doc = Record<string, any>

const documents: Doc[] = readdirSync(join(deploy, 'kubernetes'))
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(deploy, 'kubernetes', file), 'utf8')).map((doc) => doc.toJS() as Doc),
  )
const byKind = (kind: string) => documents.filter((doc) => doc.kind === kind)
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value)

const defaults = new Map(
  [
    systemExporter,
    redisExporter,
    kafkaExporter,
    probeExporter,
    kubeletExporter,
    vsphereExporter,
    directoryExporter,
  ].map((exporter) => [exporter.name, exporter.defaultListenAddress]),
)

/** The port an exporter container listens on: its --web.listen-address, or the default of the exporter it runs. */
function listenPort(container: Doc): number {
  const args = container.args as string[]
  const flag = args.find((arg) => arg.startsWith('--web.listen-address='))
  return parseListenAddress(flag ? (flag.split('=')[1] as string) : (defaults.get(args[0] as string) as string), 'args')
    .port
}

t.test(
  'every workload: a named metrics port that is the one the exporter listens on, /healthz probes, limits, non-root',
  async (t) => {
    const workloads = [...byKind('DaemonSet'), ...byKind('Deployment')]
    t.equal(workloads.length, 8)
    for (const workload of workloads) {
      const name = workload.metadata.name as string
      const pod = workload.spec.template
      t.ok(matches(workload.spec.selector.matchLabels, pod.metadata.labels), `${name}: its selector matches its pods`)
      t.equal(pod.spec.securityContext.runAsNonRoot, true, `${name}: non-root`)
      for (const container of pod.spec.containers as Doc[]) {
        const port = (container.ports as Doc[]).find((candidate) => candidate.name === 'metrics')
        t.equal(port?.containerPort, listenPort(container), `${name}: the metrics port is the listen port`)
        for (const probe of [container.livenessProbe, container.readinessProbe])
          t.same(probe.httpGet, { path: '/healthz', port: 'metrics' }, `${name}: probes /healthz`)
        t.ok(container.resources.requests && container.resources.limits, `${name}: resources`)
        t.equal(container.securityContext.allowPrivilegeEscalation, false)
        t.match(container.image, /^promkit:/)
        const health = (container.env as Doc[] | undefined)?.find((variable) => variable.name === 'PROMKIT_HEALTH_URL')
        if (port?.containerPort !== 9100)
          t.equal(
            health?.value,
            `http://127.0.0.1:${port?.containerPort}/healthz`,
            `${name}: the image's HEALTHCHECK is pointed at its port`,
          )
      }
    }
    const daemon = byKind('DaemonSet').find((workload) => workload.metadata.name === 'system-exporter') as Doc
    const args = daemon.spec.template.spec.containers[0].args as string[]
    t.equal(args[0], systemExporter.name, 'the DaemonSet runs the system exporter')
    t.ok(
      ['--path.rootfs=/host', '--path.procfs=/host/proc', '--path.sysfs=/host/sys'].every((arg) => args.includes(arg)),
      "with the host's paths",
    )
    t.same(daemon.spec.template.spec.volumes[0].hostPath, { path: '/' })
    t.equal(daemon.spec.template.spec.containers[0].volumeMounts[0].mountPath, '/host')
  },
)

t.test(
  'every Service selects a workload and exposes its named metrics port; every ServiceMonitor selects a Service',
  async (t) => {
    const workloads = [...byKind('DaemonSet'), ...byKind('Deployment')]
    for (const service of byKind('Service')) {
      const target = workloads.find((workload) =>
        matches(service.spec.selector, workload.spec.template.metadata.labels),
      )
      t.ok(target, `${service.metadata.name}: selects a workload`)
      const port = (service.spec.ports as Doc[]).find((candidate) => candidate.name === 'metrics')
      t.equal(port?.targetPort, 'metrics')
      t.equal(
        port?.port,
        target?.spec.template.spec.containers[0].ports[0].containerPort,
        `${service.metadata.name}: same port number`,
      )
      t.equal(service.metadata.namespace, target?.metadata.namespace)
    }
    for (const monitor of byKind('ServiceMonitor')) {
      const service = byKind('Service').find((candidate) =>
        matches(monitor.spec.selector.matchLabels, candidate.metadata.labels),
      )
      t.ok(service, `${monitor.metadata.name}: selects a Service`)
      t.same(
        monitor.spec.endpoints.map((endpoint: Doc) => [endpoint.port, endpoint.path]),
        [['metrics', '/metrics']],
      )
    }
  },
)

t.test('the Prometheus config passes promtool check config and shows the four patterns', async (t) => {
  const file = join(deploy, 'prometheus', 'prometheus.yml')
  const check = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' })
  t.equal(check.status, 0, check.stdout + check.stderr)
  const config = parseAllDocuments(readFileSync(file, 'utf8'))[0]?.toJS() as Doc
  const jobs = new Map((config.scrape_configs as Doc[]).map((job) => [job.job_name as string, job]))
  t.match(jobs.get('system')?.static_configs[0].targets[0], /:9100$/)
  t.equal(jobs.get('redis')?.metrics_path, '/scrape')
  t.same(
    jobs.get('redis')?.relabel_configs.map((rule: Doc) => rule.target_label),
    ['__param_target', 'instance', '__address__'],
  )
  t.equal(jobs.get('pushgateway')?.honor_labels, true)
  t.same([jobs.get('probe')?.metrics_path, jobs.get('probe')?.params], ['/probe', { module: ['http_2xx'] }])
  t.same(
    jobs.get('probe')?.relabel_configs.map((rule: Doc) => rule.target_label),
    ['__param_target', 'instance', '__address__'],
  )
})
