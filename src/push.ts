import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import { PromkitError, errorMessage, quote } from './errors.js'
import { contentTypes, encode } from './exposition/encode.js'
import { type Gatherer, maxTimerMs } from './gather.js'
import { checkLabelName } from './names.js'

const gzipAsync = promisify(gzip)

/** Where and how to push. */
export interface PushgatewayOptions {
  /** The gateway's base URL, e.g. `http://pushgateway:9091`. */
  readonly url: string
  /** The `job` label of the group. */
  readonly job: string
  /** More grouping labels, e.g. `{ instance: 'db-1' }`; values may contain `/` or be empty. */
  readonly grouping?: Readonly<Record<string, string>>
  /** Give up after this many milliseconds. Default 10000. */
  readonly timeoutMs?: number
  readonly basicAuth?: { readonly username: string; readonly password: string }
  readonly bearerToken?: string
  readonly headers?: Readonly<Record<string, string>>
  /** Send the body gzip-compressed. Default false. */
  readonly gzip?: boolean
}

/**
 * One grouping key element: `name/value`, or `name@base64/<base64url>` when the value has a `/` or is empty (as
 * client_golang writes it).
 */
function pathElement(name: string, value: string): string {
  if (value === '') return `${name}@base64/=`
  if (value.includes('/')) return `${name}@base64/${Buffer.from(value, 'utf8').toString('base64url')}`
  return `${name}/${encodeURIComponent(value)}`
}

/**
 * Pushes a registry (or any gatherer) to a Prometheus Pushgateway, for batch
 * jobs that end before Prometheus could scrape them. `push` (PUT) replaces the
 * whole group, `pushAdd` (POST) replaces only the metrics of the same names,
 * `delete` removes the group. As client_golang does, it refuses to push a
 * partial gather or metrics that already carry `job` or a grouping label.
 */
export class Pushgateway {
  private readonly groupUrl: string
  private readonly grouping: Readonly<Record<string, string>>

  constructor(private readonly options: PushgatewayOptions) {
    const where = 'Pushgateway'
    if (!/^https?:\/\//.test(options.url))
      throw new PromkitError(
        'PROMKIT_ERR_INVALID_OPTION',
        `${where}: url ${quote(options.url)} must start with http:// or https://`,
      )
    if (typeof options.job !== 'string' || options.job === '')
      throw new PromkitError('PROMKIT_ERR_INVALID_OPTION', `${where}: job must be a non-empty string`)
    const { timeoutMs } = options
    if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= maxTimerMs)) {
      throw new PromkitError(
        'PROMKIT_ERR_INVALID_OPTION',
        `${where}: timeoutMs must be a positive number of milliseconds up to ${maxTimerMs}, got ${quote(timeoutMs)}`,
      )
    }
    this.grouping = { ...options.grouping }
    for (const name of Object.keys(this.grouping)) {
      const problem = checkLabelName(name, `${where} grouping label`)
      if (problem) throw new PromkitError('PROMKIT_ERR_INVALID_OPTION', problem.message)
      if (name === 'job')
        throw new PromkitError(
          'PROMKIT_ERR_INVALID_OPTION',
          `${where}: "job" is set by the job option, not as a grouping label`,
        )
    }
    const path = [
      pathElement('job', options.job),
      ...Object.entries(this.grouping).map(([name, value]) => pathElement(name, value)),
    ].join('/')
    this.groupUrl = `${options.url.replace(/\/+$/, '')}/metrics/${path}`
  }

  /** PUT: the group afterwards holds exactly these metrics. */
  push(gatherer: Gatherer): Promise<void> {
    return this.send('PUT', gatherer)
  }

  /** POST: replaces the metrics of the same names in the group, keeps the others. */
  pushAdd(gatherer: Gatherer): Promise<void> {
    return this.send('POST', gatherer)
  }

  /** DELETE: removes the whole group. */
  delete(): Promise<void> {
    return this.send('DELETE', undefined)
  }

  private async send(method: 'PUT' | 'POST' | 'DELETE', gatherer: Gatherer | undefined): Promise<void> {
    const headers: Record<string, string> = { ...this.options.headers }
    if (this.options.basicAuth) {
      const { username, password } = this.options.basicAuth
      headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
    }
    if (this.options.bearerToken) headers.authorization = `Bearer ${this.options.bearerToken}`
    let body: Buffer | string | undefined
    if (gatherer) {
      const { families, errors } = await gatherer.gather()
      if (errors.length > 0) {
        throw new PromkitError(
          'PROMKIT_ERR_PUSH_FAILED',
          `not pushing a partial scrape to ${this.groupUrl}: ${errors.map((error) => error.message).join('; ')}`,
        )
      }
      const reserved = new Set(['job', ...Object.keys(this.grouping)])
      for (const family of families) {
        for (const desc of new Set(family.metrics.map((metric) => metric.desc))) {
          const clash = desc.labelNames.find((name) => reserved.has(name))
          if (clash !== undefined)
            throw new PromkitError(
              'PROMKIT_ERR_PUSH_FAILED',
              `pushed metric ${quote(family.name)} already contains the grouping label ${quote(clash)}`,
            )
        }
      }
      const text = encode(families, 'text')
      headers['content-type'] = contentTypes.text
      if (this.options.gzip) {
        headers['content-encoding'] = 'gzip'
        body = await gzipAsync(text)
      } else {
        body = text
      }
    }
    let response: Response
    try {
      response = await fetch(this.groupUrl, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      })
    } catch (error) {
      // fetch says only "fetch failed"; the reason (connect ECONNREFUSED, bad port, …) is in its cause chain.
      throw new PromkitError('PROMKIT_ERR_PUSH_FAILED', `${method} ${this.groupUrl} failed: ${errorMessage(error)}`, {
        cause: error,
      })
    }
    if (!response.ok) {
      const message = (await response.text()).trim()
      throw new PromkitError(
        'PROMKIT_ERR_PUSH_FAILED',
        `${method} ${this.groupUrl}: the Pushgateway answered ${response.status}: ${message}`,
      )
    }
  }
}
