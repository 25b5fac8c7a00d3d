// promkit's public surface: named exports only, types exported separately.
export { Desc, descsIn } from './desc.js'
export { cachedDescs } from './desc-cache.js'
export { ScrapeShared } from './scrape-shared.js'
export { counterFunc, gaugeFunc } from './func-collector.js'
export type { ValueReader } from './func-collector.js'
export type { DescOptions } from './desc.js'
export { constMetric, constHistogram, constNativeHistogram, constSummary, histogramBuckets } from './const-metric.js'
export type {
  Bucket,
  CumulativeOptions,
  HistogramData,
  HistogramMetric,
  Metric,
  MetricOptions,
  MetricType,
  NativeBuckets,
  NativeHistogramData,
  Quantile,
  ScalarMetric,
  ScalarType,
  SummaryData,
  SummaryMetric,
} from './const-metric.js'
export {
  defaultNativeSchema,
  defaultZeroThreshold,
  maxNativeSchema,
  minNativeSchema,
  nativeBucketIndex,
  nativeBucketsOf,
  nativeBucketsOfClassic,
} from './native-buckets.js'
export type { BucketSpan, ComputedNativeBuckets, NativeLayout, SparseBuckets } from './native-buckets.js'
export { exemplarMaxLabelCharacters } from './exemplar.js'
export type { Exemplar } from './exemplar.js'
export { collectorName, unwrapCollector } from './collector.js'
export type { CollectContext, Collector, Emit } from './collector.js'
export { AlreadyRegisteredError, Registry, defaultConcurrency, defaultTimeoutMs } from './registry.js'
export type { Registerer, RegistryOptions } from './registry.js'
export { currentCollector } from './gather.js'
export type {
  CollectorOutcome,
  GatherOptions,
  GatherResult,
  Gatherer,
  ScrapeReporter,
  ScrapeSummary,
} from './gather.js'
export { GatherError } from './families.js'
export type { MetricFamily } from './families.js'
export { wrapRegisterer } from './wrap.js'
export type { WrapOptions } from './wrap.js'
export { mergeGatherers } from './gatherers.js'
export { PromkitError, errorCatalog, errorMessage, quote } from './errors.js'
export { beforeDeadline, deadlineMarginMs, withTimeLimit } from './time-limit.js'
export { mapWithin } from './map-within.js'
export { ownedString } from './owned-string.js'
export type { MappedWithin } from './map-within.js'
export type { ErrorCode } from './errors.js'
export { isValidLabelName, isValidMetricName, nameValidationScheme, setNameValidationScheme } from './names.js'
export type { NameValidationScheme } from './names.js'
export {
  contentTypes,
  encode,
  encodeBody,
  encodeChunks,
  encodeProtobuf,
  encodeStream,
} from './exposition/encode.js'
export type { EncodeOptions, ExpositionFormat, TextFormat } from './exposition/encode.js'
export { defaultChunkBytes } from './exposition/byte-writer.js'
export { negotiate, negotiateExposition } from './exposition/negotiate.js'
export type { Negotiated } from './exposition/negotiate.js'
export { defaultEscapingScheme, escapeName, escapingSchemes, unescapeName } from './exposition/escaping.js'
export type { EscapingScheme } from './exposition/escaping.js'
export { TextParseError, parseText } from './exposition/parse-text.js'
export type { LabelPair, TextFamily, TextMetric } from './exposition/parse-text.js'
export { MetricsHandler, RequestsInFlight, ScrapeRefused, metricsHandler } from './http/handler.js'
export type {
  ErrorHandling,
  HandlerInstrumentation,
  MetricsHandlerOptions,
  MetricsRequest,
  MetricsResponse,
  MetricsSource,
} from './http/handler.js'
export { Pushgateway } from './push.js'
export type { PushgatewayOptions } from './push.js'
export { promClientCollector } from './prom-client-bridge.js'
export type { PromClientCollectorOptions, PromClientSource } from './prom-client-bridge.js'
