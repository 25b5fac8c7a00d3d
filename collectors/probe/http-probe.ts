import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import type { TlsInfo } from './certificates.js'
import type { HttpProbeConfig } from './config.js'
import { type ProbeConnection, type ProbeDeadline, openConnection } from './connection.js'
import { ProbeFailure, networkFailure } from './failure.js'
import { type HttpAnswer, exchange, httpAlpn } from './http-exchange.js'
import type { ProbeLog } from './probe-log.js'
import { connectThroughProxy, proxyAuthorization } from './proxy.js'
import { type ResolvedTarget, resolveTarget } from './resolve.js'

/** The phases of `probe_http_duration_seconds`, summed over every request of the redirect chain. */
export const httpPhases = ['resolve', 'connect', 'tls', 'processing', 'transfer'] as const

/** What an HTTP probe measured, success or not: the values of its `probe_http_*` families. */
export interface HttpMeasures {
  statusCode: number
  /** The Content-Length header, -1 without one (as Go reports it). */
  contentLength: number
  uncompressedBodyLength: number
  redirects: number
  /** Whether the final answer came over TLS. */
  ssl: boolean
  /** 1.1, 1.0; 0 without an answer. */
  version: number
  readonly phases: Record<(typeof httpPhases)[number], number>
  failedDueToRegex: boolean
  /** The final connection's TLS details, when it was TLS (also when its certificate did not verify). */
  tls: TlsInfo | undefined
}

/** Go's http.Client follows at most this many redirects. */
const maxRedirects = 10

/** What a probe of one URL found: its first resolution and its measures; a failure is thrown with them attached. */
export interface HttpProbeOutcome {
  readonly resolved: ResolvedTarget | undefined
  readonly measures: HttpMeasures
  readonly failure: ProbeFailure | undefined
}

/** The URL a target names: blackbox_exporter adds `http://` to a target without a scheme. */
export function targetUrl(target: string): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? target : `http://${target}`
  const url = URL.canParse(text) ? new URL(text) : undefined
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new ProbeFailure('invalid_target', `${JSON.stringify(target)} is not an http:// or https:// URL`)
  return url
}

