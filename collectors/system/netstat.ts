import { flag } from 'promkit/exporter'
import { fieldsCollector } from './fields-collector.js'
import { lines, number, readOptional, readRequired } from './paths.js'

/**
 * Parses /proc/net/netstat or /proc/net/snmp: pairs of lines, `Proto: Name Name …` then `Proto: value value …`,
 * into `Proto_Name` → value.
 */
export function parseNetstat(text: string, file: string): Map<string, number> {
  const fields = new Map<string, number>()
  const all = lines(text)
  for (let index = 0; index + 1 < all.length; index += 2) {
    const [protocol, ...names] = (all[index] as string).split(/\s+/)
    const [valueProtocol, ...values] = (all[index + 1] as string).split(/\s+/)
    if (protocol !== valueProtocol || names.length !== values.length) {
      throw new Error(`couldn't parse ${file}: line ${index + 2} does not match its header line (${protocol})`)
    }
    const prefix = (protocol as string).replace(/:$/, '')
    for (const [column, name] of names.entries()) {
      fields.set(`${prefix}_${name}`, number(values[column], file, `${prefix} ${name}`))
    }
  }
  return fields
}

/** Parses /proc/net/snmp6: `Ip6InReceives 7` lines, the protocol up to its `6`, into `Ip6_InReceives` → value. */
export function parseSnmp6(text: string): Map<string, number> {
  const fields = new Map<string, number>()
  for (const line of lines(text)) {
    const [name, value] = line.split(/\s+/) as [string, string | undefined]
    const split = name.indexOf('6') + 1
    if (split === 0) throw new Error(`couldn't parse /proc/net/snmp6: ${JSON.stringify(name)} names no IPv6 protocol`)
    fields.set(`${name.slice(0, split)}_${name.slice(split)}`, number(value, '/proc/net/snmp6', name))
  }
  return fields
}

const fieldsFlag = flag.regexp('collector.netstat.fields', {
  default:
    '^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|' +
    'TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts|TCPOFOQueue|TCPRcvQDrop)|' +
    'Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|' +
    'Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$',
  description: 'Regexp of fields to return for netstat collector.',
})

/**
 * `node_netstat_<Proto>_<Name>` (untyped, as node_exporter has them) from /proc/net/netstat, /proc/net/snmp and
 * /proc/net/snmp6 (absent without IPv6), for the fields `--collector.netstat.fields` matches (node_exporter 1.12's
 * default).
 */
export const netstatCollector = fieldsCollector({
  name: 'netstat',
  subsystem: 'netstat',
  fields: fieldsFlag,
  help: (field) => `Statistic ${field.replace('_', '')}.`,
  async read(paths) {
    const [netstat, snmp, snmp6] = await Promise.all([
      readRequired(paths.proc('net', 'netstat')),
      readRequired(paths.proc('net', 'snmp')),
      readOptional(paths.proc('net', 'snmp6')),
    ])
    return new Map([
      ...parseNetstat(netstat, '/proc/net/netstat'),
      ...parseNetstat(snmp, '/proc/net/snmp'),
      ...(snmp6 === undefined ? [] : parseSnmp6(snmp6)),
    ])
  },
})
