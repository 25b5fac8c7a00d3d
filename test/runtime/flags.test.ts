import t from 'tap'
import { type ExporterDefinition, flag } from '../../src/runtime/index.js'
import { checkDefinition, envName, parseCommandLine } from '../../src/runtime/flags.js'
import { refuses } from '../helpers/refuses.js'

const collector = (name: string, defaultEnabled: boolean) => ({
  name,
  defaultEnabled,
  create: () => ({ describe: () => [], collect() {} }),
})
const definition: ExporterDefinition = {
  name: 'demo_exporter',
  description: 'Demo.',
  version: '0.0.1',
  defaultListenAddress: ':9999',
  namespace: 'demo',
  envPrefix: 'DEMO_EXPORTER',
  flags: [
    flag.string('demo.password', { secret: true, description: 'Secret.', default: 'hidden-default' }),
    flag.enum('demo.mode', ['a', 'b'], { default: 'a', description: 'Mode.' }),
    flag.boolean('demo.verbose', { description: 'Verbose.' }),
    flag.regexp('demo.pattern', { default: '^x', description: 'Pattern.' }),
    flag.file('demo.file', { description: 'File.' }),
    flag.duration('demo.every', { description: 'Interval.' }),
  ],
  collectors: [
    collector('cpu', true),
    {
      ...collector('netdev', true),
      flags: [flag.string('collector.netdev.device-exclude', { default: '^lo$', description: 'Devices to skip.' })],
    },
    collector('wifi', false),
  ],
  multiTarget: { collectors: () => [] },
}

function parse(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let out = ''
  const { options } = parseCommandLine(definition, ['node', 'demo', ...argv], env, (text) => (out += text))
  return { options, out }
}

t.test('defaults', async (t) => {
  const { options } = parse([])
  t.same(options?.listenAddresses, [{ host: undefined, port: 9999 }])
  t.same(
    [
      options?.telemetryPath,
      options?.scrapePath,
      options?.namespace,
      options?.maxRequests,
      options?.errorHandling,
      options?.logLevel,
      options?.logFormat,
      options?.scrapeTimeoutMs,
      options?.scrapeTimeoutOffsetMs,
      options?.disableExporterMetrics,
      options?.webConfigFile,
    ],
    ['/metrics', '/scrape', 'demo', 40, 'continue', 'info', 'logfmt', 10_000, 500, false, undefined],
  )
  t.same(options?.enabledCollectors, ['cpu', 'netdev'])
  t.same(options?.allowedTargets, [])
  t.equal(options?.flags['collector.netdev.device-exclude'], '^lo$')
  t.equal(options?.flags['demo.verbose'], false)
  t.same(
    [
      options?.flags['demo.pattern'],
      options?.flags['demo.file'],
      options?.flags['demo.mode'],
      options?.flags['demo.every'],
    ],
    [/^x/, undefined, 'a', undefined],
  )
  t.ok(options?.secretFlags.has('demo.password'))
  t.ok(Object.isFrozen(options))
})

t.test('command line values, repeated flags and environment variables', async (t) => {
  const { options } = parse(
    [
      '--web.listen-address',
      '127.0.0.1:1',
      '--web.listen-address=[::1]:2',
      '--web.telemetry-path',
      '/m',
      '--scrape.timeout',
      '2s',
      '--web.allowed-targets',
      'a:*',
      '--demo.verbose',
      '--log.format',
      'json',
    ],
    {
      DEMO_EXPORTER_WEB_MAX_REQUESTS: '3',
      DEMO_EXPORTER_LOG_FORMAT: 'logfmt',
      DEMO_EXPORTER_WEB_ALLOWED_TARGETS: 'ignored',
      DEMO_EXPORTER_WEB_DISABLE_EXPORTER_METRICS: 'true',
      DEMO_EXPORTER_METRIC_NAMESPACE: '',
    },
  )
  t.same(options?.listenAddresses, [
    { host: '127.0.0.1', port: 1 },
    { host: '::1', port: 2 },
  ])
  t.same(
    [
      options?.telemetryPath,
      options?.scrapeTimeoutMs,
      options?.maxRequests,
      options?.logFormat,
      options?.disableExporterMetrics,
      options?.namespace,
    ],
    ['/m', 2000, 3, 'json', true, ''],
  )
  t.same(options?.allowedTargets, ['a:*'], 'the command line wins over the environment')
  t.equal(options?.flags['demo.verbose'], true)
  t.same(parse([], { DEMO_EXPORTER_WEB_ALLOWED_TARGETS: 'a:1, b:*' }).options?.allowedTargets, ['a:1', 'b:*'])
  t.same(parse(['--web.listen-port', '8080']).options?.listenAddresses, [{ host: undefined, port: 8080 }])
  t.equal(parse(['--no-demo.verbose'], { DEMO_EXPORTER_DEMO_VERBOSE: 'yes' }).options?.flags['demo.verbose'], false)
  t.equal(parse([], { DEMO_EXPORTER_DEMO_VERBOSE: 'false' }).options?.flags['demo.verbose'], false)
  t.equal(parse(['--demo.verbose=false']).options?.flags['demo.verbose'], false, 'Go style, on the command line too')
  t.equal(parse([], { DEMO_EXPORTER_DEMO_VERBOSE: 'yes' }).options?.flags['demo.verbose'], true)
  t.same(parse(['--demo.pattern', 'a|b']).options?.flags['demo.pattern'], /a|b/)
  t.equal(parse(['--demo.file', 'package.json']).options?.flags['demo.file'], 'package.json')
  t.equal(parse([], { DEMO_EXPORTER_DEMO_EVERY: '1m30s' }).options?.flags['demo.every'], 90_000)
})

