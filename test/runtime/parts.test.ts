import t from 'tap'
import { AllowedTargets, redactTarget, targetAddress } from '../../src/runtime/allowed-targets.js'
import { BasicAuth } from '../../src/runtime/basic-auth.js'
import { BcryptWorker } from '../../src/runtime/bcrypt-worker.js'
import { parseDuration } from '../../src/runtime/duration.js'
import { formatListenAddress, parseListenAddress } from '../../src/runtime/listen-address.js'
import { formatLogfmt } from '../../src/runtime/logfmt.js'
import { refuses } from '../helpers/refuses.js'

const header = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

t.test('durations in Go syntax', async (t) => {
  t.same(
    ['0', '10s', '1m30s', '500ms', '1.5h', '250us', '100ns'].map((d) => parseDuration(d, '--x')),
    [0, 10_000, 90_000, 500, 5_400_000, 0.25, 0.0001],
  )
  refuses(
    t,
    () => parseDuration('10', '--scrape.timeout'),
    'PROMKIT_ERR_INVALID_FLAG',
    '--scrape.timeout: "10" is not a duration (want e.g. 10s, 1m30s, 500ms)',
  )
  refuses(
    t,
    () => parseDuration('1x', '--x'),
    'PROMKIT_ERR_INVALID_FLAG',
    '--x: "1x" is not a duration (want e.g. 10s, 1m30s, 500ms)',
  )
})

t.test('listen addresses as Go takes them', async (t) => {
  t.same(parseListenAddress(':9100', 'a'), { host: undefined, port: 9100 })
  t.same(parseListenAddress('127.0.0.1:9100', 'a'), { host: '127.0.0.1', port: 9100 })
  t.same(parseListenAddress('[::1]:9100', 'a'), { host: '::1', port: 9100 })
  t.same(parseListenAddress('localhost:0', 'a'), { host: 'localhost', port: 0 })
  t.equal(formatListenAddress({ host: '::1', port: 1 }), '[::1]:1')
  t.equal(formatListenAddress({ host: undefined, port: 1 }), ':1')
  for (const bad of ['9100', 'host:', 'host:70000', '[nope]:1', '::1:9100', 'a:b']) {
    refuses(
      t,
      () => parseListenAddress(bad, '--web.listen-address'),
      'PROMKIT_ERR_INVALID_FLAG',
      `--web.listen-address: ${JSON.stringify(bad)} is not a listen address (want host:port, :port or [ipv6]:port)`,
    )
  }
})

