import { isIP } from 'node:net'
import { quote } from 'promkit'
import type { ConfigReader, Fields } from 'promkit/exporter'
import { type QueryClass, queryClasses, queryNameProblem, queryTypeNumber, rcodeNames } from './dns-records.js'

/** The module blackbox_exporter probes with when `/probe` (or a listed target) names none. */
export const defaultModule = 'http_2xx'

/** Which IP version a target's name is resolved to first. */
export type IpProtocol = 'ip4' | 'ip6'

/** `tls_config` of a module, its files read. */
export interface ProbeTlsConfig {
  readonly ca: string | undefined
  readonly cert: string | undefined
  readonly key: string | undefined
  readonly serverName: string | undefined
  readonly insecureSkipVerify: boolean
  readonly minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' | undefined
}

/** `fail_if_header_matches` / `fail_if_header_not_matches` entries. */
export interface HeaderMatch {
  readonly header: string
  readonly regexp: RegExp
  readonly allowMissing: boolean
}

/** An `http` module, with blackbox_exporter's defaults filled in. */
export interface HttpProbeConfig {
  /** Empty: any 2xx. */
  readonly validStatusCodes: readonly number[]
  /** Empty: any; else e.g. `HTTP/1.1`. */
  readonly validHttpVersions: readonly string[]
  readonly method: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | undefined
  readonly noFollowRedirects: boolean
  readonly failIfSsl: boolean
  readonly failIfNotSsl: boolean
  readonly failIfBodyMatches: readonly RegExp[]
  readonly failIfBodyNotMatches: readonly RegExp[]
  readonly failIfHeaderMatches: readonly HeaderMatch[]
  readonly failIfHeaderNotMatches: readonly HeaderMatch[]
  readonly tls: ProbeTlsConfig
  readonly basicAuth: { readonly username: string; readonly password: string } | undefined
  readonly bearerToken: string | undefined
  /** An http:// proxy every request goes through (CONNECT for https). */
  readonly proxyUrl: URL | undefined
  readonly preferredIpProtocol: IpProtocol
  readonly ipProtocolFallback: boolean
  /** The `Accept-Encoding` asked for and decoded; '' asks for none. */
  readonly compression: '' | 'gzip' | 'deflate' | 'br' | 'identity'
  /** Bytes of body read at most; 0: no limit. */
  readonly bodySizeLimit: number
}

/** One `query_response` step of a `tcp` module. */
export interface QueryStep {
  readonly expect: RegExp | undefined
  readonly send: string | undefined
  readonly starttls: boolean
}

/** A `tcp` module, with blackbox_exporter's defaults filled in. */
export interface TcpProbeConfig {
  readonly queryResponse: readonly QueryStep[]
  readonly tls: boolean
  readonly tlsConfig: ProbeTlsConfig
  readonly preferredIpProtocol: IpProtocol
  readonly ipProtocolFallback: boolean
}

/** A `validate_*_rrs` section of a `dns` module: regexps matched against each record of one section as text. */
export interface RecordChecks {
  /** Fails when any record matches any of them. */
  readonly failIfMatches: readonly RegExp[]
  /**
   * Fails unless every record matches every one of them: blackbox_exporter's meaning despite the name (it passes
   * when all match); no records pass.
   */
  readonly failIfAllMatch: readonly RegExp[]
  /** Fails when any record does not match one of them, or there are no records. */
  readonly failIfNotMatches: readonly RegExp[]
  /** Fails unless some record matches one of them; no records fail. */
  readonly failIfNoneMatches: readonly RegExp[]
}

/** A `dns` module, with blackbox_exporter's defaults filled in. */
export interface DnsProbeConfig {
  readonly queryName: string
  /** The type's name (`ANY` by default) and number. */
  readonly queryType: { readonly name: string; readonly number: number }
  readonly queryClass: QueryClass
  readonly transportProtocol: 'udp' | 'tcp'
  readonly dnsOverTls: boolean
  readonly tlsConfig: ProbeTlsConfig
  readonly recursionDesired: boolean
  /** The rcodes that make the probe succeed; NOERROR by default. */
  readonly validRcodes: readonly string[]
  readonly validateAnswer: RecordChecks
  readonly validateAuthority: RecordChecks
  readonly validateAdditional: RecordChecks
  /** The local address queries are sent from. */
  readonly sourceIpAddress: string | undefined
  readonly preferredIpProtocol: IpProtocol
  readonly ipProtocolFallback: boolean
}

