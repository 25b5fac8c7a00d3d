import type { Socket } from 'node:net'
import type { IpProtocol } from './config.js'
import { type ConnectionTls, type ProbeConnection, type ProbeDeadline, openConnection } from './connection.js'
import { ProbeFailure, networkFailure } from './failure.js'
import { resolveTarget } from './resolve.js'

/** `Proxy-Authorization` for a proxy URL with credentials (`http://user:pass@proxy:3128`), or none. */
export function proxyAuthorization(proxy: URL): Record<string, string> {
  if (proxy.username === '') return {}
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`
  return { 'Proxy-Authorization': `Basic ${Buffer.from(credentials).toString('base64')}` }
}

/** Asks the proxy for a tunnel to `authority` (CONNECT) and waits for its 2xx. */
function openTunnel(socket: Socket, authority: string, proxy: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    let head = ''
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1')
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) return
      cleanup()
      const status = Number(/^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head)?.[1])
      if (status >= 200 && status < 300) resolve()
      else reject(new ProbeFailure('proxy', `the proxy answered CONNECT ${authority} with ${head.split('\r\n')[0]}`))
    }
    const onError = (error: Error) => {
      cleanup()
      reject(networkFailure(error, true))
    }
    const onEnd = () => onError(Object.assign(new Error('the proxy closed the connection'), { code: 'ECONNRESET' }))
    const cleanup = () => {
      socket.off('data', onData)
      socket.off('error', onError)
      socket.off('end', onEnd)
    }
    socket.on('data', onData)
    socket.once('error', onError)
    socket.once('end', onEnd)
    const headers = Object.entries({ Host: authority, ...proxyAuthorization(proxy) })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')
    socket.write(`CONNECT ${authority} HTTP/1.1\r\n${headers}\r\n`)
  })
}

/**
 * A connection to `host:port` through an HTTP proxy (`proxy_url`): to the
 * proxy itself for http (the request then names the absolute URL), or a
 * CONNECT tunnel with TLS as `host` inside it for https. Connect time is the
 * proxy's; a proxy that refuses the tunnel fails the probe as `proxy`.
 */
export async function connectThroughProxy(
  deadline: ProbeDeadline,
  proxy: URL,
  host: string,
  port: number,
  tls: ConnectionTls | undefined,
  preferred: IpProtocol,
  fallback: boolean,
): Promise<ProbeConnection & { tlsFailure: ProbeFailure | undefined }> {
  const proxyHost = proxy.hostname.replace(/^\[(.*)\]$/, '$1')
  const hop = await deadline.within(resolveTarget(proxyHost, preferred, fallback))
  const toProxy = await openConnection(deadline, hop.address, Number(proxy.port || 80), proxyHost, undefined)
  if (tls === undefined) return toProxy
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`
  await deadline.within(openTunnel(toProxy.socket, authority, proxy))
  const secured = await openConnection(deadline, hop.address, port, host, tls, { over: toProxy.socket })
  return { ...secured, connectSeconds: toProxy.connectSeconds }
}
