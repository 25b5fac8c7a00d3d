import type { X509Certificate } from 'node:crypto'
import type { SecureVersion } from 'node:tls'
import { quote } from '../errors.js'
import { ConfigReader } from './config-reader.js'

/** exporter-toolkit's client authentication policies (Go's tls.ClientAuthType names). */
export type ClientAuthType =
  | 'NoClientCert'
  | 'RequestClientCert'
  | 'RequireAnyClientCert'
  | 'VerifyClientCertIfGiven'
  | 'RequireAndVerifyClientCert'

/** The TLS part of a web config, ready for node:tls. */
export interface TlsSettings {
  readonly cert: string
  readonly key: string
  readonly ca: string | undefined
  readonly clientAuth: ClientAuthType
  readonly minVersion: SecureVersion
  readonly maxVersion: SecureVersion
  readonly honorCipherOrder: boolean
  /** When set, a client certificate must have one of these subject alternative names. */
  readonly allowedSans: readonly string[] | undefined
}

/** A validated `--web.config.file`. */
export interface WebConfig {
  readonly tls: TlsSettings | undefined
  /** Response headers to add (only the ones exporter-toolkit allows). */
  readonly headers: Readonly<Record<string, string>>
  /** User name → bcrypt hash. Empty means no basic auth. */
  readonly users: ReadonlyMap<string, string>
  /** Keys that are valid in exporter-toolkit but that promkit does not apply; logged as warnings. */
  readonly ignored: readonly string[]
  /** What works but will not for long (an expired certificate); logged as warnings. */
  readonly warnings: readonly string[]
}

/** The config when no file is given: plain HTTP, no auth. */
export const emptyWebConfig: WebConfig = Object.freeze({
  tls: undefined,
  headers: {},
  users: new Map(),
  ignored: [],
  warnings: [],
})

const clientAuthTypes: readonly ClientAuthType[] = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
]
const tlsVersions: Readonly<Record<string, SecureVersion>> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
}
/** The versions from oldest to newest, as `tlsVersions` lists them. */
const tlsVersionOrder: readonly SecureVersion[] = Object.values(tlsVersions)
const allowedHeaders = [
  'Content-Security-Policy',
  'X-Frame-Options',
  'X-Content-Type-Options',
  'X-XSS-Protection',
  'Strict-Transport-Security',
]
const headerValues: Readonly<Record<string, readonly string[]>> = {
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-Content-Type-Options': ['nosniff'],
}
const bcryptHash = /^\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}$/

