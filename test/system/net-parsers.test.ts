// The /proc parsers of the netstat, sockstat, softnet, conntrack, udp_queues and arp collectors on what a broken or
// older kernel writes, and those collectors on a tree that lacks their optional files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry, encode } from 'promkit'
import type { CollectorDefinition } from 'promkit/exporter'
import t from 'tap'
import { parseArp } from '../../collectors/system/arp.js'
import { conntrackCollector, parseConntrackStat } from '../../collectors/system/conntrack.js'
import { netstatCollector, parseNetstat, parseSnmp6 } from '../../collectors/system/netstat.js'
import { parseSockstat, sockstatCollector } from '../../collectors/system/sockstat.js'
import { parseSoftnet } from '../../collectors/system/softnet.js'
import { parseUdpQueues } from '../../collectors/system/udp-queues.js'
import { systemContext } from '../helpers/system.js'

t.test('malformed files are refused with the file and what is wrong', async (t) => {
  t.throws(() => parseNetstat('Tcp: A B\nUdp: 1 2\n', '/proc/net/snmp'), {
    message: "couldn't parse /proc/net/snmp: line 2 does not match its header line (Tcp:)",
  })
  t.throws(() => parseNetstat('Tcp: A B\nTcp: 1\n', '/proc/net/snmp'), {
    message: "couldn't parse /proc/net/snmp: line 2 does not match its header line (Tcp:)",
  })
  t.throws(() => parseNetstat('Tcp: A\nTcp: x\n', '/proc/net/snmp'), {
    message: `couldn't parse /proc/net/snmp: Tcp A is "x", not a number`,
  })
  t.throws(() => parseSnmp6('IpInReceives 7\n'), {
    message: `couldn't parse /proc/net/snmp6: "IpInReceives" names no IPv6 protocol`,
  })
  t.throws(() => parseSockstat('TCP: inuse 4 orphan\n', '/proc/net/sockstat'), {
    message: `couldn't parse /proc/net/sockstat: "TCP: inuse 4 orphan" has a key without a value`,
  })
  t.throws(() => parseSoftnet('00000001 00000002\n'), {
    message: "couldn't parse /proc/net/softnet_stat: line 1 is not 11 or more hexadecimal columns",
  })
  t.throws(() => parseSoftnet(`${'zz '.repeat(11)}\n`), {
    message: "couldn't parse /proc/net/softnet_stat: line 1 is not 11 or more hexadecimal columns",
  })
  t.throws(() => parseConntrackStat('entries found\n00000001\n'), {
    message: "couldn't parse /proc/net/stat/nf_conntrack: 1 columns under 2 names",
  })
  t.throws(() => parseConntrackStat('entries found\n00000001 xyz\n'), {
    message: "couldn't parse /proc/net/stat/nf_conntrack: found is not hexadecimal",
  })
  t.throws(() => parseUdpQueues('header\n 0: 0100007F:0035\n', '/proc/net/udp'), {
    message: "couldn't parse /proc/net/udp: line 2 has no tx_queue:rx_queue column",
  })
  t.throws(() => parseArp('IP address HW type\n192.168.1.1 0x1 0x2\n'), {
    message: `couldn't parse /proc/net/arp: "192.168.1.1 0x1 0x2" has no device`,
  })
  t.same(parseConntrackStat(''), new Map(), 'an empty stat file sums to nothing')
})

t.test('the optional files: no snmp6, sockstat6, conntrack or its stat file', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'promkit-net-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, 'proc', 'net'), { recursive: true })
  writeFileSync(join(root, 'proc', 'net', 'netstat'), 'TcpExt: ListenDrops\nTcpExt: 3\n')
  writeFileSync(join(root, 'proc', 'net', 'snmp'), 'Udp: InErrors\nUdp: 1\n')
  writeFileSync(join(root, 'proc', 'net', 'sockstat'), 'sockets: used 5\n')
  const gathered = async (definition: CollectorDefinition, logged: string[] = []) => {
    const registry = new Registry()
    registry.register(await definition.create(systemContext(root, {}, logged)))
    const { families, errors } = await registry.gather()
    if (errors.length > 0) throw errors[0]
    return encode(families, 'text')
  }
  t.match(
    await gathered(netstatCollector),
    /^node_netstat_TcpExt_ListenDrops 3\nnode_netstat_Udp_InErrors 1\n|Udp_InErrors 1/m,
  )
  t.match(await gathered(sockstatCollector), /^node_sockstat_sockets_used 5$/m)
  const logged: string[] = []
  t.equal(await gathered(conntrackCollector, logged), '')
  t.match(logged.join(''), /no \/proc\/sys\/net\/netfilter\/nf_conntrack_\*: the conntrack collector has no data/)
  mkdirSync(join(root, 'proc', 'sys', 'net', 'netfilter'), { recursive: true })
  writeFileSync(join(root, 'proc', 'sys', 'net', 'netfilter', 'nf_conntrack_count'), '7\n')
  writeFileSync(join(root, 'proc', 'sys', 'net', 'netfilter', 'nf_conntrack_max'), '100\n')
  const conntrack = await gathered(conntrackCollector)
  t.match(conntrack, /^node_nf_conntrack_entries 7$/m)
  t.notMatch(conntrack, /stat_/, 'no stat families without /proc/net/stat/nf_conntrack')
  mkdirSync(join(root, 'proc', 'net', 'stat'))
  writeFileSync(join(root, 'proc', 'net', 'stat', 'nf_conntrack'), 'entries found\n00000001 00000002\n')
  const older = await gathered(conntrackCollector)
  t.match(older, /^node_nf_conntrack_stat_found 2$/m)
  t.match(
    older,
    /^node_nf_conntrack_stat_search_restart 0$/m,
    'a column an older kernel lacks is 0, as node_exporter has it',
  )
  rmSync(join(root, 'proc', 'net', 'sockstat'))
  writeFileSync(join(root, 'proc', 'net', 'sockstat6'), 'TCP6: inuse 2\n')
  t.match(await gathered(sockstatCollector), /^node_sockstat_TCP6_inuse 2$/m)
})
