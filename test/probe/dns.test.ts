// Peers: prometheus-blackbox-exporter dnsmasq promtool openssl
// The dns prober side by side with Debian's blackbox_exporter 0.23, both asking Debian's dnsmasq (a real DNS server,
// authoritative for a test zone) over UDP, TCP and TLS; then its parts in process: records as text, the validation
// rules, targets, the module file's dns keys, and servers that answer garbage, another query's id or nothing.
import { type ChildProcess, spawn } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { type Socket, connect as connectTcp, createServer as createTcpServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer as createTlsServer } from 'node:tls'
import * as dnsPacket from 'dns-packet'
import t, { type Test } from 'tap'
import type { DnsProbeConfig } from '../../collectors/probe/config.js'
import { readModules } from '../../collectors/probe/config.js'
import { ProbeDeadline } from '../../collectors/probe/connection.js'
import { dnsServer, probeDns, recordsProblem } from '../../collectors/probe/dns-probe.js'
import { type DnsRecord, queryNameProblem, queryTypeNumber, recordText } from '../../collectors/probe/dns-records.js'
import { ProbeFailure } from '../../collectors/probe/failure.js'
import { ProbeLog } from '../../collectors/probe/probe-log.js'
import { ConfigReader } from '../../src/runtime/config-reader.js'
import { makeCertificates } from '../helpers/certificates.js'
import { get, startExporter } from '../helpers/exporter-process.js'
import { familiesOf } from '../helpers/exposition-parser.js'
import { freePort, waitFor } from '../helpers/ports.js'
import {
  type ProbeCase,
  certificateFamilies,
  compareProbes,
  expectModuleFileRefusals,
  startBlackbox,
} from '../helpers/probe-targets.js'

