import { readFile } from 'node:fs/promises'
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { certificateProblem } from 'promkit/exporter'

/** Where a Kubernetes server (a kubelet, or the API server) is and how to authenticate to it. */
export interface ServerSettings {
  /** Its base URL, `https://10.0.0.5:10250` or `https://kubernetes.default.svc`. */
  readonly url: URL
  /** Names it in errors: `the kubelet`, `the API server`. */
  readonly what: string
  /** The bearer token's file, read again before every scrape (service account tokens rotate). */
  readonly tokenFile: string | undefined
  /** CA certificates (PEM) its certificate must be signed by; undefined for the system's. */
  readonly ca: string | undefined
  /** Whether its certificate goes unchecked. */
  readonly insecure: boolean
  /** Connections kept open to it at most. */
  readonly maxSockets: number
}

/** Why a request to a Kubernetes server failed, in one line that says what to fix; never carries the token. */
export class ServerError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ServerError'
  }
}

/** The largest answer read (a 110-pod node's summary is about 1 MiB). */
export const answerLimitBytes = 64 * 1024 * 1024

/** What to say about a certificate problem. */
const certificateAdvice = {
  unknown_authority: 'is not signed by a trusted CA (set the CA file, or skip verification)',
  expired: 'has expired or is not valid yet',
  hostname_mismatch: 'does not name the host in the URL',
}

/**
 * GETs JSON from one Kubernetes server over keep-alive connections, with its bearer token. Written on `node:https`
 * rather than a Kubernetes client library: the exporter needs three GETs, and the maintained client
 * (@kubernetes/client-node) brings a dependency tree many times promkit's for them.
 */
export class KubernetesClient {
  private readonly agent: HttpAgent
  private token: string | undefined
  private tokenProblem: string | undefined

  constructor(private readonly settings: ServerSettings) {
    const options = { keepAlive: true, maxSockets: settings.maxSockets, maxFreeSockets: settings.maxSockets }
    this.agent =
      settings.url.protocol === 'https:'
        ? new HttpsAgent({ ...options, ca: settings.ca, rejectUnauthorized: !settings.insecure })
        : new HttpAgent(options)
  }

  /** `the kubelet at 10.0.0.5:10250`: the server, as errors name it. */
  get name(): string {
    return `${this.settings.what} at ${this.settings.url.host}`
  }

  /** Reads the token file again; a missing or unreadable one means no token (the server will say 401). */
  async refreshToken(): Promise<void> {
    const file = this.settings.tokenFile
    if (file === undefined) return
    try {
      this.token = (await readFile(file, 'utf8')).trim()
      this.tokenProblem = undefined
    } catch (error) {
      this.token = undefined
      this.tokenProblem = `no token was sent: ${file} could not be read (${(error as NodeJS.ErrnoException).code})`
    }
  }

  /**
   * The body of `GET path` (with its query) when the server answers 200; a ServerError otherwise. `permission` is
   * what RBAC must allow for it, named in a 403's error.
   */
  get(path: string, signal: AbortSignal, permission: string): Promise<string> {
    const target = new URL(path, this.settings.url)
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.token) headers.authorization = `Bearer ${this.token}`
    return new Promise<string>((resolve, reject) => {
      const fail = (message: string) => reject(new ServerError(`${this.name}: ${message}`))
      const outgoing = request(target, { agent: this.agent, headers, signal }, (answer) => {
        readBody(answer).then(
          (body) => (answer.statusCode === 200 ? resolve(body) : fail(this.statusProblem(answer, body, permission))),
          (error: Error) => fail(this.connectionProblem(error, signal)),
        )
      })
      outgoing.on('error', (error) => fail(this.connectionProblem(error, signal)))
      outgoing.end()
    })
  }

  private statusProblem(answer: IncomingMessage, body: string, permission: string): string {
    const status = `answered ${answer.statusCode} ${answer.statusMessage}`
    if (answer.statusCode === 401) {
      const { tokenFile } = this.settings
      if (tokenFile === undefined) return `${status}: no token is configured`
      return `${status}: ${this.tokenProblem ?? `the token in ${tokenFile} was not accepted`}`
    }
    if (answer.statusCode === 403) return `${status}: RBAC does not let the service account ${permission}`
    const said = body.replace(/\s+/g, ' ').trim().slice(0, 200)
    return said === '' ? status : `${status}: ${said}`
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

/** An answer's body as text, refused past {@link answerLimitBytes}. */
function readBody(answer: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    answer.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > answerLimitBytes) {
        answer.destroy()
        reject(new Error(`the answer is larger than ${answerLimitBytes / 1024 / 1024} MiB`))
      } else chunks.push(chunk)
    })
    answer.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    answer.on('error', reject)
  })
}