t.test('the multi-target allow-list', async (t) => {
  t.same(targetAddress('redis://user:pw@db.internal:6379/0'), { host: 'db.internal', port: '6379' })
  t.same(targetAddress('db.internal:6379'), { host: 'db.internal', port: '6379' })
  t.same(targetAddress('[::1]:6379'), { host: '::1', port: '6379' })
  t.same(targetAddress('unix:///run/redis.sock'), { host: 'unix:/run/redis.sock', port: '' })
  t.equal(targetAddress('http://'), undefined)
  t.equal(targetAddress('::::'), undefined)
  t.equal(targetAddress(':6379'), undefined, 'a port without a host')
  t.equal(targetAddress('redis://'), undefined, 'a URL without a host')
  const allowed = new AllowedTargets(['redis-*.internal', '127.0.0.1:6379', '[::1]:*', 'unix:/run/*'])
  t.same(allowed.check('redis://redis-a.internal:6379'), { host: 'redis-a.internal', port: '6379' })
  t.ok(allowed.check('REDIS-B.internal'))
  t.ok(allowed.check('127.0.0.1:6379'))
  t.ok(allowed.check('[::1]:7000'))
  t.ok(allowed.check('unix:///run/redis.sock'))
  refuses(
    t,
    () => allowed.check('127.0.0.1:6380'),
    'PROMKIT_ERR_TARGET_REFUSED',
    'target "127.0.0.1:6380" is not allowed (allowed: redis-*.internal, 127.0.0.1:6379, [::1]:*, unix:/run/*)',
  )
  refuses(
    t,
    () => allowed.check('redis-a.internal.evil.com'),
    'PROMKIT_ERR_TARGET_REFUSED',
    'target "redis-a.internal.evil.com" is not allowed (allowed: redis-*.internal, 127.0.0.1:6379, [::1]:*, unix:/run/*)',
  )
  refuses(t, () => allowed.check(undefined), 'PROMKIT_ERR_TARGET_REFUSED', 'no target given (want ?target=host:port)')
  refuses(t, () => allowed.check('http://'), 'PROMKIT_ERR_TARGET_REFUSED', 'target "http://" is not host:port or a URL')
  refuses(
    t,
    () => new AllowedTargets([]).check('a:1'),
    'PROMKIT_ERR_TARGET_REFUSED',
    'target "a:1" is not allowed (none are allowed until --web.allowed-targets names them)',
  )
  t.ok(new AllowedTargets(['*']).check('anything:1'))
  refuses(
    t,
    () => allowed.check('redis://:pw@elsewhere:1'),
    'PROMKIT_ERR_TARGET_REFUSED',
    'target "redis://:***@elsewhere:1" is not allowed (allowed: redis-*.internal, 127.0.0.1:6379, [::1]:*, unix:/run/*)',
  )
  t.equal(redactTarget('redis://:s3cret@host:6379'), 'redis://:***@host:6379')
  t.equal(redactTarget('redis://user:s3cret@host:6379/0'), 'redis://user:***@host:6379/0')
  t.equal(redactTarget('host:6379'), 'host:6379')
})

t.test(
  'redaction hides exactly what a URL parser takes as userinfo, and more when the target is malformed',
  async (t) => {
    t.equal(
      redactTarget('redis://:Leak@Tail-Secret-31@host:6379'),
      'redis://:***@host:6379',
      'the last @ of the authority ends the userinfo',
    )
    t.equal(
      new URL('redis://:Leak@Tail-Secret-31@host:6379').password,
      'Leak%40Tail-Secret-31',
      'as the URL parser reads it',
    )
    t.equal(
      redactTarget('redis://:Slash/Secret-77@host'),
      'redis://***@host',
      'an @ after the authority: everything before it is hidden',
    )
    t.equal(redactTarget('redis://alice@host'), 'redis://***@host', 'a lone user name may be a password')
    t.equal(
      redactTarget(':bare-pass@host:6379'),
      ':***@host:6379',
      'a target without a scheme can carry a password too',
    )
    t.equal(redactTarget('redis://host:6379?x=a@b'), 'redis://***@b')
    t.equal(redactTarget('unix:///run/redis.sock'), 'unix:///run/redis.sock')
    t.equal(redactTarget('redis://@host'), 'redis://***@host')
    t.equal(
      redactTarget('redis://alice@host:6379'),
      'redis://***@host:6379',
      'a colon after the @ is not a user:password separator',
    )
  },
)

