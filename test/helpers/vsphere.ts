import { type ChildProcess, spawn } from 'node:child_process'
import { type Server, createServer, request } from 'node:http'
import type { Test } from 'tap'
import { stopChild } from './child.js'
import { goPeerBinary } from './go-build.js'
import { waitFor } from './ports.js'

/** The built vsphere_exporter binary. */
export const vsphereExporterBin = new URL('../../collectors/vsphere/dist/main.js', import.meta.url).pathname

/** The user and password vcsim accepts in the tests. */
export const vcsimUser = 'monitor@vsphere.local'

/** govmomi's vcsim, built offline from Debian's sources (test/peers/vcsim): the binary's path. */
export function vcsimBinary(): string {
  return goPeerBinary('vcsim', [
    new URL('../peers/vcsim/', import.meta.url),
    new URL('../../../test/peers/vcsim/', import.meta.url),
  ])
}

/** How to run vcsim: the inventory's size, TLS, the password, session expiry, a slow method. */
export interface VcsimOptions {
  readonly password: string
  /** `127.0.0.1:<port>`; default any free port. */
  readonly listen?: string
  readonly tls?: { readonly cert: string; readonly key: string } | 'self-signed'
  readonly standaloneHosts?: number
  readonly clusters?: number
  readonly clusterHosts?: number
  /** VMs per standalone host and per cluster resource pool. */
  readonly vms?: number
  /** Expire sessions idle this long, e.g. `1s`. */
  readonly idleTimeout?: string
  readonly slowMethod?: { readonly method: string; readonly ms: number }
}

/** A running vcsim. */
export interface Vcsim {
  /** `127.0.0.1:<port>` */
  readonly address: string
  /** Its SDK URL: `http://127.0.0.1:<port>` (https with TLS). */
  readonly url: string
  /** Stops it (SIGTERM, then SIGKILL). */
  stop(): Promise<void>
  /** Kills it at once, as a crash does. */
  kill(): Promise<void>
}

/** vcsim's command line for `options`. */
function vcsimArgs(options: VcsimOptions): string[] {
  const args = ['-l', options.listen ?? '127.0.0.1:0', '-username', vcsimUser, '-password', options.password]
  const counts = [
    ['-standalone-host', options.standaloneHosts],
    ['-cluster', options.clusters],
    ['-host', options.clusterHosts],
    ['-vm', options.vms],
  ] as const
  for (const [flag, count] of counts) if (count !== undefined) args.push(flag, String(count))
  if (options.tls === 'self-signed') args.push('-tls')
  else if (options.tls) args.push('-tls', '-cert', options.tls.cert, '-key', options.tls.key)
  if (options.idleTimeout) args.push('-idle-timeout', options.idleTimeout)
  if (options.slowMethod)
    args.push('-slow-method', options.slowMethod.method, '-slow-ms', String(options.slowMethod.ms))
  return args
}

/** Starts vcsim; stop it when done. */
export async function launchVcsim(options: VcsimOptions): Promise<Vcsim> {
  const child: ChildProcess = spawn(vcsimBinary(), vcsimArgs(options), { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const address = await waitFor(
    'vcsim to listen',
    async () => {
      if (child.exitCode !== null) throw new Error(`vcsim exited: ${output}`)
      return /^ready (\S+)$/m.exec(output)?.[1]
    },
    60_000,
    10,
  )
  const scheme = options.tls ? 'https' : 'http'
  return {
    address,
    url: `${scheme}://${address}`,
    stop: () => stopChild(child),
    kill: () => stopChild(child, 0),
  }
}

/** Starts vcsim; stopped at teardown. */
export async function startVcsim(t: Test, options: VcsimOptions): Promise<Vcsim> {
  const vcsim = await launchVcsim(options)
  t.teardown(vcsim.stop)
  return vcsim
}

/** A loopback HTTP proxy in front of vcsim that counts the SOAP methods called through it. */
export interface CountingProxy {
  readonly url: string
  /** Calls per method since the last `take()`, which resets them. */
  take(): Record<string, number>
}

/** Starts a counting proxy to the (plain HTTP) vcsim at `address`; closed at teardown. */
export async function startCountingProxy(t: Test, address: string): Promise<CountingProxy> {
  let counts: Record<string, number> = {}
  const [host, port] = address.split(':') as [string, string]
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      const body = Buffer.concat(chunks)
      const method = /<(\w+) xmlns="urn:vim25">/.exec(body.toString())?.[1] ?? 'unknown'
      counts[method] = (counts[method] ?? 0) + 1
      const forward = request(
        { host, port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (answer) => {
          outgoing.writeHead(answer.statusCode as number, answer.headers)
          answer.pipe(outgoing)
        },
      )
      forward.on('error', () => outgoing.destroy())
      forward.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    take() {
      const taken = counts
      counts = {}
      return taken
    },
  }
}
