import type { Server as HttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { PromkitError, errorMessage } from '../errors.js'
import { metricsRoute } from '../http/fastify-route.js'
import type { MetricsHandler } from '../http/handler.js'
import type { BasicAuth } from './basic-auth.js'
import { buildInfo } from './build-info.js'
import type { ExporterDefinition } from './definition.js'
import { type RuntimeOptions, healthPaths } from './flags.js'
import { type ListenAddress, formatListenAddress } from './listen-address.js'
import type { TlsSettings, WebConfig } from './web-config.js'

/** The part of the server's setup that a web config reload replaces. */
export interface Security {
  readonly webConfig: WebConfig
  readonly auth: BasicAuth
}

/** What every listening server shares. */
export interface ServerDeps {
  readonly definition: ExporterDefinition
  readonly options: RuntimeOptions
  readonly logger: Logger
  /** Serves the telemetry path. */
  readonly telemetry: MetricsHandler
  /** Serves `--web.scrape-path`, for a multi-target exporter. */
  readonly target: MetricsHandler | undefined
  /** Read on every request, so a reload applies at once. */
  security(): Security
  /** Re-reads the exporter's own configuration for `POST /-/reload`, when the exporter has one. */
  readonly reloadConfig: (() => Promise<void>) | undefined
}

const plainText = 'text/plain; charset=utf-8'

/** node:tls options for a web config's TLS settings. */
export function tlsOptions(tls: TlsSettings): Record<string, unknown> {
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    requestCert: tls.clientAuth !== 'NoClientCert',
    rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    honorCipherOrder: tls.honorCipherOrder,
  }
}

/** Why a client's certificate is refused under the policies Node's handshake cannot enforce itself, or undefined. */
function clientCertificateProblem(tls: TlsSettings, socket: TLSSocket): string | undefined {
  const certificate = socket.getPeerCertificate()
  const presented = certificate !== null && Object.keys(certificate).length > 0
  if (!presented)
    return tls.clientAuth === 'RequireAnyClientCert' || tls.allowedSans ? 'a client certificate is required' : undefined
  if (tls.clientAuth === 'VerifyClientCertIfGiven' && !socket.authorized)
    return `the client certificate is not valid: ${String(socket.authorizationError)}`
  if (tls.allowedSans) {
    const names = (certificate.subjectaltname ?? '').split(', ').map((entry) => entry.slice(entry.indexOf(':') + 1))
    if (!names.some((name) => tls.allowedSans?.includes(name)))
      return 'the client certificate has no allowed subject alternative name'
  }
  return undefined
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (character) => `&#${character.charCodeAt(0)};`)
}

function landingPage(deps: ServerDeps): string {
  const { definition, options } = deps
  const links = [
    `<li><a href="${escapeHtml(options.telemetryPath)}">Metrics</a></li>`,
    '<li><a href="/healthz">Health</a></li>',
  ]
  if (options.scrapePath)
    links.push(`<li>Multi-target: <code>${escapeHtml(options.scrapePath)}?target=&lt;target&gt;</code></li>`)
  return [
    '<!DOCTYPE html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(definition.name)}</title></head><body>`,
    `<h1>${escapeHtml(definition.name)}</h1>`,
    `<p>${escapeHtml(definition.description)}</p>`,
    `<p>Version ${escapeHtml(buildInfo(definition).version)}</p>`,
    `<ul>${links.join('')}</ul>`,
    '</body></html>',
    '',
  ].join('\n')
}

/**
 * Answers plain HTTP sent to the HTTPS port as Go's servers do, with a 400
 * that says what went wrong, instead of closing the connection without a
 * byte. OpenSSL recognises the request (ERR_SSL_HTTP_REQUEST); the answer is
 * written to the TCP socket under the TLS one (Node keeps it as `_parent`).
 */
function answerPlainHttp(app: FastifyInstance): void {
  app.server.on(
    'tlsClientError',
    (error: NodeJS.ErrnoException, socket: TLSSocket & { _parent: { end(text: string): void } }) => {
      if (error.code === 'ERR_SSL_HTTP_REQUEST')
        socket._parent.end(
          `HTTP/1.1 400 Bad Request\r\nContent-Type: ${plainText}\r\nConnection: close\r\n\r\nClient sent an HTTP ` +
            `request to an HTTPS server.\n`,
        )
    },
  )
}

