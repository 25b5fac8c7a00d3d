import { type IncomingHttpHeaders, request as httpRequest } from 'node:http'
import { type OutgoingHttpHeaders, connect as connectHttp2 } from 'node:http2'
import type { Socket } from 'node:net'
import type { Readable } from 'node:stream'
import type { TLSSocket } from 'node:tls'
import { networkFailure } from './failure.js'

/** An answer's head and its body, whichever HTTP version carried it. */
export interface HttpAnswer {
  readonly statusCode: number
  /** `1.1`, `1.0`, `2.0`. */
  readonly httpVersion: string
  readonly headers: IncomingHttpHeaders
  readonly body: Readable
}

/** One request of a probe. */
export interface HttpRequest {
  readonly url: URL
  /** The request target: the path and query, or the absolute URL for a proxy. */
  readonly path: string
  readonly method: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | undefined
}

/** The application protocols an http probe offers in the TLS handshake, as Go's client does: HTTP/2 first. */
export const httpAlpn = ['h2', 'http/1.1'] as const

/** One request over an HTTP/1.1 connection made (and timed) by the probe: no agent. */
function exchangeHttp1(socket: Socket, { url, path, method, headers, body }: HttpRequest): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { createConnection: () => socket, method, path, headers: { Host: url.host, ...headers } },
      (response) =>
        resolve({
          statusCode: response.statusCode as number,
          httpVersion: response.httpVersion,
          headers: response.headers,
          body: response,
        }),
    )
    request.on('error', (error) => reject(networkFailure(error, true)))
    request.end(body)
  })
}

/** One request as an HTTP/2 stream over a TLS connection whose ALPN chose `h2`; a `Host` header is the authority. */
function exchangeHttp2(socket: TLSSocket, { url, path, method, headers, body }: HttpRequest): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const session = connectHttp2(url.origin, { createConnection: () => socket })
    const fail = (error: Error) => reject(networkFailure(error, true))
    session.on('error', fail)
    const fields: OutgoingHttpHeaders = { ':method': method, ':path': path, ':authority': url.host }
    for (const [name, value] of Object.entries(headers))
      fields[name.toLowerCase() === 'host' ? ':authority' : name.toLowerCase()] = value
    const stream = session.request(fields)
    stream.on('error', fail)
    stream.on('close', () => session.close())
    stream.on('response', ({ ':status': status, ...rest }) =>
      resolve({ statusCode: Number(status), httpVersion: '2.0', headers: rest, body: stream }),
    )
    stream.end(body)
  })
}

/**
 * Sends one request over an open connection and resolves when the answer's
 * head arrives: as an HTTP/2 stream when the TLS handshake chose `h2`, else
 * as HTTP/1.1.
 */
export function exchange(socket: Socket, request: HttpRequest): Promise<HttpAnswer> {
  return (socket as TLSSocket).alpnProtocol === 'h2'
    ? exchangeHttp2(socket as TLSSocket, request)
    : exchangeHttp1(socket, request)
}