t.test('collector toggles follow node_exporter', async (t) => {
  t.same(parse(['--collector.wifi']).options?.enabledCollectors, ['cpu', 'netdev', 'wifi'])
  t.same(parse(['--no-collector.cpu']).options?.enabledCollectors, ['netdev'])
  t.same(parse(['--collector.disable-defaults', '--collector.netdev']).options?.enabledCollectors, ['netdev'])
  t.same(
    parse([], { DEMO_EXPORTER_COLLECTOR_DISABLE_DEFAULTS: '1', DEMO_EXPORTER_COLLECTOR_WIFI: 'true' }).options
      ?.enabledCollectors,
    ['wifi'],
  )
  t.same(parse(['--collector.disable-defaults']).options?.enabledCollectors, [])
})

t.test('help and version answer and say so', async (t) => {
  const help = parse(['--help'])
  t.equal(help.options, undefined)
  t.match(
    help.out,
    /--web\.listen-address <value> +Address to listen on, host:port or :port for every interface; repeat for several\. \(default: :9999, env: DEMO_EXPORTER_WEB_LISTEN_ADDRESS\)/,
  )
  t.match(
    help.out,
    /--log\.level <value> +Least severe level logged\. \(choices: "debug", "info", "warn", "error", default: info, env: DEMO_EXPORTER_LOG_LEVEL\)/,
  )
  t.match(
    help.out,
    /--scrape\.timeout <value> +Scrape deadline [^(]*\(default: 10s, env: DEMO_EXPORTER_SCRAPE_TIMEOUT\)/,
    "a duration's default as it is written",
  )
  t.match(
    help.out,
    /--demo\.verbose +Verbose\. \(env: DEMO_EXPORTER_DEMO_VERBOSE\)/,
    'a boolean takes no value in help',
  )
  t.match(
    help.out,
    /--collector\.wifi +Enable the wifi collector \(default: disabled; --no-collector\.wifi disables it\)\. \(env: DEMO_EXPORTER_COLLECTOR_WIFI\)/,
  )
  t.notMatch(help.out, /hidden-default/, 'a secret default is not shown')
  const version = parse(['--version'])
  t.equal(version.options, undefined)
  t.match(
    version.out,
    /^demo_exporter, version 0\.0\.1 \(branch: \S+, revision: (?:[0-9a-f]{40}|unknown)\)\n/,
    "the definition's version, and the revision the package was built from",
  )
})

t.test('bad flags are one clear line', async (t) => {
  const cases: [string[], NodeJS.ProcessEnv, string][] = [
    [['--bogus'], {}, "unknown option '--bogus'"],
    [['--web.listen-adress', 'x'], {}, "unknown option '--web.listen-adress'"],
    [['extra'], {}, 'too many arguments. Expected 0 arguments but got 1.'],
    [
      ['--web.listen-address', 'nope'],
      {},
      '--web.listen-address: "nope" is not a listen address (want host:port, :port or [ipv6]:port)',
    ],
    [
      ['--web.listen-port', '1', '--web.listen-address', ':2'],
      {},
      "option '--web.listen-port' cannot be used with option '--web.listen-address'",
    ],
    [
      ['--web.listen-port', '1'],
      { DEMO_EXPORTER_WEB_LISTEN_ADDRESS: ':2' },
      "option '--web.listen-port' cannot be used with environment variable 'DEMO_EXPORTER_WEB_LISTEN_ADDRESS'",
    ],
    [
      ['--demo.pattern', '[a'],
      {},
      '--demo.pattern: "[a" is not a valid regular expression: Invalid regular expression: /[a/: Unterminated character class',
    ],
    [['--demo.file', '/no/such/file'], {}, '--demo.file: cannot read "/no/such/file": ENOENT'],
    [['--demo.file', 'test'], {}, '--demo.file: cannot read "test": EISDIR'],
    [['--demo.verbose=maybe'], {}, '--demo.verbose: "maybe" is not a boolean (want true or false)'],
    [['--web.listen-port', 'abc'], {}, '--web.listen-port: "abc" is not a whole number'],
    [['--web.telemetry-path', 'metrics'], {}, '--web.telemetry-path: "metrics" must start with /'],
    [['--web.scrape-path', '/metrics'], {}, '--web.scrape-path and --web.telemetry-path are both "/metrics"'],
    [['--metric.namespace', '1abc'], {}, '--metric.namespace: "1abc" is not a valid metric name prefix'],
    [['--log.level', 'loud'], {}, '--log.level: "loud" is not one of debug, info, warn, error'],
    [['--scrape.timeout', '0', '--scrape.timeout-offset', '0'], {}, '--scrape.timeout: must be more than 0'],
    [['--scrape.timeout', 'soon'], {}, '--scrape.timeout: "soon" is not a duration (want e.g. 10s, 1m30s, 500ms)'],
    [['--scrape.timeout', '1000h'], {}, '--scrape.timeout: "1000h" is longer than 596h, the longest a timer can wait'],
    [['--scrape.timeout', '61m'], {}, '--scrape.timeout: must be at most 1h'],
    [['--push.interval', '25d'], {}, '--push.interval: "25d" is not a duration (want e.g. 10s, 1m30s, 500ms)'],
    [['--push.interval', '600h'], {}, '--push.interval: "600h" is longer than 596h, the longest a timer can wait'],
    [
      ['--scrape.timeout', '2s', '--scrape.timeout-offset', '2s'],
      {},
      '--scrape.timeout-offset (2000 ms) must be less than --scrape.timeout (2000 ms)',
    ],
    [
      ['--web.telemetry-path', '/healthz'],
      {},
      '--web.telemetry-path: "/healthz" is the health endpoint; choose another path',
    ],
    [
      ['--web.telemetry-path', '/health'],
      {},
      '--web.telemetry-path: "/health" is the health endpoint; choose another path',
    ],
    [['--web.scrape-path', '/'], {}, '--web.scrape-path: "/" is the landing page; choose another path'],
    [
      ['--web.telemetry-path', '/-/ready'],
      {},
      '--web.telemetry-path: "/-/ready" is the health endpoint; choose another path',
    ],
    [
      [],
      { DEMO_EXPORTER_LOG_LEVEL: 'loud' },
      '$DEMO_EXPORTER_LOG_LEVEL: "loud" is not one of debug, info, warn, error',
    ],
    [
      [],
      { DEMO_EXPORTER_DEMO_VERBOSE: 'perhaps' },
      '$DEMO_EXPORTER_DEMO_VERBOSE: "perhaps" is not a boolean (want true or false)',
    ],
  ]
  for (const [argv, env, message] of cases) refuses(t, () => parse(argv, env), 'PROMKIT_ERR_INVALID_FLAG', message)
})

t.test('definitions that cannot work are refused', async (t) => {
  const bad = (change: Partial<ExporterDefinition>) => () => checkDefinition({ ...definition, ...change })
  refuses(
    t,
    bad({ namespace: 'a-b' }),
    'PROMKIT_ERR_INVALID_OPTION',
    'exporter "demo_exporter": namespace "a-b" is not a valid metric name prefix',
  )
  refuses(
    t,
    bad({ envPrefix: 'demo' }),
    'PROMKIT_ERR_INVALID_OPTION',
    'exporter "demo_exporter": envPrefix "demo" must be upper case letters, digits and _',
  )
  refuses(
    t,
    bad({ collectors: [collector('CPU', true)] }),
    'PROMKIT_ERR_INVALID_OPTION',
    'exporter "demo_exporter": collector name "CPU" must be lower case letters, digits, _ and -',
  )
  refuses(
    t,
    bad({ collectors: [collector('cpu', true), collector('cpu', false)] }),
    'PROMKIT_ERR_INVALID_OPTION',
    'exporter "demo_exporter": collector "cpu" is defined twice',
  )
  refuses(
    t,
    bad({ flags: [flag.string('Bad_Flag', { description: '' })] }),
    'PROMKIT_ERR_INVALID_OPTION',
    'exporter "demo_exporter": flag "Bad_Flag" must be lower case words joined by . and -',
  )
  refuses(
    t,
    bad({ flags: [flag.string('web.telemetry-path', { description: '' })] }),
    'PROMKIT_ERR_INVALID_OPTION',
    'exporter "demo_exporter": flag "web.telemetry-path" is defined twice',
  )
  refuses(
    t,
    bad({ collectors: [{ ...collector('cpu', true), flags: [flag.string('cpu.info', { description: '' })] }] }),
    'PROMKIT_ERR_INVALID_OPTION',
    'exporter "demo_exporter": flag "cpu.info" of collector "cpu" must start with "collector.cpu."',
  )
  refuses(
    t,
    () => flag.duration('bad.default', { default: 'soon', description: '' }),
    'PROMKIT_ERR_INVALID_FLAG',
    '--bad.default: "soon" is not a duration (want e.g. 10s, 1m30s, 500ms)',
  )
  refuses(
    t,
    () => flag.regexp('bad.pattern', { default: '(', description: '' }),
    'PROMKIT_ERR_INVALID_FLAG',
    '--bad.pattern: "(" is not a valid regular expression: Invalid regular expression: /(/: Unterminated group',
  )
  refuses(
    t,
    bad({ environment: { 'demo.nope': 'DEMO_NOPE' } }),
    'PROMKIT_ERR_INVALID_OPTION',
    'exporter "demo_exporter": environment variable "DEMO_NOPE" is given for "demo.nope", not a flag',
  )
  refuses(
    t,
    bad({ environment: { 'demo.mode': 'demo-mode' } }),
    'PROMKIT_ERR_INVALID_OPTION',
    'exporter "demo_exporter": environment variable "demo-mode" must be upper case letters, digits and _',
  )
  checkDefinition({ ...definition, namespace: '' })
  t.equal(envName('A_B', 'web.listen-address'), 'A_B_WEB_LISTEN_ADDRESS')
})

t.test("environment: the reference exporter's variable for a flag replaces the prefixed one", async (t) => {
  const renamed: ExporterDefinition = {
    ...definition,
    environment: { 'demo.mode': 'MODE', 'collector.wifi': 'COLLECT_WIFI' },
  }
  checkDefinition(renamed)
  const read = (env: NodeJS.ProcessEnv) => parseCommandLine(renamed, ['node', 'demo'], env, () => {}).options
  const options = read({ MODE: 'b', COLLECT_WIFI: 'True', DEMO_EXPORTER_DEMO_MODE: 'a' })
  t.equal(options?.flags['demo.mode'], 'b', 'read from its own variable')
  t.same(options?.enabledCollectors, ['cpu', 'netdev', 'wifi'], 'a collector toggled by its own variable')
  t.equal(read({ DEMO_EXPORTER_DEMO_MODE: 'b' })?.flags['demo.mode'], 'a', 'the prefixed variable no longer sets it')
  refuses(t, () => read({ MODE: 'c' }), 'PROMKIT_ERR_INVALID_FLAG', '$MODE: "c" is not one of a, b')
})

t.test("flag aliases: the reference exporter's names for a flag, its value written as the flag wants", async (t) => {
  const aliased: ExporterDefinition = {
    ...definition,
    flagAliases: {
      mode: { flag: 'demo.mode' },
      'offset-seconds': { flag: 'scrape.timeout-offset', value: (text) => `${text}s` },
    },
  }
  const parsed = (argv: string[]) => parseCommandLine(aliased, ['node', 'demo', ...argv], {}, () => {}).options
  t.same(
    [parsed(['--mode', 'b'])?.flags['demo.mode'], parsed(['--offset-seconds=0.25'])?.scrapeTimeoutOffsetMs],
    ['b', 250],
  )
  t.throws(() => parsed(['--mode']), { message: '--mode needs a value' })
  t.throws(
    () => parsed(['--', '--mode']),
    { message: 'too many arguments. Expected 0 arguments but got 1.' },
    'after --, an operand, never an alias',
  )
})