/** Builds one fastify server (HTTP, or HTTPS with the web config's TLS) with every endpoint. */
export async function createServer(deps: ServerDeps, tls: TlsSettings | undefined): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    forceCloseConnections: 'idle',
    ...(tls ? { https: tlsOptions(tls) } : {}),
  }) as unknown as FastifyInstance
  if (tls) answerPlainHttp(app)

  app.addHook('onRequest', async (request, reply) => {
    const { webConfig, auth } = deps.security()
    for (const [name, value] of Object.entries(webConfig.headers)) reply.header(name, value)
    if (webConfig.tls) {
      const problem = clientCertificateProblem(webConfig.tls, request.raw.socket as TLSSocket)
      if (problem) {
        deps.logger.warn({ remote: request.ip, path: request.url }, `refused request: ${problem}`)
        return reply.code(403).type(plainText).send(`${problem}\n`)
      }
    }
    if (auth.enabled && !healthPaths.includes(request.url)) {
      const user = await auth.check(request.headers.authorization)
      if (user === undefined) {
        deps.logger.debug(
          { remote: request.ip, path: request.url },
          'refused request: bad or missing basic auth credentials',
        )
        return reply.code(401).header('WWW-Authenticate', 'Basic').type(plainText).send('Unauthorized\n')
      }
    }
    return undefined
  })

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(landingPage(deps)))
  for (const path of healthPaths) app.get(path, async (_request, reply) => reply.type(plainText).send('ok\n'))

  app.get(deps.options.telemetryPath, metricsRoute(deps.telemetry))
  if (deps.options.scrapePath && deps.target) app.get(deps.options.scrapePath, metricsRoute(deps.target))
  const { reloadConfig } = deps
  if (reloadConfig) {
    // As Prometheus and blackbox_exporter answer it.
    app.post('/-/reload', async (_request, reply) => {
      try {
        await reloadConfig()
        return reply.type(plainText).send('')
      } catch (error) {
        return reply
          .code(500)
          .type(plainText)
          .send(`failed to reload config: ${errorMessage(error)}\n`)
      }
    })
    app.get('/-/reload', async (_request, reply) =>
      reply.code(405).type(plainText).send('This endpoint requires a POST request.\n'),
    )
  }

  // As Go's net/http answers an unknown path (fastify's default is JSON).
  app.setNotFoundHandler((_request, reply) => reply.code(404).type(plainText).send('404 page not found\n'))
  app.setErrorHandler((error, request, reply) => {
    // fastify's own refusals (a malformed URL, say) keep their 4xx status; anything else is ours, a 500.
    const { statusCode = 500, message } = error as { statusCode?: number; message: string }
    if (statusCode < 500) return reply.code(statusCode).type(plainText).send(`${message}\n`)
    deps.logger.error({ path: request.url, err: message }, 'request failed')
    return reply.code(500).type(plainText).send('internal error\n')
  })
  return app
}

/**
 * Listens, turning the usual failures into one clear line. Every interface is `::` (both IPv6 and IPv4), or `0.0.0.0`
 * without IPv6.
 */
export async function listen(app: FastifyInstance, address: ListenAddress): Promise<string> {
  const attempt = (host: string) => app.listen({ host, port: address.port, listenTextResolver: () => '' })
  try {
    await (address.host === undefined
      ? attempt('::').catch((error: NodeJS.ErrnoException) =>
          error.code === 'EAFNOSUPPORT' ? attempt('0.0.0.0') : Promise.reject(error),
        )
      : attempt(address.host))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reasons: Record<string, string> = {
      EADDRINUSE: 'address already in use',
      EADDRNOTAVAIL: 'address not available on this machine',
      EACCES: 'permission denied',
      ENOTFOUND: 'unknown host',
    }
    const reason = reasons[code as string] ?? (error as Error).message
    throw new PromkitError('PROMKIT_ERR_LISTEN_FAILED', `cannot listen on ${formatListenAddress(address)}: ${reason}`)
  }
  return formatListenAddress({ host: address.host, port: (app.server.address() as AddressInfo).port })
}

/** Swaps the certificates of a running HTTPS server. */
export function updateCertificates(app: FastifyInstance, tls: TlsSettings): void {
  ;(app.server as unknown as HttpsServer).setSecureContext(tlsOptions(tls))
}