const probeExporterBin = new URL('../../collectors/probe/dist/main.js', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'promkit-dns-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const certificates = makeCertificates(dir)

/** dnsmasq on a free port (UDP and TCP), authoritative for example.test, nothing forwarded. */
async function startDnsmasq(t: Test): Promise<number> {
  const port = await freePort()
  const config = join(dir, `dnsmasq-${port}.conf`)
  writeFileSync(
    config,
    [
      `port=${port}`,
      'listen-address=127.0.0.1',
      'bind-interfaces',
      'no-resolv',
      'no-hosts',
      'no-daemon',
      `pid-file=${join(dir, `dnsmasq-${port}.pid`)}`,
      'host-record=www.example.test,127.0.0.5,::5',
      'txt-record=example.test,"v=spf1 -all"',
      'mx-host=example.test,mail.example.test,10',
      'srv-host=_http._tcp.example.test,www.example.test,80,0,5',
      'cname=alias.example.test,www.example.test',
      // CAA 0 issue "letsencrypt.org", and a type nobody has named.
      'dns-rr=example.test,257,000569737375656c657473656e63727970742e6f7267',
      'dns-rr=opaque.example.test,65534,0a000001',
      'auth-server=ns1.example.test,127.0.0.1',
      'auth-zone=example.test',
      'auth-soa=2026120201,hostmaster.example.test',
      'local=/example.test/',
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn('/usr/sbin/dnsmasq', [`--conf-file=${config}`], { stdio: 'ignore' })
  t.teardown(() => void child.kill())
  await waitFor(
    'dnsmasq to answer',
    () =>
      new Promise<true | undefined>((resolve) => {
        const socket = connectTcp(port, '127.0.0.1', () => resolve(true)).on('error', () => resolve(undefined))
        socket.unref()
        setTimeout(() => socket.destroy(), 200)
      }),
    10_000,
    50,
  )
  return port
}

/** A TLS terminator in front of dnsmasq's TCP port, as DNS over TLS is often served (stunnel, a load balancer). */
async function startTlsFront(t: Test, port: number, cert: string, key: string): Promise<number> {
  const server = createTlsServer({ cert, key }, (client) => {
    const upstream = connectTcp(port, '127.0.0.1')
    client.pipe(upstream).pipe(client)
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end)
    upstream.on('error', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  return (server.address() as { port: number }).port
}

/** A UDP port that takes queries and never answers. */
async function startSilentUdp(t: Test): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  t.teardown(() => socket.close())
  return socket.address().port
}

/** An exact record, as a regexp anchored at both ends. */
const exactly = (text: string) => JSON.stringify(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)

/** One module per record type, each requiring the record's exact text: the two exporters write records alike. */
const recordModules: [string, string, string, string][] = [
  ['dns_a', 'www.example.test', 'A', 'www.example.test.\t600\tIN\tA\t127.0.0.5'],
  ['dns_aaaa', 'www.example.test', 'AAAA', 'www.example.test.\t600\tIN\tAAAA\t::5'],
  ['dns_mx', 'example.test', 'MX', 'example.test.\t600\tIN\tMX\t10 mail.example.test.'],
  ['dns_txt', 'example.test', 'TXT', 'example.test.\t600\tIN\tTXT\t"v=spf1 -all"'],
  ['dns_srv', '_http._tcp.example.test', 'SRV', '_http._tcp.example.test.\t600\tIN\tSRV\t0 5 80 www.example.test.'],
  ['dns_cname', 'alias.example.test', 'CNAME', 'alias.example.test.\t600\tIN\tCNAME\twww.example.test.'],
  ['dns_caa', 'example.test', 'CAA', 'example.test.\t600\tIN\tCAA\t0 issue "letsencrypt.org"'],
]

const moduleFile = join(dir, 'blackbox.yml')
writeFileSync(
  moduleFile,
  `modules:
${recordModules
  .map(
    ([name, query, type, record]) => `  ${name}:
    prober: dns
    timeout: 2s
    dns:
      query_name: ${query}
      query_type: ${type}
      preferred_ip_protocol: ip4
      validate_answer_rrs:
        fail_if_not_matches_regexp: [${exactly(record)}]
`,
  )
  .join('')}  dns_soa_tcp:
    prober: dns
    dns:
      query_name: example.test
      query_type: SOA
      transport_protocol: tcp
      preferred_ip_protocol: ip4
  dns_any:
    prober: dns
    dns:
      query_name: example.test
      preferred_ip_protocol: ip4
  dns_ns_no_recursion:
    prober: dns
    dns:
      query_name: example.test
      query_type: NS
      recursion_desired: false
      preferred_ip_protocol: ip4
  dns_nxdomain:
    prober: dns
    timeout: 2s
    dns:
      query_name: missing.example.test
      query_type: A
      preferred_ip_protocol: ip4
  dns_nxdomain_expected:
    prober: dns
    dns:
      query_name: missing.example.test
      query_type: A
      valid_rcodes: [NXDOMAIN]
      preferred_ip_protocol: ip4
      validate_authority_rrs:
        fail_if_none_matches_regexp: ["IN\\tSOA\\tns1\\\\.example\\\\.test\\\\. "]
  dns_answer_forbidden:
    prober: dns
    dns:
      query_name: www.example.test
      query_type: A
      preferred_ip_protocol: ip4
      validate_answer_rrs:
        fail_if_matches_regexp: ["127\\\\.0\\\\.0\\\\.5"]
  dns_all_match:
    prober: dns
    dns:
      query_name: www.example.test
      query_type: A
      preferred_ip_protocol: ip4
      validate_authority_rrs:
        fail_if_all_match_regexp: ["\\tNS\\t"]
  dns_not_all_match:
    prober: dns
    dns:
      query_name: www.example.test
      query_type: A
      preferred_ip_protocol: ip4
      validate_authority_rrs:
        fail_if_all_match_regexp: ["\\tMX\\t"]
  dns_additional_required:
    prober: dns
    dns:
      query_name: www.example.test
      query_type: A
      preferred_ip_protocol: ip4
      validate_additional_rrs:
        fail_if_not_matches_regexp: [".*"]
  dns_udp_short:
    prober: dns
    timeout: 1s
    dns:
      query_name: www.example.test
      query_type: A
      preferred_ip_protocol: ip4
  dns_tcp:
    prober: dns
    timeout: 2s
    dns:
      query_name: www.example.test
      query_type: A
      transport_protocol: tcp
      preferred_ip_protocol: ip4
  dns_tls:
    prober: dns
    timeout: 2s
    dns:
      query_name: www.example.test
      query_type: A
      transport_protocol: tcp
      dns_over_tls: true
      preferred_ip_protocol: ip4
      tls_config:
        ca_file: ca.crt
  dns_tls_untrusted:
    prober: dns
    timeout: 2s
    dns:
      query_name: www.example.test
      query_type: A
      transport_protocol: tcp
      dns_over_tls: true
      preferred_ip_protocol: ip4
`,
)

// Ours only: a type by number (TYPE65534), which blackbox_exporter 0.23 refuses; its data in RFC 3597's form.
const ourModuleFile = join(dir, 'probe.yml')
writeFileSync(
  ourModuleFile,
  `${readFileSync(moduleFile, 'utf8')}  dns_generic:
    prober: dns
    dns:
      query_name: opaque.example.test
      query_type: TYPE65534
      validate_answer_rrs:
        fail_if_not_matches_regexp: [${exactly('opaque.example.test.\t600\tIN\tTYPE65534\t\\# 4 0a000001')}]
`,
)
/** The values compared exactly between the two exporters (the others are times). */
const comparedValues = [
  'probe_success',
  'probe_dns_answer_rrs',
  'probe_dns_authority_rrs',
  'probe_dns_additional_rrs',
  'probe_dns_query_succeeded',
  'probe_dns_serial',
  'probe_ip_protocol',
  'probe_ip_addr_hash',
]

/** The records a debug page's log shows: blackbox's `rr="..."` fields, our `<section> record: ...` lines. */
function loggedRecords(debugPage: string): string[] {
  const theirs = [...debugPage.matchAll(/msg="Validating RR" rr=("(?:[^"\\]|\\.)*")/g)]
  const ours = [...debugPage.matchAll(/msg="\w+ record: ((?:[^"\\]|\\.)*)"/g)]
  return [
    ...theirs.map((match) => JSON.parse(match[1] as string) as string),
    ...ours.map((match) => JSON.parse(`"${match[1]}"`) as string),
  ]
}

t.test(
  'side by side with blackbox_exporter 0.23 against dnsmasq: UDP, TCP, TLS, records, rcodes, failures',
  async (t) => {
    const dnsPort = await startDnsmasq(t)
    const dns = `127.0.0.1:${dnsPort}`
    const { pem } = certificates
    const trustedTls = await startTlsFront(t, dnsPort, pem.server, pem.serverKey)
    const untrustedTls = await startTlsFront(t, dnsPort, pem.rogue, pem.rogueKey)
    const silent = await startSilentUdp(t)
    const closed = await freePort()
    const blackbox = await startBlackbox(t, moduleFile, dir)
    const ours = await startExporter(
      t,
      probeExporterBin,
      ['--config.file', ourModuleFile, '--web.allowed-targets', '*'],
      {
        cwd: dir,
      },
    )
    const _sslFamilies = [
      'probe_ssl_earliest_cert_expiry gauge {}',
      'probe_ssl_last_chain_expiry_timestamp_seconds gauge {}',
      'probe_ssl_last_chain_info gauge {fingerprint_sha256,issuer,subject,subjectalternative}',
      'probe_tls_version_info gauge {version}',
    ]
    const cases: ProbeCase[] = [
      ...recordModules.map(([module, , type]) => ({ name: `${type} record as text`, target: dns, module })),
      { name: 'SOA over TCP, with the serial', target: dns, module: 'dns_soa_tcp' },
      { name: 'ANY (the default type)', target: dns, module: 'dns_any' },
      { name: 'without recursion desired', target: dns, module: 'dns_ns_no_recursion' },
      { name: 'NXDOMAIN', target: dns, module: 'dns_nxdomain', reason: 'dns_rcode' },
      { name: 'NXDOMAIN expected, authority checked', target: dns, module: 'dns_nxdomain_expected' },
      { name: 'an answer it must not have', target: dns, module: 'dns_answer_forbidden', reason: 'dns_record_regexp' },
      { name: 'every authority record matches', target: dns, module: 'dns_all_match' },
      { name: 'not every one matches', target: dns, module: 'dns_not_all_match', reason: 'dns_record_regexp' },
      { name: 'no additional records', target: dns, module: 'dns_additional_required', reason: 'dns_record_regexp' },
      { name: 'a name for the server', target: `localhost:${dnsPort}`, module: 'dns_tcp' },
      { name: 'UDP, nothing listening', target: `127.0.0.1:${closed}`, module: 'dns_a', reason: 'connection_refused' },
      { name: 'UDP, never answered', target: `127.0.0.1:${silent}`, module: 'dns_udp_short', reason: 'timeout' },
      {
        name: 'TCP, nothing listening',
        target: `127.0.0.1:${closed}`,
        module: 'dns_tcp',
        reason: 'connection_refused',
      },
      { name: 'DNS over TLS', target: `localhost:${trustedTls}`, module: 'dns_tls', oursOnly: certificateFamilies },
      {
        name: 'DNS over TLS, untrusted',
        target: `localhost:${untrustedTls}`,
        module: 'dns_tls_untrusted',
        reason: 'tls_unknown_authority',
        oursOnly: certificateFamilies,
      },
    ]
    await compareProbes(t, blackbox, ours.base, cases, comparedValues)
    const soa = familiesOf((await get(`${ours.base}/probe?target=${dns}&module=dns_soa_tcp`)).text, 'probe_dns_serial')
    t.same(soa.get('probe_dns_serial')?.samples[0]?.value, 2026120201, "the zone's serial")
    const generic = await get(`${ours.base}/probe?target=${dns}&module=dns_generic`)
    t.match(generic.text, /^probe_success 1$/m, 'a type by number, its record in the generic form')
    // Each record of each section, as the two debug pages log them: the text the regexps are matched against.
    for (const module of ['dns_any', 'dns_mx', 'dns_caa', 'dns_txt', 'dns_nxdomain_expected']) {
      const query = `/probe?target=${dns}&module=${module}&debug=true`
      const [theirs, mine] = await Promise.all([get(`${blackbox}${query}`), get(`${ours.base}${query}`)])
      const records = loggedRecords(theirs.text)
      t.ok(records.length > 0, `${module}: blackbox logged its records`)
      t.same(loggedRecords(mine.text), records, `${module}: every record written as blackbox_exporter writes it`)
    }
  },
)

t.test('the module file: dns keys refused with their path where blackbox_exporter fails every probe', async (t) => {
  const bad = join(dir, 'bad.yml')
  const module = (keys: string) => `modules:\n  d:\n    prober: dns\n    dns:\n${keys}`
  const cases: [string, string][] = [
    [module('      query_type: A\n'), 'modules.d.dns.query_name: must be set for a dns module'],
    [module('      query_name: a..b\n'), 'modules.d.dns.query_name: "a..b" has an empty label'],
    [
      module(`      query_name: ${'x'.repeat(64)}.test\n`),
      `modules.d.dns.query_name: "${'x'.repeat(64)}.test" has a label of 64 bytes (at most 63)`,
    ],
    [
      module(`      query_name: ${'x.'.repeat(127)}test.\n`),
      `modules.d.dns.query_name: "${'x.'.repeat(127)}test." is 260 bytes long as DNS writes it (at most 255)`,
    ],
    [
      module('      query_name: a\n      query_type: BOGUS\n'),
      'modules.d.dns.query_type: "BOGUS" is not a DNS record type (e.g. A, AAAA, MX, SOA, TYPE65534)',
    ],
    [
      module('      query_name: a\n      query_type: TYPE70000\n'),
      'modules.d.dns.query_type: "TYPE70000" is not a DNS record type (e.g. A, AAAA, MX, SOA, TYPE65534)',
    ],
    [
      module('      query_name: a\n      query_class: XX\n'),
      'modules.d.dns.query_class: "XX" is not one of IN, CS, CH, HS, ANY',
    ],
    [
      module('      query_name: a\n      transport_protocol: sctp\n'),
      'modules.d.dns.transport_protocol: "sctp" is not udp or tcp',
    ],
    [
      module('      query_name: a\n      dns_over_tls: true\n'),
      'modules.d.dns.dns_over_tls: needs transport_protocol: tcp (DNS over TLS runs over TCP)',
    ],
    [
      module('      query_name: a\n      valid_rcodes: [NOPE]\n'),
      'modules.d.dns.valid_rcodes: "NOPE" is not one of NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED, YXDOMAIN, YXRRSET, NXRRSET, NOTAUTH, NOTZONE',
    ],
    [
      module('      query_name: a\n      source_ip_address: nope\n'),
      'modules.d.dns.source_ip_address: "nope" is not an IP address',
    ],
    [
      module('      query_name: a\n      validate_answer_rrs:\n        fail_if_matches_regexp: ["("]\n'),
      'modules.d.dns.validate_answer_rrs.fail_if_matches_regexp[0]: "(" is not a valid regular expression',
    ],
    [
      module('      query_name: a\n      validate_additional_rrs:\n        fail_if_any: [x]\n'),
      'modules.d.dns.validate_additional_rrs.fail_if_any: unknown key',
    ],
    [
      'modules:\n  d:\n    prober: icmp\n',
      'modules.d.prober: icmp is not supported by probe_exporter (http, tcp, dns and grpc are)',
    ],
  ]
  await expectModuleFileRefusals(t, probeExporterBin, bad, cases)
})

/** The dns module `keys` make, read as the exporter reads it. */
async function dnsModule(keys: string): Promise<DnsProbeConfig> {
  const file = join(dir, 'dns-module.yml')
  writeFileSync(file, `modules:\n  d:\n    prober: dns\n    dns:\n      query_name: www.example.test\n${keys}`)
  const module = (await readModules(new ConfigReader('config file', file))).get('d')
  return (module as { dns: DnsProbeConfig }).dns
}

t.test('records as text: presentation forms, escapes, generic data, names of types and classes', async (t) => {
  const record = (fields: object) => ({ name: 'example.test', ttl: 300, class: 'IN', ...fields }) as DnsRecord
  const cases: [DnsRecord, string][] = [
    [record({ type: 'NS', data: 'ns1.example.test' }), 'example.test.\t300\tIN\tNS\tns1.example.test.'],
    [
      record({ type: 'PTR', name: '5.0.0.127.in-addr.arpa', data: 'www.example.test' }),
      '5.0.0.127.in-addr.arpa.\t300\tIN\tPTR\twww.example.test.',
    ],
    [record({ type: 'DNAME', data: 'example.net' }), 'example.test.\t300\tIN\tDNAME\texample.net.'],
    [
      record({ type: 'TXT', data: [Buffer.from('say "hi" \\ there'), Buffer.from([0x09, 0xc3, 0xa9])] }),
      'example.test.\t300\tIN\tTXT\t"say \\"hi\\" \\\\ there" "\\009\\195\\169"',
    ],
    [record({ type: 'TXT', data: 'one string' }), 'example.test.\t300\tIN\tTXT\t"one string"'],
    [record({ type: 'HINFO', data: { cpu: 'x86', os: 'Linux' } }), 'example.test.\t300\tIN\tHINFO\t"x86" "Linux"'],
    [
      record({
        type: 'SOA',
        name: '.',
        data: {
          mname: 'a.root-servers.net',
          rname: 'nstld.verisign-grs.com',
          serial: 1,
          refresh: 2,
          retry: 3,
          expire: 4,
          minimum: 5,
        },
      }),
      '.\t300\tIN\tSOA\ta.root-servers.net. nstld.verisign-grs.com. 1 2 3 4 5',
    ],
    [record({ type: 'NULL', data: Buffer.alloc(0) }), 'example.test.\t300\tIN\tNULL\t\\# 0'],
    [
      record({ type: 'DS', data: { keyTag: 2371, algorithm: 13, digestType: 2, digest: Buffer.from('ab', 'hex') } }),
      'example.test.\t300\tIN\tDS\t\\# 5 09430d02ab',
    ],
    [record({ type: 'UNKNOWN_64', data: Buffer.from([1]) }), 'example.test.\t300\tIN\tSVCB\t\\# 1 01'],
    [record({ type: 'A', class: 'UNKNOWN_7', data: '192.0.2.1' }), 'example.test.\t300\tCLASS7\tA\t192.0.2.1'],
    [{ name: 'example.test', type: 'A', data: '192.0.2.1' } as DnsRecord, 'example.test.\t0\tIN\tA\t192.0.2.1'],
    [
      {
        name: '.',
        type: 'OPT',
        udpPayloadSize: 1232,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        options: [],
      } as DnsRecord,
      '.\t0\tIN\tOPT\t\\# 0',
    ],
  ]
  for (const [input, text] of cases) t.equal(recordText(input), text, text)
  t.same(['A', 'SVCB', 'TYPE65534', 'TYPE65536', 'a', 'BOGUS'].map(queryTypeNumber), [
    1,
    64,
    65534,
    undefined,
    undefined,
    undefined,
  ])
})

t.test('query names: the root, a final dot, and the limits of labels and length', async (t) => {
  t.same(['.', 'example.test', 'example.test.', `${'x'.repeat(63)}.test`, 'bücher.test'].map(queryNameProblem), [
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
  ])
  t.equal(queryNameProblem('.test'), 'has an empty label')
  t.equal(queryNameProblem(`${'ü'.repeat(32)}.test`), 'has a label of 64 bytes (at most 63)', 'bytes, not characters')
})

t.test("validation: blackbox_exporter's four rules per section", async (t) => {
  const checks = (
    fields: Partial<Record<'failIfMatches' | 'failIfAllMatch' | 'failIfNotMatches' | 'failIfNoneMatches', RegExp[]>>,
  ) => ({
    failIfMatches: [],
    failIfAllMatch: [],
    failIfNotMatches: [],
    failIfNoneMatches: [],
    ...fields,
  })
  const records = ['a.\t1\tIN\tA\t192.0.2.1', 'a.\t1\tIN\tA\t192.0.2.2']
  t.equal(recordsProblem(records, checks({})), undefined, 'no checks, no problem')
  t.equal(
    recordsProblem([], checks({ failIfMatches: [/x/], failIfAllMatch: [/x/] })),
    undefined,
    'no records: nothing matched',
  )
  t.equal(
    recordsProblem([], checks({ failIfNotMatches: [/x/] })),
    'no records, where fail_if_not_matches_regexp or fail_if_none_matches_regexp wants some',
  )
  t.equal(
    recordsProblem(records, checks({ failIfMatches: [/\.2$/] })),
    '"a.\\t1\\tIN\\tA\\t192.0.2.2" matches fail_if_matches_regexp \\.2$',
  )
  t.equal(
    recordsProblem(records, checks({ failIfNotMatches: [/\.1$/] })),
    '"a.\\t1\\tIN\\tA\\t192.0.2.2" does not match fail_if_not_matches_regexp \\.1$',
  )
  t.equal(
    recordsProblem(records, checks({ failIfAllMatch: [/\.1$/] })),
    '"a.\\t1\\tIN\\tA\\t192.0.2.2" does not match fail_if_all_match_regexp \\.1$',
    'all must match, as blackbox_exporter has it',
  )
  t.equal(recordsProblem(records, checks({ failIfAllMatch: [/^a\./, /192/] })), undefined, 'all match every one')
  t.equal(
    recordsProblem(records, checks({ failIfNoneMatches: [/\.3$/] })),
    'no record matches fail_if_none_matches_regexp',
  )
  t.equal(recordsProblem(records, checks({ failIfNoneMatches: [/\.3$/, /\.2$/] })), undefined)
})

t.test('targets: host:port, [v6]:port, a host or an IPv6 address alone on the default port', async (t) => {
  t.same(dnsServer('127.0.0.1:5353', false), { host: '127.0.0.1', port: 5353 })
  t.same(dnsServer('[::1]:5353', false), { host: '::1', port: 5353 })
  t.same(dnsServer('ns1.example.test', false), { host: 'ns1.example.test', port: 53 })
  t.same(dnsServer('ns1.example.test', true), { host: 'ns1.example.test', port: 853 })
  t.same(dnsServer('::1', false), { host: '::1', port: 53 })
  t.same(dnsServer('[::1]', true), { host: '::1', port: 853 })
  for (const target of ['', 'a:b:c', 'host:0', 'host:70000'])
    t.throws(() => dnsServer(target, false), new ProbeFailure('invalid_target', ''), JSON.stringify(target))
})

/** A loopback DNS "server" that answers each query over UDP with what `answer` makes of it. */
async function fakeUdpServer(t: Test, answer: (query: Buffer) => Buffer, address = '127.0.0.1'): Promise<number> {
  const socket = createSocket(address === '::1' ? 'udp6' : 'udp4')
  socket.on('message', (query, peer) => socket.send(answer(query), peer.port, peer.address))
  await new Promise<void>((resolve) => socket.bind(0, address, resolve))
  t.teardown(() => socket.close())
  return socket.address().port
}

/** The same over TCP: `answer` gets the connection and the query (without its length). */
async function fakeTcpServer(t: Test, answer: (socket: Socket, query: Buffer) => void): Promise<number> {
  const server = createTcpServer((socket) => {
    socket.once('data', (chunk: Buffer) => answer(socket, chunk.subarray(2)))
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  return (server.address() as { port: number }).port
}

/** A well-formed answer to a query: one A record, from the query's own id. */
function answerTo(query: Buffer, changes: Partial<dnsPacket.Packet> = {}): Buffer {
  const { id, questions } = dnsPacket.decode(query)
  return dnsPacket.encode({
    type: 'response',
    id,
    questions,
    answers: [{ name: 'www.example.test', type: 'A', ttl: 60, data: '192.0.2.7' }],
    ...changes,
  })
}

t.test('probeDns against servers that misbehave, and from a chosen source address', async (t) => {
  const run = async (target: string, keys = '') => {
    const log = new ProbeLog()
    const outcome = await probeDns(target, await dnsModule(keys), new ProbeDeadline(2000), log)
    return { ...outcome, reason: outcome.failure?.reason, log: log.entries.map((entry) => entry.message) }
  }
  const good = await fakeUdpServer(t, (query) => answerTo(query))
  const fine = await run(`127.0.0.1:${good}`, '      query_type: A\n      source_ip_address: 127.0.0.1\n')
  t.same([fine.reason, fine.measures.answerRrs, fine.measures.querySucceeded], [undefined, 1, true])
  t.match(fine.log, [
    /^querying 127\.0\.0\.1 port \d+ over udp4: www\.example\.test A IN$/,
    'answer: rcode NOERROR, 1 answer, 0 authority, 0 additional records',
    'answer record: www.example.test.\t60\tIN\tA\t192.0.2.7',
  ])
  const overIpv6 = await fakeUdpServer(t, (query) => answerTo(query), '::1')
  const six = await run(`[::1]:${overIpv6}`, '      query_type: A\n')
  t.same([six.reason, six.resolved?.family, six.measures.answerRrs], [undefined, 6, 1], 'over IPv6')
  const garbage = await fakeUdpServer(t, () => Buffer.from('not dns'))
  const undecodable = await run(`127.0.0.1:${garbage}`)
  t.same([undecodable.reason, undecodable.measures.querySucceeded], ['dns_malformed_answer', false])
  t.match(undecodable.failure?.message, /^the answer cannot be decoded: /)
  const stranger = await fakeUdpServer(t, (query) => answerTo(query, { id: (dnsPacket.decode(query).id ?? 0) ^ 1 }))
  const mismatched = await run(`127.0.0.1:${stranger}`)
  t.same(mismatched.reason, 'dns_malformed_answer')
  t.match(mismatched.failure?.message, /^the answer \(id \d+\) does not answer query \d+$/)
  const echo = await fakeUdpServer(t, (query) => query)
  t.same((await run(`127.0.0.1:${echo}`)).reason, 'dns_malformed_answer', 'a query sent back is no answer')
  const split = await fakeTcpServer(t, (socket, query) => {
    const answer = answerTo(query)
    const length = Buffer.alloc(2)
    length.writeUInt16BE(answer.length)
    socket.write(Buffer.concat([length, answer.subarray(0, 3)]))
    setTimeout(() => socket.end(answer.subarray(3)), 20)
  })
  const framed = await run(`127.0.0.1:${split}`, '      transport_protocol: tcp\n      source_ip_address: 127.0.0.1\n')
  t.same([framed.reason, framed.measures.answerRrs], [undefined, 1], 'an answer in two pieces over TCP')
  const hangUp = await fakeTcpServer(t, (socket) => socket.end())
  t.same((await run(`127.0.0.1:${hangUp}`, '      transport_protocol: tcp\n')).reason, 'connection_reset')
  const reset = await fakeTcpServer(t, (socket) => socket.resetAndDestroy())
  t.same((await run(`127.0.0.1:${reset}`, '      transport_protocol: tcp\n')).reason, 'connection_reset')
  const unresolved = await run(
    'nonexistent.invalid',
    '      preferred_ip_protocol: ip4\n      ip_protocol_fallback: false\n',
  )
  t.same([unresolved.reason, unresolved.resolved], ['dns', undefined])
  t.same((await run('a:b:c')).reason, 'invalid_target')
})