/** A `grpc` module, with blackbox_exporter's defaults filled in. */
export interface GrpcProbeConfig {
  /** The service whose health is asked for; '' (the default) is the server's overall health. */
  readonly service: string
  readonly tls: boolean
  readonly tlsConfig: ProbeTlsConfig
  readonly preferredIpProtocol: IpProtocol
  readonly ipProtocolFallback: boolean
}

/** A module of the config file: a prober and its settings. */
export type ProbeModule = (
  | { readonly prober: 'http'; readonly timeoutMs: number; readonly http: HttpProbeConfig }
  | { readonly prober: 'tcp'; readonly timeoutMs: number; readonly tcp: TcpProbeConfig }
  | { readonly prober: 'dns'; readonly timeoutMs: number; readonly dns: DnsProbeConfig }
  | { readonly prober: 'grpc'; readonly timeoutMs: number; readonly grpc: GrpcProbeConfig }
) & {
  /** The module as the file has it, for the debug page. */
  readonly written: unknown
}

/** The probers blackbox_exporter has that this exporter does not (yet): refused by name. */
const otherProbers = ['icmp']

const tlsVersions: Readonly<Record<string, ProbeTlsConfig['minVersion']>> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
}

/** Keys blackbox_exporter knows in an `http` module that this exporter does not apply: refused, never ignored. */
const unsupportedHttpKeys = [
  'skip_resolve_phase_with_proxy',
  'bearer_token_file',
  'authorization',
  'oauth2',
  'follow_redirects',
  'enable_http2',
  'proxy_connect_header',
]

async function readTlsConfig(reader: ConfigReader, value: unknown, where: string): Promise<ProbeTlsConfig> {
  const fields = reader.section(value, where, [
    'ca_file',
    'cert_file',
    'key_file',
    'server_name',
    'insecure_skip_verify',
    'min_version',
  ])
  const file = async (key: string) => {
    const name = reader.string(fields, key, where)
    return name === undefined ? undefined : (await reader.readFile(name, `${where}.${key}`)).text
  }
  const [ca, cert, key] = [await file('ca_file'), await file('cert_file'), await file('key_file')]
  if ((cert === undefined) !== (key === undefined)) reader.fail(where, 'cert_file and key_file go together')
  const minimum = reader.string(fields, 'min_version', where)
  if (minimum !== undefined && !Object.hasOwn(tlsVersions, minimum))
    reader.fail(`${where}.min_version`, `${quote(minimum)} is not one of ${Object.keys(tlsVersions).join(', ')}`)
  return {
    ca,
    cert,
    key,
    serverName: reader.string(fields, 'server_name', where),
    insecureSkipVerify: reader.boolean(fields, 'insecure_skip_verify', where) ?? false,
    minVersion: minimum === undefined ? undefined : tlsVersions[minimum],
  }
}

function ipProtocol(reader: ConfigReader, fields: Fields, where: string): IpProtocol {
  const value = reader.string(fields, 'preferred_ip_protocol', where) ?? 'ip6'
  if (value !== 'ip4' && value !== 'ip6')
    reader.fail(`${where}.preferred_ip_protocol`, `${quote(value)} is not ip4 or ip6`)
  return value
}

function headerMatches(reader: ConfigReader, fields: Fields, key: string, where: string): HeaderMatch[] {
  return reader.list(fields, key, where, (value, path) => {
    const entry = reader.section(value, path, ['header', 'regexp', 'allow_missing'])
    const header = reader.string(entry, 'header', path)
    if (header === undefined) reader.fail(path, 'needs a header')
    return {
      header,
      regexp: reader.regexp(entry.regexp, `${path}.regexp`),
      allowMissing: reader.boolean(entry, 'allow_missing', path) ?? false,
    }
  })
}

