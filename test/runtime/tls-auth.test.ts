// Peers: promtool prometheus openssl
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import bcrypt from 'bcryptjs'
import t from 'tap'
import { makeCertificates } from '../helpers/certificates.js'
import { expectLog, get, samples, secret, startExporter, testExporter } from '../helpers/exporter-process.js'
import { waitFor } from '../helpers/ports.js'
import { startPrometheus } from '../helpers/prometheus.js'

const dir = mkdtempSync(join(tmpdir(), 'promkit-tls-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const certs = makeCertificates(dir)
const password = secret('s3cret-Pa55')
const hash = secret(bcrypt.hashSync(password, 10))
const basic = (user: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`,
})

function webConfig(name: string, yaml: string): string {
  const path = join(dir, name)
  writeFileSync(path, yaml)
  return path
}

const httpsWithAuth = `tls_server_config:
  cert_file: server.crt
  key_file: server.key
http_server_config:
  headers:
    X-Frame-Options: deny
basic_auth_users:
  alice: ${hash}
`

t.test(
  'HTTPS with basic auth: right, wrong, unknown user, health without credentials, headers, no secrets in logs',
  async (t) => {
    const config = webConfig('https-auth.yml', httpsWithAuth)
    const exporter = await startExporter(t, testExporter, ['--web.config.file', config, '--log.level', 'debug'], {
      scheme: 'https',
    })
    const ca = certs.pem.ca
    const missing = await get(`${exporter.base}/metrics`, { ca })
    t.same([missing.status, missing.headers['www-authenticate'], missing.text], [401, 'Basic', 'Unauthorized\n'])
    const right = await get(`${exporter.base}/metrics`, { ca, headers: basic('alice', password) })
    t.equal(right.status, 200)
    t.same(samples(right.text, 'test_steady_value'), ['test_steady_value 42'])
    t.equal(right.headers['x-frame-options'], 'deny')
    const wrong = await get(`${exporter.base}/metrics`, { ca, headers: basic('alice', 'guess') })
    t.same([wrong.status, wrong.headers['www-authenticate']], [401, 'Basic'])
    t.equal((await get(`${exporter.base}/metrics`, { ca, headers: basic('mallory', password) })).status, 401)
    t.same(
      [(await get(`${exporter.base}/healthz`, { ca })).status, (await get(`${exporter.base}/`, { ca })).status],
      [200, 401],
      'health answers probes without credentials; the landing page does not',
    )
    // Which hash an unknown user costs, and what is remembered, is checked exactly in test/runtime/parts.test.ts.
    const repeated = await Promise.all(
      Array.from({ length: 5 }, () => get(`${exporter.base}/metrics`, { ca, headers: basic('nobody', 'nope') })),
    )
    t.same(
      repeated.map((answer) => answer.status),
      [401, 401, 401, 401, 401],
      'a repeated wrong login is refused every time',
    )
    t.equal(
      (await get(`${exporter.base}/metrics`, { ca, headers: basic('alice', password) })).status,
      200,
      'and the right one still passes',
    )
    await expectLog(t, exporter, /refused request: bad or missing basic auth credentials/)
    const log = exporter.stderr()
    t.match(log, /listening on 127\.0\.0\.1:\d+ \(TLS, client auth NoClientCert\)/)
    t.notMatch(log, new RegExp(hash.replace(/[$./]/g, '\\$&')), 'the bcrypt hash is never logged')
    t.notMatch(log, new RegExp(password), 'the password is never logged')
    t.match(log, /refused request: bad or missing basic auth credentials/)
  },
)

t.test('mTLS with RequireAndVerifyClientCert refuses clients without a valid certificate', async (t) => {
  const config = webConfig(
    'mtls.yml',
    `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n`,
  )
  const exporter = await startExporter(t, testExporter, ['--web.config.file', config], { scheme: 'https' })
  const ca = certs.pem.ca
  await t.rejects(get(`${exporter.base}/metrics`, { ca }), 'no client certificate: the handshake fails')
  await t.rejects(
    get(`${exporter.base}/metrics`, { ca, cert: certs.pem.rogue, key: certs.pem.rogueKey }),
    'a certificate from another CA: the handshake fails',
  )
  const ok = await get(`${exporter.base}/metrics`, { ca, cert: certs.pem.client, key: certs.pem.clientKey })
  t.equal(ok.status, 200)
  const sans = webConfig(
    'sans.yml',
    `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n  client_allowed_sans: [grafana.internal]\n`,
  )
  const strict = await startExporter(t, testExporter, ['--web.config.file', sans], { scheme: 'https' })
  const refused = await get(`${strict.base}/metrics`, { ca, cert: certs.pem.client, key: certs.pem.clientKey })
  t.same([refused.status, refused.text], [403, 'the client certificate has no allowed subject alternative name\n'])
  const noSans = await get(`${strict.base}/metrics`, { ca, cert: certs.pem.plain, key: certs.pem.plainKey })
  t.same(
    [noSans.status, noSans.text],
    [403, 'the client certificate has no allowed subject alternative name\n'],
    'a certificate without SANs',
  )
  const optional = webConfig(
    'optional.yml',
    `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n  client_auth_type: VerifyClientCertIfGiven\n`,
  )
  const lenient = await startExporter(t, testExporter, ['--web.config.file', optional], { scheme: 'https' })
  t.equal((await get(`${lenient.base}/metrics`, { ca })).status, 200, 'no certificate is fine')
  t.equal((await get(`${lenient.base}/metrics`, { ca, cert: certs.pem.client, key: certs.pem.clientKey })).status, 200)
  const rogue = await get(`${lenient.base}/metrics`, { ca, cert: certs.pem.rogue, key: certs.pem.rogueKey })
  t.equal(rogue.status, 403, 'an invalid certificate is not')
  const anyCert = webConfig(
    'any.yml',
    `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAnyClientCert\n`,
  )
  const any = await startExporter(t, testExporter, ['--web.config.file', anyCert], { scheme: 'https' })
  t.same(
    [
      (await get(`${any.base}/metrics`, { ca })).status,
      (await get(`${any.base}/metrics`, { ca, cert: certs.pem.rogue, key: certs.pem.rogueKey })).status,
    ],
    [403, 200],
  )
})

function peerCertificate(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // Not verified: the rotated certificate comes from a new CA; only its fingerprint matters here.
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256)
      socket.end()
    })
    socket.on('error', reject)
  })
}

t.test(
  'the web config is re-read on SIGHUP and when the file changes; a bad one is refused and the old one kept',
  async (t) => {
    const config = webConfig('reload.yml', httpsWithAuth)
    const exporter = await startExporter(t, testExporter, ['--web.config.file', config], { scheme: 'https' })
    const ca = certs.pem.ca
    const newHash = bcrypt.hashSync('rotated', 4)
    writeFileSync(config, httpsWithAuth.replace(`alice: ${hash}`, `bob: ${newHash}`))
    exporter.child.kill('SIGHUP')
    await waitFor(
      'the reload',
      async () =>
        (await get(`${exporter.base}/metrics`, { ca, headers: basic('bob', 'rotated') })).status === 200
          ? true
          : undefined,
      10_000,
      100,
    )
    t.equal(
      (await get(`${exporter.base}/metrics`, { ca, headers: basic('alice', password) })).status,
      401,
      'the old user is gone',
    )
    await expectLog(t, exporter, /users=1 tls=true msg="reloaded web config"/)
    writeFileSync(config, 'basic_auth_users:\n  carol: not-a-hash\n')
    await waitFor(
      'the refusal of the bad file',
      async () => (exporter.stderr().includes('kept the previous web config') ? true : undefined),
      10_000,
      50,
    )
    await expectLog(
      t,
      exporter,
      /kept the previous web config: web config \S+: basic_auth_users\.carol: is not a bcrypt hash/,
    )
    writeFileSync(config, `basic_auth_users:\n  bob: ${newHash}\n`)
    await waitFor(
      'the refusal to drop TLS',
      async () => (exporter.stderr().includes('needs a restart') ? true : undefined),
      10_000,
      50,
    )
    t.equal(
      (await get(`${exporter.base}/metrics`, { ca, headers: basic('bob', 'rotated') })).status,
      200,
      'still serving with the previous config',
    )
    const before = await peerCertificate(exporter.port)
    makeCertificates(dir)
    writeFileSync(config, `${httpsWithAuth.replace(`alice: ${hash}`, `bob: ${newHash}`)}\n`)
    await waitFor(
      'the new certificate',
      async () => ((await peerCertificate(exporter.port).catch(() => before)) !== before ? true : undefined),
      10_000,
      100,
    )
    t.pass('a rotated certificate is served without a restart')
    t.notMatch(exporter.stderr(), /rotated|\$2b\$/, 'no password or hash in the log')
  },
)

t.test(
  'an expired certificate: the exporter starts and warns, naming the file; plain HTTP to the port gets a 400 that says why',
  async (t) => {
    const config = webConfig('expired.yml', 'tls_server_config:\n  cert_file: expired.crt\n  key_file: expired.key\n')
    const exporter = await startExporter(t, testExporter, ['--web.config.file', config], { scheme: 'https' })
    await expectLog(
      t,
      exporter,
      new RegExp(
        `level=warn ts=\\S+ file=${config.replace(/[.]/g, '\\.')} msg="tls_server_config\\.cert_file: the certificate \\\\"expired\\.crt\\\\" expired on Jan  2 00:00:00 2020 GMT; clients will refuse it"`,
      ),
    )
    const plain = await get(`http://127.0.0.1:${exporter.port}/metrics`)
    t.same([plain.status, plain.text], [400, 'Client sent an HTTP request to an HTTPS server.\n'])
  },
)

t.test('a real Prometheus scrapes the exporter over HTTPS with basic auth', async (t) => {
  const fresh = makeCertificates(mkdtempSync(join(dir, 'prom-')))
  const config = webConfig(
    'prometheus-target.yml',
    httpsWithAuth
      .replace('server.crt', join(fresh.dir, 'server.crt'))
      .replace('server.key', join(fresh.dir, 'server.key')),
  )
  const exporter = await startExporter(t, testExporter, ['--web.config.file', config], { scheme: 'https' })
  const prometheus = await startPrometheus(`  - job_name: test_exporter
    scheme: https
    tls_config:
      ca_file: ${fresh.caCert}
    basic_auth:
      username: alice
      password: ${password}
    static_configs:
      - targets: ['127.0.0.1:${exporter.port}']
`)
  t.teardown(() => prometheus.stop())
  const up = await waitFor('Prometheus to scrape the exporter', async () => {
    const [sample] = await prometheus.query('up{job="test_exporter"}')
    return sample?.value[1] === '1' ? sample : undefined
  })
  t.equal(up.value[1], '1')
  const [steady] = await prometheus.query('test_steady_value')
  t.equal(steady?.value[1], '42')
  const [build] = await prometheus.query('test_exporter_build_info')
  t.match(build?.metric, { version: '1.2.3', revision: 'abc123' })
})
