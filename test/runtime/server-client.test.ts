import { createServer } from 'node:http'
import t, { type Test } from 'tap'
import { type AnswerReader, ServerClient } from '../../src/runtime/server-client.js'

/** A server that answers every request with `pieces`, written one by one (so they arrive as separate chunks). */
async function piecewise(t: Test, pieces: readonly Buffer[]): Promise<URL> {
  const server = createServer(async (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' })
    for (const piece of pieces) {
      response.write(piece)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    response.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const { port } = server.address() as { port: number }
  return new URL(`http://127.0.0.1:${port}`)
}

function client(t: Test, url: URL): ServerClient {
  const server = new ServerClient({ url, what: 'the test server', maxSockets: 1, answerLimitBytes: 1024 })
  t.teardown(() => server.close())
  return server
}

const signal = () => AbortSignal.timeout(5000)

t.test('an answer is read as it arrives, a character never split between pieces', async (t) => {
  const text = Buffer.from('größe: 1 € ✓')
  // Cut inside the two-byte ö, the three-byte € and the three-byte ✓.
  const url = await piecewise(t, [text.subarray(0, 3), text.subarray(3, 12), text.subarray(12, 14), text.subarray(14)])
  const pieces: string[] = []
  const reader: AnswerReader<number> = { write: (piece) => pieces.push(piece), end: () => pieces.length }
  const answer = await client(t, url).read('/', { signal: signal() }, reader)
  t.equal(pieces.join(''), 'größe: 1 € ✓')
  t.ok(
    pieces.every((piece) => !piece.includes('\ufffd')),
    'no piece holds half a character',
  )
  t.equal(answer.status, 200)
  t.equal(answer.body, pieces.length, 'the body is what the reader made')
  t.equal((await client(t, url).request('/', { signal: signal() })).body, 'größe: 1 € ✓', 'or the text')
})

t.test("a reader's error fails the request with one line naming the server", async (t) => {
  const url = await piecewise(t, [Buffer.from('<a>'), Buffer.from('</a>')])
  const host = url.host
  const onWrite: AnswerReader<void> = {
    write: () => {
      throw new Error('not what was expected')
    },
    end: () => undefined,
  }
  await t.rejects(client(t, url).read('/', { signal: signal() }, onWrite), {
    name: 'ServerError',
    message: `the test server at ${host}: not what was expected`,
  })
  const onEnd: AnswerReader<void> = {
    write: () => undefined,
    end: () => {
      throw new Error('ended too soon')
    },
  }
  await t.rejects(client(t, url).read('/', { signal: signal() }, onEnd), {
    message: `the test server at ${host}: ended too soon`,
  })
})
