import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type Server, createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import type { Certificates } from './certificates.js'

/** A recorded `/stats/summary` answer of test/fixtures/kubelet. */
export const summaryFixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/kubelet/${name}`, import.meta.url), 'utf8')

/** How a node answers for its summary: a body (200), a status and body, or never. */
export type NodeAnswer = { readonly body: string; readonly status?: number } | 'hang'

/** A loopback HTTPS server shaped like a kubelet or the API server; it stops when the test ends. */
export interface FakeServer {
  /** `https://127.0.0.1:P` (the test CA's certificate names 127.0.0.1 and localhost, not 127.0.0.2). */
  readonly url: string
  /** The same server at an address its certificate does not name: `https://127.0.0.2:P`. */
  readonly unnamedUrl: string
  /** Every request's path and query, in order. */
  readonly requests: string[]
  /** The bearer token it accepts (anything else: 401); change it to rotate. */
  token: string
  /** The most summary requests it had in flight at once. */
  readonly mostInFlight: () => number
}

/**
 * Starts a server that checks the bearer token and answers with `route(path)`, with the certificate and key given
 * (the test CA's `server` pair by default). Hanging answers are ended when the test ends.
 */
async function startServer(
  t: Test,
  certificates: Certificates,
  token: string,
  route: (path: string) => NodeAnswer | undefined,
  pair: { cert: string; key: string } = { cert: certificates.pem.server, key: certificates.pem.serverKey },
): Promise<FakeServer> {
  const requests: string[] = []
  const hanging = new Set<ServerResponse>()
  let inFlight = 0
  let most = 0
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    const path = request.url as string
    requests.push(path)
    if (request.headers.authorization !== `Bearer ${fake.token}`) {
      return void response.writeHead(401, { 'Content-Type': 'text/plain' }).end('Unauthorized')
    }
    const answer = route(path)
    if (answer === undefined) return void response.writeHead(404).end('404 page not found')
    if (answer === 'hang') return void hanging.add(response)
    inFlight++
    most = Math.max(most, inFlight)
    // Answer on a later turn, so that concurrent requests overlap as they would at a real server.
    setTimeout(() => {
      inFlight--
      response.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json' }).end(answer.body)
    }, 5)
  }
  const servers: Server[] = ['127.0.0.1', '127.0.0.2'].map(() => createServer(pair, handler))
  const [named, unnamed] = servers as [Server, Server]
  await new Promise<void>((resolve) => named.listen(0, '127.0.0.1', resolve))
  const { port } = named.address() as AddressInfo
  await new Promise<void>((resolve) => unnamed.listen(port, '127.0.0.2', resolve))
  t.teardown(async () => {
    for (const response of hanging) response.destroy()
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
  })
  const fake: FakeServer = {
    url: `https://127.0.0.1:${port}`,
    unnamedUrl: `https://127.0.0.2:${port}`,
    requests,
    token,
    mostInFlight: () => most,
  }
  return fake
}

/** A kubelet: `/stats/summary` (with or without a query) answers with `summary()`. */
export function startFakeKubelet(
  t: Test,
  certificates: Certificates,
  token: string,
  summary: () => NodeAnswer,
  pair?: { cert: string; key: string },
): Promise<FakeServer> {
  return startServer(
    t,
    certificates,
    token,
    (path) => (path.split('?')[0] === '/stats/summary' ? summary() : undefined),
    pair,
  )
}

/**
 * The API server's two routes the exporter uses: the node list (two nodes a page, with `continue` tokens) and
 * each node's summary through its proxy; or no answer to anything (`'hang'`).
 */
export function startFakeApiServer(
  t: Test,
  certificates: Certificates,
  token: string,
  nodes: () => ReadonlyMap<string, NodeAnswer> | 'hang',
): Promise<FakeServer> {
  return startServer(t, certificates, token, (path) => {
    const url = new URL(path, 'https://api')
    const listed = nodes()
    if (listed === 'hang') return 'hang'
    if (url.pathname === '/api/v1/nodes') {
      const names = [...listed.keys()]
      // Two nodes a page whatever the limit, so that paging is exercised.
      const limit = Math.min(Number(url.searchParams.get('limit')), 2)
      const from = Number(url.searchParams.get('continue') || 0)
      const page = names.slice(from, from + limit)
      const next = from + limit < names.length ? String(from + limit) : undefined
      const items = page.map((name) => ({ metadata: { name, labels: {} } }))
      return { body: JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', metadata: { continue: next }, items }) }
    }
    const proxied = /^\/api\/v1\/nodes\/([^/]+)\/proxy\/stats\/summary$/.exec(url.pathname)
    return proxied === null ? undefined : listed.get(decodeURIComponent(proxied[1] as string))
  })
}