async function readHttp(reader: ConfigReader, value: unknown, where: string): Promise<HttpProbeConfig> {
  const known = [
    'valid_status_codes',
    'valid_http_versions',
    'method',
    'headers',
    'body',
    'no_follow_redirects',
    'fail_if_ssl',
    'fail_if_not_ssl',
    'fail_if_body_matches_regexp',
    'fail_if_body_not_matches_regexp',
    'fail_if_header_matches',
    'fail_if_header_not_matches',
    'tls_config',
    'basic_auth',
    'bearer_token',
    'proxy_url',
    'preferred_ip_protocol',
    'ip_protocol_fallback',
    'compression',
    'body_size_limit',
    ...unsupportedHttpKeys,
  ]
  const fields = reader.section(value, where, known)
  for (const key of unsupportedHttpKeys)
    if (fields[key] !== undefined) reader.fail(`${where}.${key}`, 'is not supported by probe_exporter')
  const statusCodes = reader.list(fields, 'valid_status_codes', where, (code, path) =>
    Number.isInteger(code) && (code as number) >= 100 && (code as number) <= 599
      ? (code as number)
      : reader.fail(path, 'must be an HTTP status code (100 to 599)'),
  )
  const headers: Record<string, string> = {}
  for (const [name, text] of Object.entries(reader.mapping(fields.headers, `${where}.headers`))) {
    if (typeof text !== 'string') reader.fail(`${where}.headers.${name}`, 'must be a string')
    headers[name] = text
  }
  const auth = reader.section(fields.basic_auth, `${where}.basic_auth`, ['username', 'password', 'password_file'])
  const username = reader.string(auth, 'username', `${where}.basic_auth`)
  const passwordFile = reader.string(auth, 'password_file', `${where}.basic_auth`)
  const password =
    passwordFile === undefined
      ? (reader.string(auth, 'password', `${where}.basic_auth`) ?? '')
      : (await reader.readFile(passwordFile, `${where}.basic_auth.password_file`)).text.trim()
  const proxy = reader.string(fields, 'proxy_url', where)
  const proxyUrl = proxy !== undefined && URL.canParse(proxy) ? new URL(proxy) : undefined
  if (proxy !== undefined && proxyUrl?.protocol !== 'http:')
    reader.fail(`${where}.proxy_url`, 'must be an http:// URL (a proxy reached in plain HTTP)')
  const compression = reader.string(fields, 'compression', where) ?? ''
  if (!['', 'gzip', 'deflate', 'br', 'identity'].includes(compression))
    reader.fail(`${where}.compression`, `${quote(compression)} is not one of gzip, deflate, br, identity`)
  const limit = fields.body_size_limit ?? 0
  if (!Number.isInteger(limit) || (limit as number) < 0)
    reader.fail(`${where}.body_size_limit`, 'must be a number of bytes (0: no limit)')
  const regexps = (key: string) => reader.list(fields, key, where, (text, path) => reader.regexp(text, path))
  return {
    validStatusCodes: statusCodes,
    validHttpVersions: reader.strings(fields, 'valid_http_versions', where),
    method: reader.string(fields, 'method', where) ?? 'GET',
    headers,
    body: reader.string(fields, 'body', where),
    noFollowRedirects: reader.boolean(fields, 'no_follow_redirects', where) ?? false,
    failIfSsl: reader.boolean(fields, 'fail_if_ssl', where) ?? false,
    failIfNotSsl: reader.boolean(fields, 'fail_if_not_ssl', where) ?? false,
    failIfBodyMatches: regexps('fail_if_body_matches_regexp'),
    failIfBodyNotMatches: regexps('fail_if_body_not_matches_regexp'),
    failIfHeaderMatches: headerMatches(reader, fields, 'fail_if_header_matches', where),
    failIfHeaderNotMatches: headerMatches(reader, fields, 'fail_if_header_not_matches', where),
    tls: await readTlsConfig(reader, fields.tls_config, `${where}.tls_config`),
    basicAuth: username === undefined ? undefined : { username, password },
    bearerToken: reader.string(fields, 'bearer_token', where),
    proxyUrl,
    preferredIpProtocol: ipProtocol(reader, fields, where),
    ipProtocolFallback: reader.boolean(fields, 'ip_protocol_fallback', where) ?? true,
    compression: compression as HttpProbeConfig['compression'],
    bodySizeLimit: limit as number,
  }
}