t.test('allow-list patterns: * stays within a label, octet or segment; CIDR blocks; ports', async (t) => {
  const octet = new AllowedTargets(['10.0.0.*'])
  t.ok(octet.check('10.0.0.7:6379'))
  t.ok(octet.check('redis://10.0.0.255'))
  for (const outside of [
    '10.0.0.1.attacker.example',
    'redis://10.0.0.1.attacker.example:6379',
    '10.0.0.1.2',
    '10.0.1.1',
  ]) {
    refuses(
      t,
      () => octet.check(outside),
      'PROMKIT_ERR_TARGET_REFUSED',
      `target ${JSON.stringify(outside)} is not allowed (allowed: 10.0.0.*)`,
    )
  }
  const named = new AllowedTargets(['*.internal:6379'])
  t.ok(named.check('a.internal:6379'))
  refuses(
    t,
    () => named.check('a.b.internal:6379'),
    'PROMKIT_ERR_TARGET_REFUSED',
    'target "a.b.internal:6379" is not allowed (allowed: *.internal:6379)',
  )
  refuses(
    t,
    () => named.check('a.internal:63790'),
    'PROMKIT_ERR_TARGET_REFUSED',
    'target "a.internal:63790" is not allowed (allowed: *.internal:6379)',
  )
  const blocks = new AllowedTargets(['10.1.0.0/16', '192.168.7.0/24:6379', '[fd00::/8]:*', '2001:db8::/32', '[::1]'])
  t.ok(blocks.check('10.1.200.3:9'))
  t.ok(blocks.check('192.168.7.9:6379'))
  t.ok(blocks.check('[fd12::5]:6379'))
  t.ok(blocks.check('[2001:db8::1]:1'))
  t.ok(blocks.check('[0:0::1]:6379'), 'IPv6 addresses compare in their normal form')
  for (const outside of ['10.2.0.1', '192.168.7.9:6380', 'db.internal', '[2001:db9::1]:1', '[::2]:1']) {
    refuses(
      t,
      () => blocks.check(outside),
      'PROMKIT_ERR_TARGET_REFUSED',
      `target ${JSON.stringify(outside)} is not allowed (allowed: 10.1.0.0/16, 192.168.7.0/24:6379, [fd00::/8]:*, 2001:db8::/32, [::1])`,
    )
  }
  const socket = new AllowedTargets(['unix:/run/*'])
  refuses(
    t,
    () => socket.check('unix:///run/a/b.sock'),
    'PROMKIT_ERR_TARGET_REFUSED',
    'target "unix:///run/a/b.sock" is not allowed (allowed: unix:/run/*)',
  )
  const bad = (pattern: string, problem: string) =>
    refuses(
      t,
      () => new AllowedTargets([pattern]),
      'PROMKIT_ERR_INVALID_FLAG',
      `--web.allowed-targets: ${JSON.stringify(pattern)}: ${problem}`,
    )
  bad('127.0.0.1:63*', 'the port "63*" must be a number or * (any port)')
  bad('10.0.0.0/33', 'the prefix length /33 is too long for IPv4 (at most 32)')
  bad('[fd00::/129]', 'the prefix length /129 is too long for IPv6 (at most 128)')
  bad('db.internal/24', '"db.internal" is not an IP address (want a CIDR block such as 10.0.0.0/24)')
  bad('[fd00::*]', 'is not an IPv6 address (for ranges, write a CIDR block such as fd00::/8)')
  bad('a:b:c', 'an IPv6 address with a port goes in brackets: [::1]:6379')
  bad('http://x', 'write the host (and port) to allow, not a URL')
  bad('', 'want a host name, an IP address, a CIDR block or unix:/path, each with an optional :port')
  bad('a b', 'want a host name, an IP address, a CIDR block or unix:/path, each with an optional :port')
})

t.test('logfmt lines', async (t) => {
  t.equal(
    formatLogfmt({
      level: 'info',
      ts: 'T',
      msg: 'hello "world"\nnext',
      list: ['a', 'b'],
      nested: { a: 1, b: { c: true } },
      empty: '',
      skipped: undefined,
      none: null,
      path: 'C:\\x',
    }),
    'level=info ts=T msg="hello \\"world\\"\\nnext" list=a,b nested_a=1 nested_b_c=true empty="" none=null path="C:\\\\x"\n',
  )
  t.equal(formatLogfmt({ msg: 'tab\there\r' }), 'msg="tab\\there\\r"\n')
})