async function readTls(
  reader: ConfigReader,
  value: unknown,
  ignored: string[],
  warnings: string[],
): Promise<TlsSettings | undefined> {
  const where = 'tls_server_config'
  const known = [
    'cert',
    'key',
    'client_ca',
    'cert_file',
    'key_file',
    'client_ca_file',
    'client_auth_type',
    'client_allowed_sans',
    'min_version',
    'max_version',
    'cipher_suites',
    'prefer_server_cipher_suites',
    'curve_preferences',
  ]
  const fields = reader.section(value, where, known)
  if (Object.keys(fields).length === 0) return undefined
  for (const key of ['cipher_suites', 'curve_preferences'])
    if (fields[key] !== undefined) ignored.push(`${where}.${key}`)
  const cert = await reader.file(fields, 'cert', 'cert_file', where)
  const key = await reader.file(fields, 'key', 'key_file', where)
  if (cert === undefined || key === undefined)
    reader.fail(where, 'needs a certificate and a key (cert_file and key_file, or cert and key)')
  const [certificate] = reader.certificates(cert) as [X509Certificate]
  if (!certificate.checkPrivateKey(reader.privateKey(key)))
    reader.fail(where, `the certificate (${cert.source}) and the key (${key.source}) do not belong together`)
  if (Date.parse(certificate.validTo) < Date.now())
    warnings.push(
      `${cert.key}: the certificate ${cert.named} expired on ${certificate.validTo}; clients will refuse it`,
    )
  const ca = await reader.file(fields, 'client_ca', 'client_ca_file', where)
  if (ca) reader.certificates(ca)
  const clientAuth = (reader.string(fields, 'client_auth_type', where) ?? 'NoClientCert') as ClientAuthType
  if (!clientAuthTypes.includes(clientAuth))
    reader.fail(`${where}.client_auth_type`, `${quote(clientAuth)} is not one of ${clientAuthTypes.join(', ')}`)
  if (clientAuth === 'RequireAndVerifyClientCert' && ca === undefined)
    reader.fail(where, 'client_auth_type RequireAndVerifyClientCert needs client_ca_file (or client_ca)')
  const version = (name: string, fallback: SecureVersion): SecureVersion => {
    const text = reader.string(fields, name, where)
    if (text === undefined) return fallback
    return (
      tlsVersions[text] ??
      reader.fail(`${where}.${name}`, `${quote(text)} is not one of ${Object.keys(tlsVersions).join(', ')}`)
    )
  }
  const sans = fields.client_allowed_sans
  if (sans !== undefined && (!Array.isArray(sans) || !sans.every((san) => typeof san === 'string')))
    reader.fail(`${where}.client_allowed_sans`, 'must be a list of strings')
  const minVersion = version('min_version', 'TLSv1.2')
  const maxVersion = version('max_version', 'TLSv1.3')
  if (tlsVersionOrder.indexOf(minVersion) > tlsVersionOrder.indexOf(maxVersion))
    reader.fail(where, `min_version (${minVersion}) is above max_version (${maxVersion}): no handshake could succeed`)
  const honor = fields.prefer_server_cipher_suites ?? true
  if (typeof honor !== 'boolean') reader.fail(`${where}.prefer_server_cipher_suites`, 'must be true or false')
  return {
    cert: cert.text,
    key: key.text,
    ca: ca?.text,
    clientAuth,
    minVersion,
    maxVersion,
    honorCipherOrder: honor,
    allowedSans: sans as string[] | undefined,
  }
}

/**
 * Reads and validates a web config file in exporter-toolkit's format. Unknown
 * keys and bad values are refused with the key's path; secrets (keys, hashes)
 * never appear in a message. Relative file names are resolved from the config
 * file's folder.
 */
export async function loadWebConfig(path: string): Promise<WebConfig> {
  const reader: ConfigReader = new ConfigReader('web config', path)
  const document = await reader.document()
  const top = reader.section(document, '', [
    'tls_server_config',
    'http_server_config',
    'basic_auth_users',
    'rate_limit',
  ])
  const ignored: string[] = []
  const warnings: string[] = []
  if (top.rate_limit !== undefined) ignored.push('rate_limit')
  const tls = await readTls(reader, top.tls_server_config, ignored, warnings)
  const http = reader.section(top.http_server_config, 'http_server_config', ['http2', 'headers'])
  if (http.http2 !== undefined) ignored.push('http_server_config.http2')
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(
    reader.section(http.headers, 'http_server_config.headers', allowedHeaders),
  )) {
    if (typeof value !== 'string') reader.fail(`http_server_config.headers.${name}`, 'must be a string')
    const accepted = headerValues[name]
    if (accepted && !accepted.includes(value.toLowerCase()))
      reader.fail(`http_server_config.headers.${name}`, `${quote(value)} is not one of ${accepted.join(', ')}`)
    if (value !== '') headers[name] = value
  }
  const users = new Map<string, string>()
  const userSection = top.basic_auth_users ?? {}
  if (typeof userSection !== 'object' || userSection === null || Array.isArray(userSection))
    reader.fail('basic_auth_users', 'must be a mapping of user name to bcrypt hash')
  for (const [user, hash] of Object.entries(userSection)) {
    // Never quote the value: it is a secret.
    if (typeof hash !== 'string' || !bcryptHash.test(hash))
      reader.fail(
        `basic_auth_users.${user}`,
        'is not a bcrypt hash (make one with: htpasswd -nBC 10 "" | tr -d \':\\n\')',
      )
    users.set(user, hash)
  }
  return Object.freeze({
    tls,
    headers: Object.freeze(headers),
    users,
    ignored: Object.freeze(ignored),
    warnings: Object.freeze(warnings),
  })
}
