import { performance } from 'node:perf_hooks'
import { beforeDeadline, deadlineMarginMs, errorMessage, mapWithin } from 'promkit'
import type { KubernetesClient } from './kubernetes-client.js'
import { type Summary, parseSummary } from './summary.js'

/** One node's summary as one scrape read it, or why it could not. */
export interface NodeReading {
  /** The node's name as the `node` label; undefined for the one node a DaemonSet's exporter reads. */
  readonly node: string | undefined
  readonly summary?: Summary
  /** Why the summary could not be read, in one line. */
  readonly error?: string
  /** How long reading it took. */
  readonly seconds: number
}

/** What one scrape read: a reading per node, or why there are none (the node list could not be read). */
export interface Readings {
  readonly nodes: readonly NodeReading[]
  readonly error?: string
}

/** Where the summaries come from: one kubelet, or every node through the API server. */
export interface SummarySource {
  /** Reads every node's summary by `deadline` (`Date.now()` ms); never rejects. */
  read(signal: AbortSignal, deadline: number): Promise<Readings>
  close(): void
}

/** `/stats/summary`, asking for CPU and memory only when nothing else is reported. */
function summaryPath(onlyCpuAndMemory: boolean): string {
  return onlyCpuAndMemory ? 'stats/summary?only_cpu_and_memory=true' : 'stats/summary'
}

/** Reads and parses one summary; a failure is the reading's error, prefixed with the server. */
async function readSummary(
  client: KubernetesClient,
  path: string,
  signal: AbortSignal,
  node: string | undefined,
  permission: string,
): Promise<NodeReading> {
  const started = performance.now()
  const done = (outcome: { summary: Summary } | { error: string }) => ({
    node,
    ...outcome,
    seconds: (performance.now() - started) / 1000,
  })
  try {
    const body = await client.get(path, signal, permission)
    try {
      return done({ summary: parseSummary(body) })
    } catch (error) {
      return done({ error: `${client.name}: ${errorMessage(error)}` })
    }
  } catch (error) {
    return done({ error: errorMessage(error) })
  }
}

/** The summary of the one kubelet at `--kubelet.url` (a DaemonSet's exporter reads its own node's). */
export class KubeletSource implements SummarySource {
  private readonly path: string

  constructor(
    private readonly client: KubernetesClient,
    onlyCpuAndMemory: boolean,
  ) {
    this.path = summaryPath(onlyCpuAndMemory)
  }

  async read(signal: AbortSignal, deadline: number): Promise<Readings> {
    await this.client.refreshToken()
    const started = performance.now()
    const late = () => ({
      node: undefined,
      error: `${this.client.name}: no answer before the scrape deadline`,
      seconds: (performance.now() - started) / 1000,
    })
    const reading = readSummary(this.client, this.path, signal, undefined, 'get nodes/stats')
    return { nodes: [await beforeDeadline(reading, deadline, late)] }
  }

  close(): void {
    this.client.close()
  }
}

/** Pages of the node list read at most (500 nodes a page). */
const maxNodePages = 100

/**
 * Every node's summary through the API server (`/api/v1/nodes/<node>/proxy/stats/summary`), `concurrency` at once,
 * by the scrape deadline; a node not read by then is reported as not read.
 */
export class ClusterSource implements SummarySource {
  private readonly path: string

  constructor(
    private readonly client: KubernetesClient,
    onlyCpuAndMemory: boolean,
    private readonly concurrency: number,
    private readonly nodeSelector: string,
  ) {
    this.path = summaryPath(onlyCpuAndMemory)
  }

  async read(signal: AbortSignal, deadline: number): Promise<Readings> {
    await this.client.refreshToken()
    let names: string[]
    try {
      names = await this.nodeNames(signal, deadline)
    } catch (error) {
      return { nodes: [], error: errorMessage(error) }
    }
    const started = performance.now()
    const { done, unfinished } = await mapWithin(names, this.concurrency, deadline - deadlineMarginMs, (name) =>
      readSummary(
        this.client,
        `/api/v1/nodes/${encodeURIComponent(name)}/proxy/${this.path}`,
        signal,
        name,
        'get nodes/proxy',
      ),
    )
    const late = unfinished.map((node) => ({
      node,
      error: `${this.client.name}: no summary of the node before the scrape deadline`,
      seconds: (performance.now() - started) / 1000,
    }))
    return { nodes: [...done.map(({ result }) => result), ...late] }
  }

  /** The names of the nodes to read, page by page. */
  private async nodeNames(signal: AbortSignal, deadline: number): Promise<string[]> {
    const names: string[] = []
    let next = ''
    for (let page = 0; page < maxNodePages; page++) {
      const query = new URLSearchParams({ limit: '500' })
      if (this.nodeSelector !== '') query.set('labelSelector', this.nodeSelector)
      if (next !== '') query.set('continue', next)
      const reading = this.client.get(`/api/v1/nodes?${query}`, signal, 'list nodes')
      const body = await beforeDeadline(reading, deadline, () => {
        throw new Error(`${this.client.name}: no node list before the scrape deadline`)
      })
      const list = nodeList(body, this.client.name)
      names.push(...list.names)
      next = list.next
      if (next === '') break
    }
    return [...new Set(names)]
  }

  close(): void {
    this.client.close()
  }
}

/** One page of `/api/v1/nodes`: its node names and the `continue` token of the next page ('' at the last). */
export function nodeList(body: string, server: string): { names: string[]; next: string } {
  let document: { items?: unknown; metadata?: { continue?: unknown } }
  try {
    document = JSON.parse(body)
  } catch (error) {
    throw new Error(`${server}: the node list is not JSON (${errorMessage(error)})`)
  }
  if (typeof document !== 'object' || document === null || !Array.isArray(document.items)) {
    throw new Error(`${server}: the answer has no "items" list: not a node list`)
  }
  const names = document.items
    .map((item: { metadata?: { name?: unknown } } | null) => item?.metadata?.name)
    .filter((name): name is string => typeof name === 'string' && name !== '')
  const next = document.metadata?.continue
  return { names, next: typeof next === 'string' ? next : '' }
}
