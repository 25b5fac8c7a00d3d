// Peers: openssl
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadWebConfig } from '../../src/runtime/web-config.js'
import { makeCertificates } from '../helpers/certificates.js'
import { rejects } from '../helpers/refuses.js'

const dir = mkdtempSync(join(tmpdir(), 'promkit-webconfig-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const { pem } = makeCertificates(dir)
writeFileSync(join(dir, 'not-pem.txt'), 'just some text\n')
/** Inline PEM in YAML: a block scalar, indented under its key. */
const block = (text: string) =>
  `|\n${text
    .trim()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')}\n`
const hash = '$2b$04$RjDjtMDuSMHDNjmRbjMCRuYCM/FfPz5jeuq1kTJrIG2ssvxaXmhl2'
let n = 0
function file(yaml: string): string {
  const path = join(dir, `web-${n++}.yml`)
  writeFileSync(path, yaml)
  return path
}

t.test('a full config: files relative to the config, headers, users, and ignored keys', async (t) => {
  const path = file(`tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_ca_file: ca.crt
  client_auth_type: RequireAndVerifyClientCert
  client_allowed_sans: [prometheus.internal]
  min_version: TLS13
  cipher_suites: [TLS_AES_128_GCM_SHA256]
http_server_config:
  http2: true
  headers:
    X-Frame-Options: deny
    Strict-Transport-Security: max-age=31536000
    Content-Security-Policy: ""
basic_auth_users:
  alice: ${hash}
rate_limit:
  interval: 1s
`)
  const config = await loadWebConfig(path)
  t.same(config.tls, {
    cert: pem.server,
    key: pem.serverKey,
    ca: pem.ca,
    clientAuth: 'RequireAndVerifyClientCert',
    minVersion: 'TLSv1.3',
    maxVersion: 'TLSv1.3',
    honorCipherOrder: true,
    allowedSans: ['prometheus.internal'],
  })
  t.same(config.headers, { 'X-Frame-Options': 'deny', 'Strict-Transport-Security': 'max-age=31536000' })
  t.same([...config.users.keys()], ['alice'])
  t.same(config.ignored, ['rate_limit', 'tls_server_config.cipher_suites', 'http_server_config.http2'])
  t.same(config.warnings, [])
})

t.test('an expired certificate is served, with a warning naming the file', async (t) => {
  const config = await loadWebConfig(file('tls_server_config:\n  cert_file: expired.crt\n  key_file: expired.key\n'))
  t.same(config.warnings, [
    'tls_server_config.cert_file: the certificate "expired.crt" expired on Jan  2 00:00:00 2020 GMT; clients will refuse it',
  ])
})

t.test('inline PEM and an empty file', async (t) => {
  const config = await loadWebConfig(
    file(
      `tls_server_config:\n  cert: ${block(pem.server)}  key: ${block(pem.serverKey)}  max_version: TLS12\n  prefer_server_cipher_suites: false\n`,
    ),
  )
  t.same(
    [
      config.tls?.cert,
      config.tls?.key,
      config.tls?.ca,
      config.tls?.clientAuth,
      config.tls?.minVersion,
      config.tls?.maxVersion,
      config.tls?.honorCipherOrder,
    ],
    [pem.server, pem.serverKey, undefined, 'NoClientCert', 'TLSv1.2', 'TLSv1.2', false],
  )
  const empty = await loadWebConfig(file(''))
  t.same([empty.tls, empty.headers, empty.users.size, empty.ignored], [undefined, {}, 0, []])
  t.equal((await loadWebConfig(file('tls_server_config: {}\n'))).tls, undefined)
})

t.test('every mistake names its key, and secrets never appear', async (t) => {
  const cases: [string, string][] = [
    [
      'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  colour: red\n',
      'tls_server_config.colour: unknown key (known: cert, key, client_ca, cert_file, key_file, client_ca_file, client_auth_type, client_allowed_sans, min_version, max_version, cipher_suites, prefer_server_cipher_suites, curve_preferences)',
    ],
    [
      'tls_config: {}\n',
      'tls_config: unknown key (known: tls_server_config, http_server_config, basic_auth_users, rate_limit)',
    ],
    [
      'tls_server_config:\n  cert_file: server.crt\n',
      'tls_server_config: needs a certificate and a key (cert_file and key_file, or cert and key)',
    ],
    [
      'tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n',
      'tls_server_config.cert_file: cannot read "missing.crt": ENOENT',
    ],
    [
      'tls_server_config:\n  cert: C\n  cert_file: server.crt\n  key: K\n',
      'tls_server_config: set cert or cert_file, not both',
    ],
    [
      `tls_server_config:\n  cert: ${block(pem.server)}  key: ${block(pem.serverKey)}  client_auth_type: Sometimes\n`,
      'tls_server_config.client_auth_type: "Sometimes" is not one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert',
    ],
    [
      `tls_server_config:\n  cert: ${block(pem.server)}  key: ${block(pem.serverKey)}  client_auth_type: RequireAndVerifyClientCert\n`,
      'tls_server_config: client_auth_type RequireAndVerifyClientCert needs client_ca_file (or client_ca)',
    ],
    [
      `tls_server_config:\n  cert: ${block(pem.server)}  key: ${block(pem.serverKey)}  min_version: SSL3\n`,
      'tls_server_config.min_version: "SSL3" is not one of TLS10, TLS11, TLS12, TLS13',
    ],
    [
      `tls_server_config:\n  cert: ${block(pem.server)}  key: ${block(pem.serverKey)}  client_allowed_sans: a\n`,
      'tls_server_config.client_allowed_sans: must be a list of strings',
    ],
    [
      `tls_server_config:\n  cert: ${block(pem.server)}  key: ${block(pem.serverKey)}  prefer_server_cipher_suites: maybe\n`,
      'tls_server_config.prefer_server_cipher_suites: must be true or false',
    ],
    ['tls_server_config:\n  cert: 5\n  key: K\n', 'tls_server_config.cert: must be a string'],
    ['tls_server_config: [1]\n', 'tls_server_config: must be a mapping'],
    [
      'tls_server_config:\n  cert_file: not-pem.txt\n  key_file: server.key\n',
      'tls_server_config.cert_file: "not-pem.txt" is not a PEM certificate',
    ],
    [
      'tls_server_config:\n  cert_file: server.crt\n  key_file: not-pem.txt\n',
      'tls_server_config.key_file: "not-pem.txt" is not an unencrypted PEM private key',
    ],
    [
      'tls_server_config:\n  cert: "-----BEGIN CERTIFICATE-----garbage-----END CERTIFICATE-----"\n  key_file: server.key\n',
      'tls_server_config.cert: the inline text is not a PEM certificate',
    ],
    [
      'tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n',
      'tls_server_config: the certificate (cert_file "server.crt") and the key (key_file "client.key") do not belong together',
    ],
    [
      'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: not-pem.txt\n  client_auth_type: RequireAndVerifyClientCert\n',
      'tls_server_config.client_ca_file: "not-pem.txt" is not a PEM certificate',
    ],
    [
      'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n  max_version: TLS12\n',
      'tls_server_config: min_version (TLSv1.3) is above max_version (TLSv1.2): no handshake could succeed',
    ],
    [
      'http_server_config:\n  headers:\n    X-Powered-By: me\n',
      'http_server_config.headers.X-Powered-By: unknown key (known: Content-Security-Policy, X-Frame-Options, X-Content-Type-Options, X-XSS-Protection, Strict-Transport-Security)',
    ],
    [
      'http_server_config:\n  headers:\n    X-Frame-Options: allow\n',
      'http_server_config.headers.X-Frame-Options: "allow" is not one of deny, sameorigin',
    ],
    [
      'http_server_config:\n  headers:\n    X-XSS-Protection: 1\n',
      'http_server_config.headers.X-XSS-Protection: must be a string',
    ],
    [
      'basic_auth_users:\n  bob: hunter2\n',
      'basic_auth_users.bob: is not a bcrypt hash (make one with: htpasswd -nBC 10 "" | tr -d \':\\n\')',
    ],
    ['basic_auth_users: [bob]\n', 'basic_auth_users: must be a mapping of user name to bcrypt hash'],
    [
      'a: [unclosed\n',
      'file: is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1',
    ],
  ]
  for (const [yaml, problem] of cases) {
    const path = file(yaml)
    await rejects(t, () => loadWebConfig(path), 'PROMKIT_ERR_INVALID_CONFIG', `web config ${path}: ${problem}`)
  }
  await rejects(
    t,
    () => loadWebConfig(join(dir, 'absent.yml')),
    'PROMKIT_ERR_INVALID_CONFIG',
    `web config ${join(dir, 'absent.yml')}: file: cannot be read: ENOENT`,
  )
})
