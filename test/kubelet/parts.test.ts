// The kubelet exporter's HTTP client and node list against what hostile or broken servers send.
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { KubernetesClient, answerLimitBytes } from '../../collectors/kubelet/kubernetes-client.js'
import { nodeList } from '../../collectors/kubelet/sources.js'

/** A plain-HTTP server answering every request with `handle`; it stops when the test ends. */
async function serve(t: Test, handle: (request: IncomingMessage, response: ServerResponse) => void): Promise<URL> {
  const server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
}

/** A client of `url` without a token. */
function client(t: Test, url: URL): KubernetesClient {
  const made = new KubernetesClient({
    url,
    what: 'the kubelet',
    tokenFile: undefined,
    ca: undefined,
    insecure: false,
    maxSockets: 1,
  })
  t.teardown(() => made.close())
  return made
}

t.test('plain HTTP (the read-only port), without a token', async (t) => {
  const seen: (string | undefined)[] = []
  const url = await serve(t, (request, response) => {
    seen.push(request.headers.authorization)
    response.end('{"node": {}}')
  })
  const kubelet = client(t, url)
  await kubelet.refreshToken()
  t.equal(await kubelet.get('/stats/summary', new AbortController().signal, 'get nodes/stats'), '{"node": {}}')
  t.same(seen, [undefined], 'no Authorization header')
})

t.test('statuses without a body, bodies past the limit, and answers cut short are one line each', async (t) => {
  let mode = ''
  const url = await serve(t, (request, response) => {
    if (mode === 'empty') return void response.writeHead(503).end()
    if (mode === 'huge') {
      const megabyte = Buffer.alloc(1024 * 1024, 'x')
      response.writeHead(200)
      const write = (left: number): void => {
        if (left === 0 || response.destroyed) return void response.end()
        if (response.write(megabyte)) write(left - 1)
        else response.once('drain', () => write(left - 1))
      }
      return write(answerLimitBytes / megabyte.length + 2)
    }
    if (mode === 'cut') {
      response.writeHead(200, { 'Content-Length': '100' })
      response.write('{"node":')
      return void setTimeout(() => request.socket.destroy(), 10)
    }
    response.writeHead(200, { 'Content-Length': '100' }).write('{')
  })
  const kubelet = client(t, url)
  const host = url.host
  const read = (signal = new AbortController().signal) => kubelet.get('/stats/summary', signal, 'get nodes/stats')
  mode = 'empty'
  await t.rejects(read(), { name: 'ServerError', message: `the kubelet at ${host}: answered 503 Service Unavailable` })
  mode = 'huge'
  await t.rejects(read(), { message: `the kubelet at ${host}: the answer is larger than 64 MiB` })
  mode = 'cut'
  await t.rejects(read(), { message: `the kubelet at ${host}: aborted` })
  mode = 'slow'
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 50)
  await t.rejects(read(controller.signal), { message: `the kubelet at ${host}: no answer before the scrape deadline` })
})

t.test('a node list that is not one is refused with one line', async (t) => {
  const server = 'the API server at 10.96.0.1:443'
  t.throws(() => nodeList('<html>', server), {
    message: `${server}: the node list is not JSON (Unexpected token '<', "<html>" is not valid JSON)`,
  })
  for (const body of ['null', '{"kind": "Status"}', '{"items": {}}']) {
    t.throws(() => nodeList(body, server), { message: `${server}: the answer has no "items" list: not a node list` })
  }
  t.same(
    nodeList(
      '{"items": [{"metadata": {"name": "a"}}, null, {"metadata": {"name": ""}}, {}, {"metadata": {"name": 7}}]}',
      server,
    ),
    { names: ['a'], next: '' },
    'items without a name are skipped',
  )
  t.same(nodeList('{"items": [], "metadata": {"continue": "eyJ2"}}', server), { names: [], next: 'eyJ2' })
})