async function readTcp(reader: ConfigReader, value: unknown, where: string): Promise<TcpProbeConfig> {
  const fields = reader.section(value, where, [
    'query_response',
    'tls',
    'tls_config',
    'preferred_ip_protocol',
    'ip_protocol_fallback',
  ])
  return {
    queryResponse: reader.list(fields, 'query_response', where, (step, path) => {
      const entry = reader.section(step, path, ['expect', 'send', 'starttls'])
      return {
        expect: entry.expect === undefined ? undefined : reader.regexp(entry.expect, `${path}.expect`),
        send: reader.string(entry, 'send', path),
        starttls: reader.boolean(entry, 'starttls', path) ?? false,
      }
    }),
    tls: reader.boolean(fields, 'tls', where) ?? false,
    tlsConfig: await readTlsConfig(reader, fields.tls_config, `${where}.tls_config`),
    preferredIpProtocol: ipProtocol(reader, fields, where),
    ipProtocolFallback: reader.boolean(fields, 'ip_protocol_fallback', where) ?? true,
  }
}

function recordChecks(reader: ConfigReader, value: unknown, where: string): RecordChecks {
  const keys = ['fail_if_matches_regexp', 'fail_if_all_match_regexp', 'fail_if_not_matches_regexp']
  const fields = reader.section(value, where, [...keys, 'fail_if_none_matches_regexp'])
  const regexps = (key: string) => reader.list(fields, key, where, (text, path) => reader.regexp(text, path))
  return {
    failIfMatches: regexps('fail_if_matches_regexp'),
    failIfAllMatch: regexps('fail_if_all_match_regexp'),
    failIfNotMatches: regexps('fail_if_not_matches_regexp'),
    failIfNoneMatches: regexps('fail_if_none_matches_regexp'),
  }
}

async function readDns(reader: ConfigReader, value: unknown, where: string): Promise<DnsProbeConfig> {
  const fields = reader.section(value, where, [
    'query_name',
    'query_type',
    'query_class',
    'transport_protocol',
    'dns_over_tls',
    'tls_config',
    'recursion_desired',
    'valid_rcodes',
    'validate_answer_rrs',
    'validate_authority_rrs',
    'validate_additional_rrs',
    'source_ip_address',
    'preferred_ip_protocol',
    'ip_protocol_fallback',
  ])
  const queryName = reader.string(fields, 'query_name', where)
  if (queryName === undefined || queryName === '') reader.fail(`${where}.query_name`, 'must be set for a dns module')
  const nameProblem = queryNameProblem(queryName)
  if (nameProblem !== undefined) reader.fail(`${where}.query_name`, `${quote(queryName)} ${nameProblem}`)
  const typeName = reader.string(fields, 'query_type', where) ?? 'ANY'
  const typeNumber = queryTypeNumber(typeName)
  if (typeNumber === undefined)
    reader.fail(`${where}.query_type`, `${quote(typeName)} is not a DNS record type (e.g. A, AAAA, MX, SOA, TYPE65534)`)
  const queryClass = reader.string(fields, 'query_class', where) ?? 'IN'
  if (!(queryClasses as readonly string[]).includes(queryClass))
    reader.fail(`${where}.query_class`, `${quote(queryClass)} is not one of ${queryClasses.join(', ')}`)
  const transport = reader.string(fields, 'transport_protocol', where) ?? 'udp'
  if (transport !== 'udp' && transport !== 'tcp')
    reader.fail(`${where}.transport_protocol`, `${quote(transport)} is not udp or tcp`)
  const dnsOverTls = reader.boolean(fields, 'dns_over_tls', where) ?? false
  if (dnsOverTls && transport !== 'tcp')
    reader.fail(`${where}.dns_over_tls`, 'needs transport_protocol: tcp (DNS over TLS runs over TCP)')
  const validRcodes = reader.strings(fields, 'valid_rcodes', where)
  const unknownRcode = validRcodes.find((rcode) => !(rcodeNames as readonly string[]).includes(rcode))
  if (unknownRcode !== undefined)
    reader.fail(`${where}.valid_rcodes`, `${quote(unknownRcode)} is not one of ${rcodeNames.join(', ')}`)
  const source = reader.string(fields, 'source_ip_address', where)
  if (source !== undefined && isIP(source) === 0)
    reader.fail(`${where}.source_ip_address`, `${quote(source)} is not an IP address`)
  return {
    queryName,
    queryType: { name: typeName, number: typeNumber },
    queryClass: queryClass as QueryClass,
    transportProtocol: transport,
    dnsOverTls,
    tlsConfig: await readTlsConfig(reader, fields.tls_config, `${where}.tls_config`),
    recursionDesired: reader.boolean(fields, 'recursion_desired', where) ?? true,
    validRcodes: validRcodes.length === 0 ? ['NOERROR'] : validRcodes,
    validateAnswer: recordChecks(reader, fields.validate_answer_rrs, `${where}.validate_answer_rrs`),
    validateAuthority: recordChecks(reader, fields.validate_authority_rrs, `${where}.validate_authority_rrs`),
    validateAdditional: recordChecks(reader, fields.validate_additional_rrs, `${where}.validate_additional_rrs`),
    sourceIpAddress: source,
    preferredIpProtocol: ipProtocol(reader, fields, where),
    ipProtocolFallback: reader.boolean(fields, 'ip_protocol_fallback', where) ?? true,
  }
}