/** Reads a response's body, decoding the compression asked for, up to `limit` bytes (0: no limit). */
async function readBody(response: HttpAnswer, config: HttpProbeConfig): Promise<string> {
  const encoding = response.headers['content-encoding']
  const decoders = { gzip: createGunzip, deflate: createInflate, br: createBrotliDecompress }
  const decode =
    config.compression !== '' && config.compression !== 'identity' && encoding === config.compression
      ? decoders[config.compression]()
      : undefined
  const stream = decode ? response.body.pipe(decode) : response.body
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length
    if (config.bodySizeLimit > 0 && size > config.bodySizeLimit) {
      response.body.destroy()
      throw new ProbeFailure('body_size_limit', `the body is longer than body_size_limit (${config.bodySizeLimit})`)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** The headers every request of a probe carries, as blackbox_exporter sends them. */
function requestHeaders(config: HttpProbeConfig, sameHost: boolean): Record<string, string> {
  const headers: Record<string, string> = { 'User-Agent': 'Blackbox Exporter/0.23.0', ...config.headers }
  if (config.compression !== '') headers['Accept-Encoding'] = config.compression
  // As Go's client, credentials go only to the host they were given for.
  if (sameHost && config.basicAuth) {
    const { username, password } = config.basicAuth
    headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
  }
  if (sameHost && config.bearerToken) headers.Authorization = `Bearer ${config.bearerToken}`
  return headers
}

/** The checks on a complete answer, in blackbox_exporter's order: the first that fails is the probe's failure. */
function checkAnswer(
  config: HttpProbeConfig,
  response: HttpAnswer,
  body: string,
  measures: HttpMeasures,
  log: ProbeLog,
): ProbeFailure | undefined {
  const status = measures.statusCode
  const valid =
    config.validStatusCodes.length === 0 ? status >= 200 && status < 300 : config.validStatusCodes.includes(status)
  if (!valid) return new ProbeFailure('status_code', `invalid HTTP response status code ${status}`)
  for (const regexp of config.failIfBodyMatches)
    if (regexp.test(body)) {
      measures.failedDueToRegex = true
      return new ProbeFailure('body_regexp', `the body matched ${regexp.source}`)
    }
  for (const regexp of config.failIfBodyNotMatches)
    if (!regexp.test(body)) {
      measures.failedDueToRegex = true
      return new ProbeFailure('body_regexp', `the body did not match ${regexp.source}`)
    }
  const headerValues = (name: string): string[] => {
    const value = response.headers[name.toLowerCase()]
    return value === undefined ? [] : Array.isArray(value) ? value : [value]
  }
  for (const { header, regexp, allowMissing } of config.failIfHeaderMatches) {
    const values = headerValues(header)
    if (values.length === 0 && !allowMissing) return new ProbeFailure('header_regexp', `header ${header} is missing`)
    if (values.some((value) => regexp.test(value))) {
      measures.failedDueToRegex = true
      return new ProbeFailure('header_regexp', `header ${header} matched ${regexp.source}`)
    }
  }
  for (const { header, regexp, allowMissing } of config.failIfHeaderNotMatches) {
    const values = headerValues(header)
    if (values.length === 0 && !allowMissing) return new ProbeFailure('header_regexp', `header ${header} is missing`)
    if (values.length > 0 && !values.some((value) => regexp.test(value))) {
      measures.failedDueToRegex = true
      return new ProbeFailure('header_regexp', `header ${header} did not match ${regexp.source}`)
    }
  }
  const version = `HTTP/${response.httpVersion}`
  if (config.validHttpVersions.length > 0 && !config.validHttpVersions.includes(version))
    return new ProbeFailure('http_version', `${version} is not among valid_http_versions`)
  if (config.failIfSsl && measures.ssl)
    return new ProbeFailure('ssl_forbidden', 'the answer came over TLS (fail_if_ssl)')
  if (config.failIfNotSsl && !measures.ssl)
    return new ProbeFailure('ssl_required', 'the answer did not come over TLS (fail_if_not_ssl)')
  log.info(`answered ${response.statusCode}, ${measures.uncompressedBodyLength} bytes`)
  return undefined
}

/**
 * Probes a URL as blackbox_exporter's http prober does: resolve (preferred IP
 * version first), connect, TLS as the URL's host, the request, redirects
 * followed (each with its own Host and SNI) unless `no_follow_redirects`,
 * then the module's checks. Never throws: a failure is in the outcome, with
 * whatever was measured before it.
 */
export async function probeHttp(
  target: string,
  config: HttpProbeConfig,
  deadline: ProbeDeadline,
  log: ProbeLog,
): Promise<HttpProbeOutcome> {
  const measures: HttpMeasures = {
    statusCode: 0,
    contentLength: 0,
    uncompressedBodyLength: 0,
    redirects: 0,
    ssl: false,
    version: 0,
    phases: { resolve: 0, connect: 0, tls: 0, processing: 0, transfer: 0 },
    failedDueToRegex: false,
    tls: undefined,
  }
  let resolved: ResolvedTarget | undefined
  const probed = async (): Promise<HttpProbeOutcome> => {
    let url = targetUrl(target)
    const firstHost = url.host
    let method = config.method
    let body = config.body
    let outcome: HttpProbeOutcome | undefined
    // One request per turn: a followed redirect goes round again.
    while (outcome === undefined) {
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
      const here = await deadline.within(resolveTarget(host, config.preferredIpProtocol, config.ipProtocolFallback))
      resolved ??= here
      measures.phases.resolve += here.lookupSeconds
      log.info(`resolved ${host} to ${here.address}`)
      const https = url.protocol === 'https:'
      const port = Number(url.port || (https ? 443 : 80))
      const tls = https ? { ...config.tls, alpn: httpAlpn } : undefined
      const { proxyUrl } = config
      const connection: ProbeConnection & { tlsFailure: ProbeFailure | undefined } = proxyUrl
        ? await connectThroughProxy(
            deadline,
            proxyUrl,
            host,
            port,
            tls,
            config.preferredIpProtocol,
            config.ipProtocolFallback,
          )
        : await openConnection(deadline, here.address, port, host, tls)
      measures.phases.connect += connection.connectSeconds
      measures.phases.tls += connection.tlsSeconds
      measures.tls = connection.tls
      measures.ssl = https
      if (connection.tlsFailure) throw connection.tlsFailure
      const sent = performance.now()
      const response = await deadline.within(
        exchange(connection.socket, {
          url,
          // Plain HTTP through a proxy names the absolute URL, and tells the proxy who asks.
          path: proxyUrl && !https ? url.href : `${url.pathname}${url.search}`,
          method,
          headers: {
            ...requestHeaders(config, url.host === firstHost),
            ...(proxyUrl && !https ? proxyAuthorization(proxyUrl) : {}),
          },
          body,
        }),
      )
      const answered = performance.now()
      measures.phases.processing += (answered - sent) / 1000
      measures.statusCode = response.statusCode
      measures.version = Number(response.httpVersion)
      const length = response.headers['content-length']
      measures.contentLength = length === undefined ? -1 : Number(length)
      const location = response.headers.location
      const redirect = location !== undefined && [301, 302, 303, 307, 308].includes(measures.statusCode)
      if (redirect) {
        measures.redirects++
        if (!config.noFollowRedirects) {
          response.body.resume()
          connection.socket.destroy()
          measures.phases.transfer += (performance.now() - answered) / 1000
          if (measures.redirects > maxRedirects)
            throw new ProbeFailure('redirect_limit', `stopped after ${maxRedirects} redirects`)
          url = new URL(location, url)
          log.info(`redirected to ${url.href}`)
          if (measures.statusCode <= 303 && method !== 'HEAD') {
            method = 'GET'
            body = undefined
          }
          continue
        }
      }
      const text = await deadline.within(readBody(response, config))
      measures.phases.transfer += (performance.now() - answered) / 1000
      measures.uncompressedBodyLength = Buffer.byteLength(text)
      connection.socket.destroy()
      outcome = { resolved, measures, failure: checkAnswer(config, response, text, measures, log) }
    }
    return outcome
  }
  const outcome = await probed().catch((error: unknown) => ({
    resolved,
    measures,
    failure: networkFailure(error, deadline.connected),
  }))
  deadline.close()
  return outcome
}
