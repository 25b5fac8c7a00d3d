import type { Socket } from 'node:net'
import type { TlsInfo } from './certificates.js'
import type { TcpProbeConfig } from './config.js'
import { type ProbeDeadline, openConnection } from './connection.js'
import { ProbeFailure, networkFailure } from './failure.js'
import type { ProbeLog } from './probe-log.js'
import { type ResolvedTarget, resolveTarget, serverAddress } from './resolve.js'

/** What a TCP probe found: its resolution, TLS details, whether an `expect` went unanswered, and its failure. */
export interface TcpProbeOutcome {
  readonly resolved: ResolvedTarget | undefined
  readonly tls: TlsInfo | undefined
  readonly failedDueToRegex: boolean
  readonly failure: ProbeFailure | undefined
}

/** Reads lines from a socket until one matches `expect`; fails when the connection ends first. */
function expectLine(socket: Socket, expect: RegExp, pending: { text: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      for (let newline = pending.text.indexOf('\n'); newline >= 0; newline = pending.text.indexOf('\n')) {
        const line = pending.text.slice(0, newline).replace(/\r$/, '')
        pending.text = pending.text.slice(newline + 1)
        if (expect.test(line)) return true
      }
      return false
    }
    const cleanup = () => {
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.off('error', onError)
    }
    const onData = (chunk: Buffer) => {
      pending.text += chunk.toString('utf8')
      if (check()) {
        cleanup()
        resolve()
      }
    }
    const onEnd = () => {
      cleanup()
      // The last line may lack its line feed.
      if (pending.text !== '' && expect.test(pending.text)) resolve()
      else reject(new ProbeFailure('query_response', `the connection ended before a line matched ${expect.source}`))
    }
    const onError = (error: Error) => {
      cleanup()
      reject(networkFailure(error, true))
    }
    if (check()) {
      resolve()
      return
    }
    socket.on('data', onData)
    socket.once('end', onEnd)
    socket.once('error', onError)
  })
}

/**
 * Probes `host:port` as blackbox_exporter's tcp prober does: connect (TLS
 * with `tls: true`), then each `query_response` step in turn: wait for a line
 * matching `expect`, write `send` and a line feed, switch to TLS on
 * `starttls`. Never throws: a failure is in the outcome.
 */
export async function probeTcp(
  target: string,
  config: TcpProbeConfig,
  deadline: ProbeDeadline,
  log: ProbeLog,
): Promise<TcpProbeOutcome> {
  let resolved: ResolvedTarget | undefined
  let tls: TlsInfo | undefined
  let failedDueToRegex = false
  const probed = async (): Promise<TcpProbeOutcome> => {
    const { host, port } = serverAddress(target)
    resolved = await deadline.within(resolveTarget(host, config.preferredIpProtocol, config.ipProtocolFallback))
    log.info(`resolved ${host} to ${resolved.address}`)
    let connection = await openConnection(
      deadline,
      resolved.address,
      port,
      host,
      config.tls ? config.tlsConfig : undefined,
    )
    tls = connection.tls
    if (connection.tlsFailure) throw connection.tlsFailure
    log.info(`connected to ${resolved.address}:${port}${config.tls ? ' over TLS' : ''}`)
    const pending = { text: '' }
    for (const step of config.queryResponse) {
      if (step.expect) {
        try {
          await deadline.within(expectLine(connection.socket, step.expect, pending))
        } catch (error) {
          if (error instanceof ProbeFailure && error.reason === 'query_response') failedDueToRegex = true
          throw error
        }
        log.info(`read a line matching ${step.expect.source}`)
      }
      if (step.send !== undefined) connection.socket.write(`${step.send}\n`)
      if (step.starttls) {
        connection = await openConnection(deadline, resolved.address, port, host, config.tlsConfig, {
          over: connection.socket,
        })
        tls = connection.tls
        if (connection.tlsFailure) throw connection.tlsFailure
        pending.text = ''
        log.info('switched to TLS')
      }
    }
    return { resolved, tls, failedDueToRegex, failure: undefined }
  }
  const outcome = await probed().catch((error: unknown) => ({
    resolved,
    tls,
    failedDueToRegex,
    failure: networkFailure(error, deadline.connected),
  }))
  deadline.close()
  return outcome
}
