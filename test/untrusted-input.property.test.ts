import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import t from 'tap'
import { stringify } from 'yaml'
import { parseDiskstats } from '../collectors/system/diskstats.js'
import { parseFileNr } from '../collectors/system/filefd.js'
import { parseMounts } from '../collectors/system/filesystem.js'
import { parseLoadavg } from '../collectors/system/loadavg.js'
import { parseMeminfo } from '../collectors/system/meminfo.js'
import { parseNetDev } from '../collectors/system/netdev.js'
import { parsePressure } from '../collectors/system/pressure.js'
import { parseProcStat } from '../collectors/system/proc-stat.js'
import { parseVmstat } from '../collectors/system/vmstat.js'
import type { PromkitError } from '../src/errors.js'
import { negotiate } from '../src/exposition/negotiate.js'
import { AllowedTargets, redactTarget } from '../src/runtime/allowed-targets.js'
import { BasicAuth } from '../src/runtime/basic-auth.js'
import { scrapeDeadline } from '../src/http/handler.js'
import { collectorFilter } from '../src/runtime/scrape.js'
import { loadWebConfig } from '../src/runtime/web-config.js'

const fixture = new URL('fixtures/system', import.meta.url).pathname

// Property tests for every parser that reads what a stranger sends or an operator types:
// each either answers or refuses with a clear error, never hangs, never leaks a secret.

const runs = { numRuns: 500 }
/** A DNS label or address octet: what a `*` may stand for. */
const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,8}$/)

t.test('redaction: for any userinfo, the shown target never contains the password', async (t) => {
  const user = fc.string({ unit: 'binary', maxLength: 12 }).filter((text) => !text.includes('SECRET'))
  const password = fc.string({ unit: 'binary', maxLength: 12 })
  const scheme = fc.constantFrom('redis://', 'rediss://', 'http://', '')
  fc.assert(
    fc.property(scheme, user, password, label, (prefix, name, secret, host) => {
      const shown = redactTarget(`${prefix}${name}:SECRET${secret}@${host}:6379`)
      return !shown.includes('SECRET') && shown.endsWith(`***@${host}:6379`)
    }),
    runs,
  )
  t.pass('500 generated userinfos: no password shown, host and port kept')
  const junk = fc.string({ unit: 'binary', maxLength: 16 }).filter((text) => !text.includes('SECRET'))
  const tail = fc.string({ unit: 'binary', maxLength: 16 }).filter((text) => !text.includes('@'))
  fc.assert(
    fc.property(scheme, junk, fc.string({ unit: 'binary', maxLength: 16 }), tail, (prefix, before, secret, after) => {
      const shown = redactTarget(`${prefix}${before}:SECRET${secret}@${after}`)
      return !shown.includes('SECRET') && shown.endsWith(`@${after}`)
    }),
    runs,
  )
  t.pass(
    '500 malformed targets (/, ?, # and @ anywhere before the secret): the secret is hidden, what follows the last @ is kept',
  )
})

t.test('allow-list: a * stands for one label, never for a dot', async (t) => {
  fc.assert(
    fc.property(
      fc.array(label, { minLength: 2, maxLength: 5 }),
      fc.nat(),
      label,
      fc.array(label, { minLength: 1, maxLength: 3 }),
      (labels, position, other, extra) => {
        const star = position % labels.length
        const allowed = new AllowedTargets([labels.map((part, i) => (i === star ? '*' : part)).join('.')])
        const inside = labels.map((part, i) => (i === star ? other : part)).join('.')
        const longer = [...labels.slice(0, star), [other, ...extra].join('.'), ...labels.slice(star + 1)].join('.')
        let refusedLonger = false
        try {
          allowed.check(`${longer}:1`)
        } catch {
          refusedLonger = true
        }
        return allowed.check(`${inside}:1`).host === inside && refusedLonger
      },
    ),
    runs,
  )
  t.pass('500 patterns: the label a * stands for is admitted, more labels in its place are not')
})

t.test(
  'X-Prometheus-Scrape-Timeout-Seconds: any text gives a deadline a timer can keep, or a 400 message',
  async (t) => {
    const header = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.double().map(String),
      fc.constantFrom('Infinity', '1e400', '3000000', '-0', '0x10', ' 5 ', 'NaN'),
    )
    fc.assert(
      fc.property(header, (text) => {
        const deadline = scrapeDeadline(text, 10_000, 500) as number | string
        if (typeof deadline === 'string')
          return (
            deadline ===
            `X-Prometheus-Scrape-Timeout-Seconds: ${JSON.stringify(text)} is not a positive number of seconds`
          )
        return deadline > 0 && deadline <= 3_600_000 && deadline <= Number(text) * 1000
      }),
      runs,
    )
    t.pass('500 headers: 0 < deadline <= 1h and never longer than asked, or refused with the header quoted')
  },
)

t.test('collect[] and exclude[]: any query runs enabled collectors only, or is refused', async (t) => {
  const enabled = ['cpu', 'meminfo', 'netdev']
  const names = fc.oneof(fc.constantFrom(...enabled), fc.string({ maxLength: 6 }))
  const value = fc.oneof(fc.constant(undefined), names, fc.array(names, { maxLength: 4 }))
  fc.assert(
    fc.property(value, value, (collect, exclude) => {
      const filter = collectorFilter({ 'collect[]': collect, 'exclude[]': exclude }, enabled)
      if (typeof filter === 'string')
        return /^(collect\[\] and exclude\[\] cannot be used together|unknown or disabled collector ".*" \(enabled: cpu, meminfo, netdev\))$/.test(
          filter,
        )
      const collects = [collect ?? []].flat()
      const excludes = [exclude ?? []].flat()
      if (filter === undefined) return collects.length === 0 && excludes.length === 0
      return enabled.every(
        (name) => filter(name) === (collects.length > 0 ? collects.includes(name) : !excludes.includes(name)),
      )
    }),
    runs,
  )
  t.pass('500 queries: exactly the collectors asked for, or one of the two refusals')
})

