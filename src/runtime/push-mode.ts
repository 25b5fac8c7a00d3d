import type { Logger } from 'pino'
import { errorMessage } from '../errors.js'
import type { Gatherer } from '../gather.js'
import { Pushgateway } from '../push.js'
import type { PushMode } from './flags.js'

/** A running push mode. */
export interface Pushing {
  /** With an interval of 0: the exit code once the single push is done (0 pushed, 1 failed). */
  readonly finished: Promise<number> | undefined
  stop(): void
}

/**
 * Push mode (`--push.gateway-url`): gathers the exporter's collectors and pushes
 * them to a Pushgateway, once (then the process exits, non-zero if the push
 * failed) or every `--push.interval` until stopped. Turns any exporter into the
 * "send these metrics to the gateway" script a batch job or cron would run.
 */
export function startPushing(mode: PushMode, gatherer: Gatherer, logger: Logger): Pushing {
  const gateway = new Pushgateway({ url: mode.url, job: mode.job, grouping: mode.grouping })
  const fields = { gateway: mode.url, job: mode.job, grouping: mode.grouping, method: mode.method }
  const pushOnce = async (): Promise<boolean> => {
    try {
      await (mode.method === 'post' ? gateway.pushAdd(gatherer) : gateway.push(gatherer))
      logger.info(fields, 'pushed to the Pushgateway')
      return true
    } catch (error) {
      logger.error(fields, `push failed: ${errorMessage(error)}`)
      return false
    }
  }
  if (mode.intervalMs === 0) return { finished: pushOnce().then((ok) => (ok ? 0 : 1)), stop: () => {} }
  void pushOnce()
  const timer = setInterval(() => void pushOnce(), mode.intervalMs)
  return { finished: undefined, stop: () => clearInterval(timer) }
}
