import { readFile } from 'node:fs/promises'
import { type ServerAnswer, ServerClient } from 'promkit/exporter'

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

/** The largest answer read (a 110-pod node's summary is about 1 MiB). */
export const answerLimitBytes = 64 * 1024 * 1024

/**
 * GETs JSON from one Kubernetes server over promkit's ServerClient, with its bearer token. Written on it rather than a
 * Kubernetes client library: the exporter needs three GETs, and the maintained client
 * (@kubernetes/client-node) brings a dependency tree many times promkit's for them.
 */
export class KubernetesClient {
  private readonly server: ServerClient
  private token: string | undefined
  private tokenProblem: string | undefined

  constructor(private readonly settings: ServerSettings) {
    const { url, what, ca, insecure, maxSockets } = settings
    this.server = new ServerClient({ url, what, ca, insecure, maxSockets, answerLimitBytes })
  }

  /** `the kubelet at 10.0.0.5:10250`: the server, as errors name it. */
  get name(): string {
    return this.server.name
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
  async get(path: string, signal: AbortSignal, permission: string): Promise<string> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.token) headers.authorization = `Bearer ${this.token}`
    const answer = await this.server.request(path, { headers, signal })
    if (answer.status === 200) return answer.body
    throw this.server.error(this.statusProblem(answer, permission))
  }

  private statusProblem(answer: ServerAnswer, permission: string): string {
    const status = `answered ${answer.status} ${answer.statusMessage}`
    if (answer.status === 401) {
      const { tokenFile } = this.settings
      if (tokenFile === undefined) return `${status}: no token is configured`
      return `${status}: ${this.tokenProblem ?? `the token in ${tokenFile} was not accepted`}`
    }
    if (answer.status === 403) return `${status}: RBAC does not let the service account ${permission}`
    const said = answer.body.replace(/\s+/g, ' ').trim().slice(0, 200)
    return said === '' ? status : `${status}: ${said}`
  }

  /** Closes the kept connections. */
  close(): void {
    this.server.close()
  }
}
