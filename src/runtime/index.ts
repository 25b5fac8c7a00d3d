// promkit/exporter: the runtime that turns collectors into an exporter binary.
export { defineExporter } from './exporter.js'
export type { Exporter, RunningExporter } from './exporter.js'
export type { CollectorDefinition, ExporterContext, ExporterDefinition, FlagDefinition, FlagValue, MultiTargetDefinition } from './definition.js'
export type { RuntimeOptions } from './flags.js'
export type { LogFormat, LogLevel, Logger } from './logger.js'
export { parseDuration } from './duration.js'
export { redactTarget } from './allowed-targets.js'
export type { PooledConnection, TargetConnections } from './target-pool.js'