t.test('Accept: any header negotiates one of the formats', async (t) => {
  fc.assert(
    fc.property(fc.option(fc.string({ unit: 'binary', maxLength: 80 })), (accept) =>
      ['text', 'openmetrics'].includes(negotiate(accept ?? undefined)),
    ),
    runs,
  )
  t.pass('500 Accept headers')
})

t.test('Authorization: any header is refused or names a configured user, without a throw', async (t) => {
  const hash = `$2b$04$${'a'.repeat(53)}`
  const auth = new BasicAuth(new Map([['alice', hash]]), {
    pending: 0,
    compare: async (password) => password === 'right',
  })
  const basic = fc
    .tuple(fc.string({ unit: 'binary', maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 10 }))
    .map(([user, password]) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`)
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), basic, fc.constant('Basic YWxpY2U6cmlnaHQ=')),
      async (header) => {
        const user = await auth.check(header)
        return user === undefined || (user === 'alice' && header === 'Basic YWxpY2U6cmlnaHQ=')
      },
    ),
    runs,
  )
  t.pass('500 Authorization headers')
})

t.test('web config: any YAML loads or is refused with one line that names the file, and no hash', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'promkit-webconfig-fuzz-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const hash = `$2b$04$${'b'.repeat(53)}`
  const keys = fc.constantFrom(
    'tls_server_config',
    'http_server_config',
    'basic_auth_users',
    'rate_limit',
    'headers',
    'cert_file',
    'key',
    'X-Frame-Options',
    'alice',
    'min_version',
  )
  const leaf = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(hash),
    fc.constant('TLS13'),
  )
  const tree = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.array(tie('node'), { maxLength: 3 }),
      fc.dictionary(keys, tie('node'), { maxKeys: 3 }),
    ),
  })).node
  const text = fc.oneof(
    tree.map((value) => stringify(value)),
    fc.string({ unit: 'binary', maxLength: 60 }),
  )
  let n = 0
  await fc.assert(
    fc.asyncProperty(text, async (yaml) => {
      const path = join(dir, `c${n++}.yml`)
      writeFileSync(path, yaml)
      try {
        await loadWebConfig(path)
        return true
      } catch (error) {
        const { code, message } = error as PromkitError
        return (
          code === 'PROMKIT_ERR_INVALID_CONFIG' &&
          message.startsWith(`web config ${path}: `) &&
          !message.includes('\n') &&
          !message.includes(hash)
        )
      }
    }),
    { numRuns: 300 },
  )
  t.pass('300 configs: loaded, or refused in one line that names the file and never the hash')
})

t.test('/proc parsers: any text parses to numbers or throws an error naming the file', async (t) => {
  const parsers: [string, (text: string) => unknown, RegExp][] = [
    ['/proc/stat', parseProcStat, /^couldn't parse \/proc\/stat: /],
    ['/proc/diskstats', parseDiskstats, /^couldn't parse \/proc\/diskstats: /],
    ['/proc/net/dev', parseNetDev, /^couldn't parse \/proc\/net\/dev: /],
    ['/proc/loadavg', parseLoadavg, /^couldn't parse \/proc\/loadavg: /],
    ['/proc/sys/fs/file-nr', parseFileNr, /^couldn't parse \/proc\/sys\/fs\/file-nr: /],
    ['/proc/meminfo', parseMeminfo, /^couldn't parse \/proc\/meminfo: /],
    ['/proc/vmstat', parseVmstat, /^couldn't parse \/proc\/vmstat: /],
    ['/proc/pressure/io', (text) => parsePressure(text, '/proc/pressure/io'), /^couldn't parse \/proc\/pressure\/io: /],
    ['/proc/1/mounts', parseMounts, /^couldn't parse mounts: /],
  ]
  for (const [file, parse, refusal] of parsers) {
    const real = readFileSync(join(fixture, file), 'utf8')
    // Real text with random damage (a character changed, a line cut, junk added) finds more than random text alone.
    const damaged = fc
      .tuple(fc.nat(real.length), fc.string({ unit: 'binary', maxLength: 6 }), fc.nat(real.length))
      .map(([at, junk, cut]) => (real.slice(0, at) + junk + real.slice(at + 1)).slice(0, Math.max(cut, at)))
    fc.assert(
      fc.property(fc.oneof(damaged, fc.string({ unit: 'binary', maxLength: 80 })), (text) => {
        try {
          return numbersIn(parse(text)).every((value) => !Number.isNaN(value))
        } catch (error) {
          return refusal.test((error as Error).message)
        }
      }),
      { numRuns: 300 },
    )
    t.pass(`${file}: 300 damaged or random texts parsed to numbers or refused naming the file`)
  }
})

/** Every number in a parsed value (objects, arrays, maps). */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value]
  if (value instanceof Map) return [...value.values()].flatMap(numbersIn)
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(numbersIn)
  return []
}
