/**
 * The catalog of every error promkit raises. Each code is stable, and README's
 * "Errors" table lists the same codes (a test keeps the two in step), so a user
 * who sees a code in a log can look up what it means and how to fix it.
 */
export const errorCatalog = {
  PROMKIT_ERR_INVALID_METRIC_NAME: {
    description: 'A metric name does not match [a-zA-Z_:][a-zA-Z0-9_:]*.',
    solution: 'Use letters, digits, underscores and colons; do not start with a digit.',
  },
  PROMKIT_ERR_INVALID_LABEL_NAME: {
    description: 'A label name does not match [a-zA-Z_][a-zA-Z0-9_]* or starts with the reserved "__".',
    solution: 'Use letters, digits and underscores; "__" prefixes are reserved for Prometheus.',
  },
  PROMKIT_ERR_DUPLICATE_LABEL_NAME: {
    description: 'A descriptor names the same label twice, or as both a const and a variable label.',
    solution: 'Give each label one name and one role.',
  },
  PROMKIT_ERR_INVALID_HELP: {
    description: 'A help string is missing or is not well-formed UTF-16 (a lone surrogate).',
    solution: 'Pass a plain string; an empty help is allowed.',
  },
  PROMKIT_ERR_INVALID_UNIT: {
    description: 'A unit has characters outside [a-zA-Z0-9_:] or is not the suffix of the metric name.',
    solution: 'Name the metric "<name>_<unit>" (before any "_total"), as OpenMetrics requires.',
  },
  PROMKIT_ERR_INVALID_LABEL_VALUE: {
    description: 'A label value is not a string or is not valid UTF-8 (a lone surrogate).',
    solution: 'Pass strings; convert numbers with String(n).',
  },
  PROMKIT_ERR_LABEL_CARDINALITY: {
    description: 'A metric has a different number of label values than its descriptor has variable labels.',
    solution: 'Pass one value for each variable label, in the order the descriptor lists them.',
  },
  PROMKIT_ERR_INVALID_VALUE: {
    description: 'A sample value, count, sum or timestamp is not an acceptable number.',
    solution: 'Counters and counts must be non-negative and not NaN; timestamps must be finite.',
  },
  PROMKIT_ERR_INVALID_BUCKETS: {
    description: 'Histogram buckets are not cumulative, repeat an upper bound, or disagree with the count.',
    solution: 'Pass cumulative counts per upper bound; the +Inf bucket, if given, must equal the count.',
  },
  PROMKIT_ERR_INVALID_NATIVE_HISTOGRAM: {
    description:
      'A native histogram has a schema outside -4..8, a count that is not a non-negative integer, a bucket given ' +
      'twice, or buckets that do not add up to its count.',
    solution: 'Count each observation once: zero bucket plus positive and negative buckets equal the count.',
  },
  PROMKIT_ERR_INVALID_QUANTILE: {
    description: 'A summary quantile is outside [0, 1], NaN, or repeated.',
    solution: 'Use quantiles such as 0.5, 0.9, 0.99, each once.',
  },
  PROMKIT_ERR_INVALID_EXEMPLAR: {
    description: 'An exemplar has invalid labels, more than 128 characters of labels, or a non-number value.',
    solution: 'Keep exemplar labels short (e.g. a trace_id) and the value a number.',
  },
  PROMKIT_ERR_DUPLICATE_DESCRIPTOR: {
    description: 'A descriptor with the same name and const label values is already registered.',
    solution: 'Register each metric once, or tell the instances apart with a const label.',
  },
  PROMKIT_ERR_DESCRIPTOR_CONFLICT: {
    description: 'A metric name was registered before with a different help string or label names.',
    solution: 'Use one help string and one label set per metric name across the registry.',
  },
  PROMKIT_ERR_ALREADY_REGISTERED: {
    description: 'The same collector (the same set of descriptors) is already registered.',
    solution: 'Reuse error.existing, or unregister the old collector first.',
  },
  PROMKIT_ERR_COLLECT_FAILED: {
    description: 'A collector threw, rejected, or emitted something that is not a metric.',
    solution: 'See the cause; the other collectors are still served.',
  },
  PROMKIT_ERR_COLLECT_TIMEOUT: {
    description: 'A collector did not finish (or did not start) before the scrape deadline.',
    solution: 'Honour the AbortSignal passed to collect(), or raise the scrape timeout.',
  },
  PROMKIT_ERR_DUPLICATE_SERIES: {
    description: 'Two collected metrics have the same name and label values.',
    solution: 'Emit each series once per scrape; the first one emitted is kept.',
  },
  PROMKIT_ERR_FAMILY_CONFLICT: {
    description: 'Metrics of one name were collected with different types, help strings or units.',
    solution: 'Emit one type, help and unit per metric name.',
  },
  PROMKIT_ERR_NAME_COLLISION: {
    description: 'A family name collides with a sample name of another family (_bucket, _count, _sum, _total).',
    solution: 'Rename one of the metrics.',
  },
  PROMKIT_ERR_RESERVED_LABEL: {
    description: 'A histogram has an "le" label or a summary a "quantile" label set by hand.',
    solution: 'Rename the label; promkit adds le and quantile itself.',
  },
  PROMKIT_ERR_UNDESCRIBED_METRIC: {
    description: 'Pedantic mode: a collector emitted a metric whose descriptor it did not describe.',
    solution: 'Return every descriptor you emit from describe().',
  },
  PROMKIT_ERR_INVALID_FLAG: {
    description: 'A command-line flag or its environment variable has a value the exporter cannot use.',
    solution: 'See the message and `--help` for the accepted form.',
  },
  PROMKIT_ERR_INVALID_CONFIG: {
    description: 'The web config file (--web.config.file) cannot be read or is not valid.',
    solution: "Fix the key named in the message; the format is exporter-toolkit's.",
  },
  PROMKIT_ERR_LISTEN_FAILED: {
    description: 'The exporter could not listen on an address (in use, not local, no permission).',
    solution: 'Pick another --web.listen-address or stop what holds the port.',
  },
  PROMKIT_ERR_TARGET_REFUSED: {
    description: 'A multi-target scrape named a target that --web.allowed-targets does not allow, or no target.',
    solution: 'Add a matching pattern to --web.allowed-targets.',
  },
  PROMKIT_ERR_POOL_FULL: {
    description: 'A multi-target scrape needed a new connection while every pooled connection was in use by a scrape.',
    solution: 'Raise --multi-target.max-connections, or scrape fewer targets at once.',
  },
  PROMKIT_ERR_PUSH_FAILED: {
    description: 'A push to the Pushgateway was refused, failed, or would have sent a partial or conflicting scrape.',
    solution: "See the gateway's status and message, or the gather errors, in the message.",
  },
  PROMKIT_ERR_INVALID_OPTION: {
    description: 'An option passed to a promkit function is out of range or of the wrong kind.',
    solution: 'See the message for the accepted values.',
  },
} as const satisfies Record<string, { readonly description: string; readonly solution: string }>

/** One of the codes in {@link errorCatalog}. */
export type ErrorCode = keyof typeof errorCatalog

/** Every error promkit throws or reports carries a stable {@link ErrorCode}. */
export class PromkitError extends Error {
  /** The catalog code, e.g. `PROMKIT_ERR_DUPLICATE_SERIES`. */
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'PromkitError'
    this.code = code
  }
}

/** Quotes a value for an error message the way Go's %q would, so whitespace and quotes stay visible. */
export function quote(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  return JSON.stringify(value) ?? String(value)
}

/** How many causes deep {@link errorMessage} follows a chain. */
const causeDepth = 5

/**
 * The message of anything thrown, with its causes, Go style: `fetch failed:
 * other side closed` (an Error's message, or the value quoted: `throw "x"`
 * happens). A cause whose text the message already holds is not repeated.
 */
export function errorMessage(error: unknown): string {
  const text = (value: unknown) => (value instanceof Error ? value.message : quote(value))
  let message = text(error)
  let cause = error instanceof Error ? error.cause : undefined
  for (let depth = 0; cause !== undefined && depth < causeDepth; depth++) {
    if (!message.includes(text(cause))) message += `: ${text(cause)}`
    cause = cause instanceof Error ? cause.cause : undefined
  }
  return message
}
