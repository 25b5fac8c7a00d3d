// promkit/exporter: the runtime that turns collectors into an exporter binary.
export { defineExporter } from './exporter.js'
export type { Exporter, RunningExporter } from './exporter.js'
export type {
  CollectorDefinition,
  ExporterContext,
  ExporterDefinition,
  FlagAlias,
  MultiTargetDefinition,
} from './definition.js'
export { flag } from './flag.js'
export { perExporter } from './shared-state.js'
export type { Flag, FlagKind, FlagOptions, FlagValue } from './flag.js'
export type { RuntimeOptions } from './flags.js'
export type { LogFormat, LogLevel, Logger } from './logger.js'
export { redactTarget } from './allowed-targets.js'
export { ConfigReader } from './config-reader.js'
export type { Fields, Material } from './config-reader.js'
export type { PooledConnection, TargetConnections } from './target-pool.js'
export { certificateProblem } from './certificate-problem.js'
export type { CertificateProblem } from './certificate-problem.js'
export { ServerClient, ServerError } from './server-client.js'
export type { AnswerReader, ServerAnswer, ServerClientOptions, ServerRequest } from './server-client.js'
