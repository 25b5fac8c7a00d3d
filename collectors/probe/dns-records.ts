import * as dnsPacket from 'dns-packet'

/** A resource record as dns-packet decodes it (any section). */
export type DnsRecord = dnsPacket.Answer

/** The rcodes a module's `valid_rcodes` may list, by the names Go's miekg/dns gives them. */
export const rcodeNames = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
] as const

/** The classes a module's `query_class` may name. */
export const queryClasses = ['IN', 'CS', 'CH', 'HS', 'ANY'] as const

/** One of {@link queryClasses}. */
export type QueryClass = (typeof queryClasses)[number]

/** Record types by the names miekg/dns gives them, so queries and answers are written alike. */
const typeNumbers: Readonly<Record<string, number>> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  RP: 17,
  AFSDB: 18,
  AAAA: 28,
  LOC: 29,
  SRV: 33,
  NAPTR: 35,
  KX: 36,
  CERT: 37,
  DNAME: 39,
  OPT: 41,
  APL: 42,
  DS: 43,
  SSHFP: 44,
  IPSECKEY: 45,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  DHCID: 49,
  NSEC3: 50,
  NSEC3PARAM: 51,
  TLSA: 52,
  SMIMEA: 53,
  HIP: 55,
  CDS: 59,
  CDNSKEY: 60,
  OPENPGPKEY: 61,
  CSYNC: 62,
  ZONEMD: 63,
  SVCB: 64,
  HTTPS: 65,
  SPF: 99,
  TKEY: 249,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  URI: 256,
  CAA: 257,
  TA: 32768,
  DLV: 32769,
}
const typeNames = new Map(Object.entries(typeNumbers).map(([name, number]) => [number, name]))

/** A query type's number from its name (`A`, `SOA`, `TYPE65534`), or undefined when no type has that name. */
export function queryTypeNumber(name: string): number | undefined {
  const generic = /^TYPE(\d{1,5})$/.exec(name)
  if (generic) return Number(generic[1]) <= 65_535 ? Number(generic[1]) : undefined
  return Object.hasOwn(typeNumbers, name) ? typeNumbers[name] : undefined
}

/**
 * Why a name cannot be asked for (labels of 1 to 63 bytes, 255 bytes in all on the wire), or undefined when it can.
 * A final dot is allowed; `.` is the root.
 */
export function queryNameProblem(name: string): string | undefined {
  if (name === '.') return undefined
  const labels = (name.endsWith('.') ? name.slice(0, -1) : name).split('.')
  const lengths = labels.map((label) => Buffer.byteLength(label))
  if (lengths.some((length) => length === 0)) return 'has an empty label'
  const long = lengths.findIndex((length) => length > 63)
  if (long >= 0) return `has a label of ${lengths[long]} bytes (at most 63)`
  const wire = lengths.reduce((sum, length) => sum + length + 1, 1)
  return wire > 255 ? `is ${wire} bytes long as DNS writes it (at most 255)` : undefined
}

/** A type or class as dns-packet names it, written as miekg/dns does (`UNKNOWN_64` is `SVCB`, else `TYPE64`). */
function mnemonic(name: string, generic: 'TYPE' | 'CLASS'): string {
  if (!name.startsWith('UNKNOWN_')) return name
  const number = Number(name.slice('UNKNOWN_'.length))
  return (generic === 'TYPE' ? typeNames.get(number) : undefined) ?? `${generic}${number}`
}

/** A domain name written absolute, as miekg/dns writes it: with its final dot. */
function absolute(name: string): string {
  return name === '.' ? name : `${name}.`
}

/**
 * A character string in quotes, as miekg/dns writes TXT data: `"` and `\`
 * escaped, bytes outside ASCII's printable range as `\DDD`.
 */
function quoted(bytes: Buffer | string): string {
  let text = '"'
  for (const byte of typeof bytes === 'string' ? Buffer.from(bytes) : bytes) {
    if (byte === 0x22 || byte === 0x5c) text += `\\${String.fromCharCode(byte)}`
    else if (byte < 0x20 || byte > 0x7e) text += `\\${String(byte).padStart(3, '0')}`
    else text += String.fromCharCode(byte)
  }
  return `${text}"`
}

/** dns-packet's codec of one record type: it writes the data after a two-byte length. */
type RecordCodec = { encode(data: unknown): Buffer }
const recordCodec = (dnsPacket as unknown as { record(type: string): RecordCodec }).record

/** The data in RFC 3597's generic form (`\# 4 0a000001`), for the types written no other way here. */
function generic(record: DnsRecord): string {
  // An OPT record (EDNS, never asked for here) keeps its data as options.
  const data = record.type === 'OPT' ? record.options : record.data
  const bytes = Buffer.isBuffer(data) ? data : recordCodec(record.type).encode(data).subarray(2)
  return bytes.length === 0 ? '\\# 0' : `\\# ${bytes.length} ${bytes.toString('hex')}`
}

/** The record's data in its presentation form, for the common types; the generic form for the rest. */
function presentation(record: DnsRecord): string {
  switch (record.type) {
    case 'A':
    case 'AAAA':
      return record.data
    case 'NS':
    case 'CNAME':
    case 'PTR':
    case 'DNAME':
      return absolute(record.data)
    case 'MX':
      return `${record.data.preference} ${absolute(record.data.exchange)}`
    case 'SRV':
      return `${record.data.priority} ${record.data.weight} ${record.data.port} ${absolute(record.data.target)}`
    case 'SOA': {
      const { mname, rname, serial, refresh, retry, expire, minimum } = record.data
      return `${absolute(mname)} ${absolute(rname)} ${serial} ${refresh} ${retry} ${expire} ${minimum}`
    }
    case 'TXT':
      return (Array.isArray(record.data) ? record.data : [record.data]).map(quoted).join(' ')
    case 'CAA':
      return `${record.data.flags} ${record.data.tag} ${quoted(record.data.value)}`
    case 'HINFO':
      return `${quoted(record.data.cpu)} ${quoted(record.data.os)}`
    default:
      return generic(record)
  }
}

/**
 * A resource record as one line of text, the text blackbox_exporter matches
 * its `validate_*_rrs` regexps against (miekg/dns' `RR.String()`): name, TTL,
 * class, type and data separated by tabs, names absolute, e.g.
 * `www.example.test.\t600\tIN\tA\t127.0.0.5`. A, AAAA, NS, CNAME, PTR, DNAME,
 * MX, SRV, SOA, TXT, CAA and HINFO data are in their presentation form, other
 * types' in RFC 3597's generic form.
 */
export function recordText(record: DnsRecord): string {
  const { ttl = 0, class: recordClass = 'IN' } = record as { ttl?: number; class?: string }
  const type = mnemonic(record.type, 'TYPE')
  return `${absolute(record.name)}\t${ttl}\t${mnemonic(recordClass, 'CLASS')}\t${type}\t${presentation(record)}`
}
