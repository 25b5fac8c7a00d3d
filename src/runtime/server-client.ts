import { Agent as HttpAgent, type IncomingHttpHeaders, type IncomingMessage, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { StringDecoder } from 'node:string_decoder'
import { certificateProblem } from './certificate-problem.js'

/** Where a server an exporter reads over HTTP(S) is, and how its certificate is checked. */
export interface ServerClientOptions {
  /** Its base URL, `https://10.0.0.5:10250`; request paths are resolved against it. */
  readonly url: URL
  /** Names it in errors: `the kubelet`, `vCenter`. */
  readonly what: string
  /** CA certificates (PEM) its certificate must be signed by; undefined for the system's. */
  readonly ca?: string | undefined
  /** Whether its certificate goes unchecked. */
  readonly insecure?: boolean
  /** Connections kept open to it at most. */
  readonly maxSockets: number
  /** The largest answer body read; a larger one fails the request. */
  readonly answerLimitBytes: number
}

/**
 * One request: method (default GET), headers, body, and the signal that abandons it at the scrape's deadline. A body
 * given in pieces is sent piece by piece with its length, so that a large one (a query for thousands of objects) is
 * never joined into one string.
 */
export interface ServerRequest {
  readonly method?: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string | readonly string[]
  readonly signal: AbortSignal
}

/** What the server answered, whatever its status: its body as text, or what an AnswerReader made of it. */
export interface ServerAnswer<Body = string> {
  readonly status: number
  readonly statusMessage: string
  readonly headers: IncomingHttpHeaders
  readonly body: Body
}

/**
 * Takes an answer's body as it arrives, in pieces of text (UTF-8 decoded, a character never split between pieces),
 * and gives what it made of them at the end: a parser that keeps what it needs instead of the whole text, so that a
 * large answer is never held at once. What it throws fails the request.
 */
export interface AnswerReader<Body> {
  write(text: string): void
  end(): Body
}

/** Why a request to a server failed, in one line that says what to fix; never carries a credential. */
export class ServerError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ServerError'
  }
}

/** What to say about a certificate problem. */
const certificateAdvice = {
  unknown_authority: 'is not signed by a trusted CA (set the CA file, or skip verification)',
  expired: 'has expired or is not valid yet',
  hostname_mismatch: 'does not name the host in the URL',
}

/**
 * Requests to one server an exporter reads (a kubelet, an API server, vCenter) over keep-alive connections, with its
 * CA or without verification, bounded in size and abandoned at the scrape's deadline. A connection that fails
 * becomes a ServerError naming the server and what to fix (its certificate, the deadline). Written on `node:https`
 * rather than `fetch`: Node's `fetch` takes no per-server CA or verification setting without undici's own Agent as
 * another dependency, and `node:https` gives the connection's TLS error codes as they are.
 */
export class ServerClient {
  private readonly agent: HttpAgent

  constructor(private readonly options: ServerClientOptions) {
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets }
    this.agent =
      options.url.protocol === 'https:'
        ? new HttpsAgent({ ...agentOptions, ca: options.ca, rejectUnauthorized: !options.insecure })
        : new HttpAgent(agentOptions)
  }

  /** `the kubelet at 10.0.0.5:10250`: the server, as errors name it. */
  get name(): string {
    return `${this.options.what} at ${this.options.url.host}`
  }

  /** A ServerError saying `message` about this server. */
  error(message: string): ServerError {
    return new ServerError(`${this.name}: ${message}`)
  }

  /** The answer to one request to `path` (with its query), whatever its status; a ServerError if none came. */
  request(path: string, request: ServerRequest): Promise<ServerAnswer> {
    return this.read(path, request, new TextReader())
  }

  /**
   * The answer to one request to `path`, its body given piece by piece to `reader` as it arrives; a ServerError if
   * none came, or if the reader threw.
   */
  read<Body>(
    path: string,
    { method = 'GET', headers = {}, body, signal }: ServerRequest,
    reader: AnswerReader<Body>,
  ): Promise<ServerAnswer<Body>> {
    const target = new URL(path, this.options.url)
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest
    return new Promise<ServerAnswer<Body>>((resolve, reject) => {
      const fail = (error: Error) => reject(this.error(this.connectionProblem(error, signal)))
      const outgoing = send(target, { agent: this.agent, method, headers, signal }, (answer) => {
        readBody(answer, this.options.answerLimitBytes, reader).then(
          (read) =>
            resolve({
              status: answer.statusCode as number,
              statusMessage: answer.statusMessage as string,
              headers: answer.headers,
              body: read,
            }),
          fail,
        )
      })
      outgoing.on('error', fail)
      if (typeof body === 'string' || body === undefined) outgoing.end(body)
      else {
        outgoing.setHeader(
          'content-length',
          body.reduce((sum, piece) => sum + Buffer.byteLength(piece), 0),
        )
        for (const piece of body) outgoing.write(piece)
        outgoing.end()
      }
    })
  }

  private connectionProblem(error: Error, signal: AbortSignal): string {
    if (signal.aborted) return 'no answer before the scrape deadline'
    const problem = certificateProblem(error)
    if (problem === undefined) return error.message
    return `its certificate ${certificateAdvice[problem]}: ${error.message}`
  }

  /** Closes the kept connections. */
  close(): void {
    this.agent.destroy()
  }
}

/** An answer's body as one text. */
class TextReader implements AnswerReader<string> {
  private text = ''

  write(text: string): void {
    this.text += text
  }

  end(): string {
    return this.text
  }
}

/** An answer's body given to `reader` as it arrives, refused past `limit` bytes. */
function readBody<Body>(answer: IncomingMessage, limit: number, reader: AnswerReader<Body>): Promise<Body> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8')
    let size = 0
    const refuse = (error: Error) => {
      answer.destroy()
      reject(error)
    }
    answer.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) refuse(new Error(`the answer is larger than ${limit / 1024 / 1024} MiB`))
      else {
        try {
          reader.write(decoder.write(chunk))
        } catch (error) {
          refuse(error as Error)
        }
      }
    })
    answer.on('end', () => {
      try {
        reader.write(decoder.end())
        resolve(reader.end())
      } catch (error) {
        reject(error as Error)
      }
    })
    answer.on('error', reject)
  })
}