t.test('basic auth on the bcrypt worker: right, wrong, unknown, malformed', async (t) => {
  // bcrypt of "secret" with cost 4, to keep the test fast.
  const hash = '$2b$04$RjDjtMDuSMHDNjmRbjMCRuYCM/FfPz5jeuq1kTJrIG2ssvxaXmhl2'
  const auth = new BasicAuth(new Map([['alice', hash]]))
  t.equal(auth.enabled, true)
  t.equal(await auth.check(header('alice', 'secret')), 'alice')
  t.equal(await auth.check(header('alice', 'secret')), 'alice', 'the second check is served from the cache')
  t.equal(await auth.check(header('alice', 'wrong')), undefined)
  t.equal(
    await auth.check(header('mallory', 'secret')),
    undefined,
    'an unknown user is refused even with a password that matches another hash',
  )
  t.equal(await auth.check(undefined), undefined)
  t.equal(await auth.check('Bearer abc'), undefined)
  t.equal(await auth.check(`Basic ${Buffer.from('no-colon').toString('base64')}`), undefined)
  t.equal(new BasicAuth(new Map()).enabled, false)
  const many = new BasicAuth(new Map(Array.from({ length: 70 }, (_, i) => [`user${i}`, hash])))
  for (let i = 0; i < 70; i++) t.equal(await many.check(header(`user${i}`, 'secret')), `user${i}`)
  t.equal(await many.check(header('user0', 'secret')), 'user0', 'users still pass after the cache forgot them')
  const worker = new BcryptWorker()
  const stopping = new BasicAuth(new Map([['alice', hash]]), worker)
  const waiting = stopping.check(header('alice', 'secret'))
  await worker.close()
  t.equal(await waiting, undefined, 'a stopped worker refuses what was waiting')
  t.equal(await stopping.check(header('alice', 'secret')), 'alice', 'and the next comparison starts a new worker')
  t.equal(await worker.compare(42 as never, hash), false, 'what bcrypt cannot compare is a refusal')
  await worker.close()
})

t.test(
  'basic auth: unknown users cost the dearest hash; both outcomes are remembered; the queue is bounded',
  async (t) => {
    const cheap = '$2b$04$RjDjtMDuSMHDNjmRbjMCRuYCM/FfPz5jeuq1kTJrIG2ssvxaXmhl2'
    const dear = `$2b$12$${'a'.repeat(53)}`
    const compared: string[] = []
    const answers: (() => void)[] = []
    const bcrypt = {
      pending: 0,
      compare(password: string, hash: string): Promise<boolean> {
        compared.push(`${password}:${hash.slice(0, 7)}`)
        this.pending++
        return new Promise((resolve) => {
          answers.push(() => {
            this.pending--
            resolve(password === 'secret')
          })
        })
      },
    }
    const answerAll = () => {
      for (const answer of answers.splice(0)) answer()
    }
    const auth = new BasicAuth(
      new Map([
        ['alice', cheap],
        ['bob', dear],
      ]),
      bcrypt,
    )
    const unknown = auth.check(header('mallory', 'x'))
    answerAll()
    t.equal(await unknown, undefined)
    t.same(compared, ['x:$2b$12$'], 'an unknown user is compared against the cost-12 hash')
    const wrong = [auth.check(header('alice', 'wrong')), auth.check(header('alice', 'wrong'))]
    answerAll()
    t.same(await Promise.all(wrong), [undefined, undefined])
    t.equal(await auth.check(header('alice', 'wrong')), undefined)
    t.same(
      compared,
      ['x:$2b$12$', 'wrong:$2b$04$'],
      'two at once share one comparison, and a wrong password is remembered',
    )
    const flood = Array.from({ length: 40 }, (_, i) => auth.check(header('alice', `guess${i}`)))
    const refusedAtOnce = auth.check(header('alice', 'secret'))
    t.equal(await refusedAtOnce, undefined, 'with 32 comparisons waiting, new credentials are refused without one')
    t.equal(compared.length, 2 + 32)
    answerAll()
    await Promise.all(flood)
    const right = auth.check(header('alice', 'secret'))
    answerAll()
    t.equal(await right, 'alice', 'once the queue drains, the same credentials are compared and pass')
    t.equal(await auth.check(header('alice', 'secret')), 'alice')
    t.equal(compared.length, 2 + 32 + 1, 'and are then remembered')
  },
)