async function readGrpc(reader: ConfigReader, value: unknown, where: string): Promise<GrpcProbeConfig> {
  const fields = reader.section(value, where, [
    'service',
    'tls',
    'tls_config',
    'preferred_ip_protocol',
    'ip_protocol_fallback',
  ])
  return {
    service: reader.string(fields, 'service', where) ?? '',
    tls: reader.boolean(fields, 'tls', where) ?? false,
    tlsConfig: await readTlsConfig(reader, fields.tls_config, `${where}.tls_config`),
    preferredIpProtocol: ipProtocol(reader, fields, where),
    ipProtocolFallback: reader.boolean(fields, 'ip_protocol_fallback', where) ?? true,
  }
}

/**
 * Reads a blackbox_exporter module file (`modules: {name: {prober, timeout,
 * http|tcp|dns|grpc}}`): every key checked, unknown ones refused with their path,
 * regexps compiled, files read, blackbox_exporter's defaults filled in.
 */
export async function readModules(reader: ConfigReader): Promise<ReadonlyMap<string, ProbeModule>> {
  const top = reader.section(await reader.document(), '', ['modules'])
  const modules = new Map<string, ProbeModule>()
  for (const [name, value] of Object.entries(reader.mapping(top.modules, 'modules'))) {
    const where = `modules.${name}`
    const fields = reader.section(value, where, ['prober', 'timeout', 'http', 'tcp', 'dns', 'grpc', ...otherProbers])
    const prober = reader.string(fields, 'prober', where)
    const timeoutMs = reader.duration(fields, 'timeout', where) ?? 0
    if (prober === 'http')
      modules.set(name, {
        prober,
        timeoutMs,
        written: value,
        http: await readHttp(reader, fields.http, `${where}.http`),
      })
    else if (prober === 'tcp')
      modules.set(name, { prober, timeoutMs, written: value, tcp: await readTcp(reader, fields.tcp, `${where}.tcp`) })
    else if (prober === 'dns')
      modules.set(name, { prober, timeoutMs, written: value, dns: await readDns(reader, fields.dns, `${where}.dns`) })
    else if (prober === 'grpc')
      modules.set(name, {
        prober,
        timeoutMs,
        written: value,
        grpc: await readGrpc(reader, fields.grpc, `${where}.grpc`),
      })
    else if (prober !== undefined && otherProbers.includes(prober))
      reader.fail(`${where}.prober`, `${prober} is not supported by probe_exporter (http, tcp, dns and grpc are)`)
    else reader.fail(`${where}.prober`, prober === undefined ? 'is missing' : `${quote(prober)} is not a prober`)
  }
  return modules
}
