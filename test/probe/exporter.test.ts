// Peers: prometheus-blackbox-exporter openssl promtool
// The probe exporter side by side with Debian's blackbox_exporter 0.23 on one module file and the same loopback
// targets: families, types, label names and values, plus what only ours says (why a probe failed, the certificate of
// a server it does not trust).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { makeCertificates } from '../helpers/certificates.js'
import { expectLog, get, runToExit, secret, startExporter } from '../helpers/exporter-process.js'
import { familiesOf } from '../helpers/exposition-parser.js'
import {
  type ProbeCase,
  certificateFamilies,
  compareProbes,
  expectModuleFileRefusals,
  probeModules,
  startBlackbox,
  startProbeTargets,
} from '../helpers/probe-targets.js'

const probeExporterBin = new URL('../../collectors/probe/dist/main.js', import.meta.url).pathname

const dir = mkdtempSync(join(tmpdir(), 'promkit-probe-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const certificates = makeCertificates(dir)
// The http_secret module's password: checked never to show in a log or an answer.
secret('hunter2')
const moduleFile = join(dir, 'blackbox.yml')
writeFileSync(moduleFile, probeModules)

/** The values compared exactly between the two exporters (the others are times, or ours on purpose). */
const comparedValues = [
  'probe_success',
  'probe_failed_due_to_regex',
  'probe_http_status_code',
  'probe_http_redirects',
  'probe_http_ssl',
  'probe_http_version',
  'probe_http_content_length',
  'probe_http_uncompressed_body_length',
  'probe_ip_protocol',
  'probe_ip_addr_hash',
  'probe_tls_version_info',
  'probe_ssl_last_chain_info',
]

t.test('side by side with blackbox_exporter 0.23: every case of its recorded answers, and more', async (t) => {
  const targets = await startProbeTargets(t, certificates)
  const blackbox = await startBlackbox(t, moduleFile, dir)
  const ours = await startExporter(t, probeExporterBin, ['--config.file', moduleFile, '--web.allowed-targets', '*'], {
    cwd: dir,
  })
  const cases: ProbeCase[] = [
    { name: 'http', target: `${targets.http}/`, module: 'http_2xx' },
    { name: '500', target: `${targets.http}/500`, module: 'http_2xx', reason: 'status_code' },
    { name: 'redirect followed', target: `${targets.http}/redirect`, module: 'http_2xx' },
    { name: 'redirect not followed', target: `${targets.http}/redirect`, module: 'http_body', reason: 'status_code' },
    { name: 'status before body', target: `${targets.http}/500`, module: 'http_body', reason: 'status_code' },
    { name: 'body regexp', target: `${targets.http}/other`, module: 'http_body', reason: 'body_regexp' },
    { name: 'slow past the timeout', target: `${targets.http}/slow`, module: 'http_body', reason: 'timeout' },
    { name: 'refused', target: 'http://127.0.0.1:1/', module: 'http_2xx', reason: 'connection_refused' },
    { name: 'https with a CA file', target: `${targets.https}/`, module: 'http_2xx_ca' },
    { name: 'https over HTTP/2', target: `${targets.h2}/`, module: 'http_2xx_ca' },
    {
      name: 'https, untrusted',
      target: `${targets.untrusted}/`,
      module: 'http_2xx',
      reason: 'tls_unknown_authority',
      oursOnly: certificateFamilies,
    },
    { name: 'https, insecure', target: `${targets.untrusted}/`, module: 'http_2xx_insecure' },
    {
      name: 'https, expired',
      target: `${targets.expired}/`,
      module: 'http_expired',
      reason: 'tls_expired_certificate',
      oursOnly: certificateFamilies,
    },
    { name: 'tcp', target: targets.banner, module: 'tcp_connect' },
    { name: 'tcp query_response', target: targets.banner, module: 'tcp_banner' },
    { name: 'tcp expect never answered', target: targets.banner, module: 'tcp_ssh', reason: 'timeout' },
    { name: 'tcp refused', target: '127.0.0.1:1', module: 'tcp_connect', reason: 'connection_refused' },
    { name: 'tcp, no module timeout', target: targets.banner, module: 'tcp_no_timeout' },
    { name: 'a name that does not resolve', target: 'http://nonexistent.invalid/', module: 'http_2xx', reason: 'dns' },
  ]
  await compareProbes(t, blackbox, ours.base, cases, comparedValues)
  // Past the recorded cases: ours keeps the certificate of a server it does not trust, so its expiry can page someone.
  const untrusted = familiesOf(
    (await get(`${ours.base}/probe?target=${targets.untrusted}/&module=http_2xx`)).text,
    'probe_ssl_',
  )
  const rogue = new (await import('node:crypto')).X509Certificate(certificates.pem.rogue)
  t.same(untrusted.get('probe_ssl_earliest_cert_expiry')?.samples[0]?.value, Date.parse(rogue.validTo) / 1000)
  t.same(untrusted.get('probe_ssl_last_chain_info')?.samples[0]?.labels, {
    fingerprint_sha256: rogue.fingerprint256.replaceAll(':', '').toLowerCase(),
    issuer: 'CN=rogue',
    subject: 'CN=rogue',
    subjectalternative: 'prometheus.internal',
  })
  // &debug=true: the probe's log, the metrics, the module, under blackbox_exporter's headings.
  const debugQuery = `/probe?target=${encodeURIComponent(`${targets.http}/`)}&module=http_secret&debug=true`
  const [theirDebug, ourDebug] = await Promise.all([get(`${blackbox}${debugQuery}`), get(`${ours.base}${debugQuery}`)])
  const headings = (text: string) => text.split('\n').filter((line) => /^[A-Z][a-z ]+:$/.test(line))
  t.same(headings(ourDebug.text), headings(theirDebug.text), 'debug: the same sections')
  t.same([ourDebug.status, ourDebug.headers['content-type']], [200, 'text/plain; charset=utf-8'])
  t.match(
    ourDebug.text,
    /^Logs for the probe:\nts=\S+ module=http_secret target=http:\/\/127\.0\.0\.1:\d+\/ level=info msg="beginning probe/,
  )
  t.match(ourDebug.text, /\nMetrics that would have been returned:\n# HELP probe_dns_lookup_time_seconds /)
  t.match(ourDebug.text, /^probe_success 1$/m)
  t.match(
    ourDebug.text,
    /\nModule configuration:\nprober: http\ntimeout: 5s\nhttp:\n {2}preferred_ip_protocol: ip4\n {2}valid_status_codes:\n {4}- 200\n {2}headers: null\n {2}basic_auth:\n {4}username: probe\n {4}password: <secret>\n$/,
    'the module as written, its password hidden',
  )
  t.notMatch(ourDebug.text, /hunter2/)
  const metrics = (await get(`${ours.base}/metrics`)).text
  t.match(
    metrics,
    /^blackbox_probes_total\{module="http_2xx",result="failure"\} 5$/m,
    'probes counted by module and result',
  )
  t.match(metrics, /^blackbox_probes_total\{module="http_2xx",result="success"\} 2$/m)
  t.match(metrics, /^blackbox_exporter_config_last_reload_successful 1$/m)
})

t.test(
  "blackbox_exporter's --timeout-offset, in seconds: the probe's time is Prometheus' timeout less it",
  async (t) => {
    const targets = await startProbeTargets(t, certificates)
    const exporter = await startExporter(t, probeExporterBin, [
      '--config.file',
      moduleFile,
      '--web.allowed-targets',
      '*',
      '--timeout-offset',
      '1.5',
    ])
    const slow = await get(
      `${exporter.base}/probe?target=${encodeURIComponent(`${targets.http}/slow`)}&module=http_2xx`,
      {
        headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '2' },
      },
    )
    const families = familiesOf(slow.text, 'probe_')
    t.same(families.get('probe_failure_info')?.samples[0]?.labels, { reason: 'timeout' })
    t.ok(
      (families.get('probe_duration_seconds')?.samples[0]?.value as number) < 1,
      "given up within 2 s less 1.5 s, not the module's 5 s",
    )
    for (const [value, problem] of [
      ['abc', '--timeout-offset: "abc" is not a number of seconds'],
      ['20', '--scrape.timeout-offset (20000 ms) must be less than --scrape.timeout (10000 ms)'],
    ]) {
      const run = await runToExit(probeExporterBin, ['--config.file', moduleFile, `--timeout-offset=${value}`])
      t.same([run.code, run.stderr], [1, `probe_exporter: ${problem}\n`])
    }
  },
)

t.test('refusals: an unknown module, no target, a target the allow-list does not name', async (t) => {
  const open = await startExporter(t, probeExporterBin, [
    '--config.file',
    moduleFile,
    '--web.allowed-targets',
    '*',
    '--log.level',
    'debug',
  ])
  const unknown = await get(`${open.base}/probe?target=127.0.0.1:1&module=nope`)
  t.same([unknown.status, unknown.text], [400, 'Unknown module "nope"\n'])
  t.match((await get(`${open.base}/metrics`)).text, /^blackbox_module_unknown_total 1$/m)
  const byDefault = await get(`${open.base}/probe?target=${encodeURIComponent('http://127.0.0.1:1/')}`)
  t.match(byDefault.text, /^probe_http_status_code 0$/m, 'no module: http_2xx, as blackbox_exporter')
  await expectLog(
    t,
    open,
    /level=debug .*module=http_2xx target=http:\/\/127\.0\.0\.1:1\/ probe_level=error msg="probe failed \(connection_refused\): connect ECONNREFUSED 127\.0\.0\.1:1"/,
    "at debug level, the probe's log",
  )
  const none = await get(`${open.base}/probe?module=http_2xx`)
  t.equal(none.status, 400)
  const closed = await startExporter(t, probeExporterBin, ['--config.file', moduleFile])
  const refused = await get(`${closed.base}/probe?target=http://169.254.169.254/&module=http_2xx`)
  t.equal(refused.status, 400, 'without --web.allowed-targets, /probe reaches nothing')
  await expectLog(t, closed, /refused scrape/)
})

t.test(
  'the module file: --config.check, bad files refused with the key, reload by POST /-/reload and SIGHUP',
  async (t) => {
    const check = await runToExit(probeExporterBin, ['--config.file', moduleFile, '--config.check'])
    t.same([check.code, check.stdout], [0, 'Config file is ok exiting...\n'])
    const bad = join(dir, 'bad.yml')
    const cases: [string, string][] = [
      ['modules:\n  web:\n    prober: http\n    http:\n      methd: GET\n', 'modules.web.http.methd: unknown key'],
      [
        'modules:\n  web:\n    prober: icmp\n',
        'modules.web.prober: icmp is not supported by probe_exporter (http, tcp, dns and grpc are)',
      ],
      ['modules:\n  web:\n    prober: http\n    timeout: 5q\n', 'modules.web.timeout: "5q" is not a duration'],
      [
        'modules:\n  web:\n    prober: http\n    http:\n      fail_if_body_matches_regexp: ["("]\n',
        'modules.web.http.fail_if_body_matches_regexp[0]: "(" is not a valid regular expression',
      ],
      [
        'modules:\n  web:\n    prober: http\n    http:\n      tls_config:\n        ca_file: missing.pem\n',
        'modules.web.http.tls_config.ca_file: cannot read "missing.pem": ENOENT',
      ],
      [
        'modules:\n  web:\n    prober: tcp\n    tcp:\n      query_response:\n        - expct: x\n',
        'modules.web.tcp.query_response[0].expct: unknown key',
      ],
    ]
    await expectModuleFileRefusals(t, probeExporterBin, bad, cases)
    const live = join(dir, 'live.yml')
    writeFileSync(live, probeModules)
    const exporter = await startExporter(t, probeExporterBin, ['--config.file', live, '--web.allowed-targets', '*'])
    writeFileSync(live, 'modules:\n  only:\n    prober: tcp\n    tcp:\n      no_such_key: 1\n')
    const failed = await fetch(`${exporter.base}/-/reload`, { method: 'POST' })
    t.same(
      [failed.status, await failed.text()],
      [
        500,
        `failed to reload config: config file ${live}: modules.only.tcp.no_such_key: unknown key (known: query_response, tls, tls_config, preferred_ip_protocol, ip_protocol_fallback)\n`,
      ],
    )
    t.match((await get(`${exporter.base}/metrics`)).text, /^blackbox_exporter_config_last_reload_successful 0$/m)
    t.equal(
      (await get(`${exporter.base}/probe?target=127.0.0.1:1&module=tcp_connect`)).status,
      200,
      'the previous modules stay',
    )
    writeFileSync(live, 'modules:\n  only:\n    prober: tcp\n')
    exporter.child.kill('SIGHUP')
    await expectLog(t, exporter, /msg="reloaded the configuration"/)
    t.match((await get(`${exporter.base}/metrics`)).text, /^blackbox_exporter_config_last_reload_successful 1$/m)
    t.equal(
      (await get(`${exporter.base}/probe?target=127.0.0.1:1&module=tcp_connect`)).status,
      400,
      'the new modules are in force',
    )
    const reloaded = await fetch(`${exporter.base}/-/reload`, { method: 'POST' })
    t.same([reloaded.status, await reloaded.text()], [200, ''], 'POST /-/reload of a good file')
    t.equal((await fetch(`${exporter.base}/-/reload`)).status, 405, 'GET /-/reload: 405')
  },
)
