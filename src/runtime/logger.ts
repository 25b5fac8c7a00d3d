import { type Logger, pino } from 'pino'
import { logfmtDestination } from './logfmt.js'

/** The levels `--log.level` accepts. */
export const logLevels = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof logLevels)[number]
/** The formats `--log.format` accepts. */
export const logFormats = ['logfmt', 'json'] as const
export type LogFormat = (typeof logFormats)[number]

/**
 * The exporter's logger: pino, one line per record on stderr (or `fd`), with
 * `level` as a word and `ts` in ISO 8601, as Go exporters log. Both formats
 * write synchronously, so nothing logged before an exit is lost.
 */
export function createLogger(level: LogLevel, format: LogFormat, fd = 2): Logger {
  const options = {
    level,
    base: undefined,
    messageKey: 'msg',
    timestamp: () => `,"ts":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
  }
  return pino(options, format === 'json' ? pino.destination({ dest: fd, sync: true }) : logfmtDestination(fd))
}

export type { Logger }
