// The vSphere exporter's SOAP client, read and series against a fake vCenter that answers what vcsim never does:
// paged results, missing properties, sensors with units, snapshots, guest disks, duplicate names, faults and answers
// that are not SOAP.
import { readFileSync } from 'node:fs'
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import t, { type Test } from 'tap'
import { Registry, encode } from 'promkit'
import { vsphereDescs } from '../../collectors/vsphere/descs.js'
import { Inventory } from '../../collectors/vsphere/inventory.js'
import {
  emitClusters,
  emitDatastores,
  emitHosts,
  emitSnapshots,
  emitVmGuests,
  emitVms,
} from '../../collectors/vsphere/metrics.js'
import { epochSeconds, numberOf } from '../../collectors/vsphere/properties.js'
import { Vcenter } from '../../collectors/vsphere/exporter.js'
import {
  type Reading,
  type Sections,
  missingBySection,
  prepareVcenter,
  readVcenter,
} from '../../collectors/vsphere/reading.js'
import { vcenterUrl } from '../../collectors/vsphere/settings.js'
import { type XmlNode, XmlReader } from '../../collectors/vsphere/xml.js'
import { VimSession } from '../../collectors/vsphere/vim.js'
import { get, startExporter } from '../helpers/exporter-process.js'
import { vsphereExporterBin } from '../helpers/vsphere.js'

const golden = readFileSync(new URL('../golden/vsphere-edges.txt', import.meta.url), 'utf8')
const allSections: Sections = {
  vms: true,
  vmguests: true,
  snapshots: true,
  datastores: true,
  hosts: true,
  clusters: true,
}

/** A property element. */
const prop = (name: string, value: string, attributes = '') =>
  `<propSet><name>${name}</name><val xsi:type="xsd:string"${attributes}>${value}</val></propSet>`
/** A managed object reference property. */
const ref = (name: string, type: string, value: string) => prop(name, value, ` type="${type}"`)
/** An object of a RetrieveResult. */
const object = (type: string, id: string, ...props: string[]) =>
  `<objects><obj type="${type}">${id}</obj>${props.join('')}</objects>`
const missing = (path: string) =>
  `<missingSet><path>${path}</path><fault><fault xsi:type="NoPermission"></fault></fault></missingSet>`

const tree = [
  '<objects><obj>untyped</obj></objects>',
  object('Datacenter', 'dc-1', prop('name', 'DC1'), ref('parent', 'Folder', 'group-d1')),
  object('Folder', 'hosts-1', prop('name', 'host'), ref('parent', 'Datacenter', 'dc-1')),
  object('Folder', 'stores-1', prop('name', 'datastore'), ref('parent', 'Datacenter', 'dc-1')),
  object('ClusterComputeResource', 'c-1', prop('name', 'prod'), ref('parent', 'Folder', 'hosts-1')),
  object('ComputeResource', 'cr-2', prop('name', 'esx2'), ref('parent', 'Folder', 'hosts-1')),
  object('StoragePod', 'pod-1', prop('name', 'gold'), ref('parent', 'Folder', 'stores-1')),
  // A cycle, as a broken or hostile answer could have: walking up from it ends.
  object('Folder', 'loop-a', prop('name', 'a'), ref('parent', 'Folder', 'loop-b')),
  object('Folder', 'loop-b', prop('name', 'b'), ref('parent', 'Folder', 'loop-a')),
]

const snapshotTree = (name: string, created: string, ...childTrees: string[]) =>
  `<rootSnapshotList><name>${name}</name><createTime>${created}</createTime>${childTrees
    .map((each) => each.replaceAll('rootSnapshotList', 'childSnapshotList'))
    .join('')}</rootSnapshotList>`
const disk = (path: string, capacity: number, free: number) =>
  `<GuestDiskInfo><diskPath>${path}</diskPath><capacity>${capacity}</capacity><freeSpace>${free}</freeSpace></GuestDiskInfo>`

/** A chain of `depth` snapshots, each the child of the one before, all named `deep`. */
function deepSnapshots(depth: number): string {
  let chain = ''
  for (let level = 0; level < depth; level++)
    chain = `<rootSnapshotList><name>deep</name><createTime>2026-01-01T00:00:00Z</createTime>${chain.replaceAll('rootSnapshotList', 'childSnapshotList')}</rootSnapshotList>`
  return chain
}

const vmPages = [
  [
    object(
      'VirtualMachine',
      'vm-1',
      prop('name', 'web'),
      ref('runtime.host', 'HostSystem', 'host-1'),
      prop('summary.config.vmPathName', '[ds1] web/web.vmx'),
      prop('runtime.powerState', 'poweredOn'),
      prop('runtime.bootTime', '2026-12-01T10:00:00.250001Z'),
      prop('summary.config.numCpu', '2'),
      prop('summary.config.memorySizeMB', '4096'),
      prop('runtime.maxCpuUsage', '4600'),
      prop('summary.config.template', 'false'),
      prop('guest.ipAddress', '10.0.0.5'),
      `<propSet><name>guest.disk</name><val>${disk('/', 100, 40)}${disk('/data', 1000, 10)}${disk('/', 1, 1)}</val></propSet>`,
      prop('guest.toolsStatus', 'toolsOk'),
      prop('guest.toolsVersion', '12345'),
      prop('guest.toolsVersionStatus2', 'guestToolsCurrent'),
      `<propSet><name>snapshot</name><val>${snapshotTree(
        'before-upgrade',
        '2026-11-30T08:00:00Z',
        snapshotTree('after', '2026-11-30T09:00:00+01:00', snapshotTree('before-upgrade', '2026-11-30T10:00:00Z')),
      )}</val></propSet>`,
    ),
    // The same name on the same host: vmware_exporter would write duplicate series; the first is kept.
    object(
      'VirtualMachine',
      'vm-2',
      prop('name', 'web'),
      ref('runtime.host', 'HostSystem', 'host-1'),
      prop('summary.config.vmPathName', '[ds1] web2/web.vmx'),
      prop('runtime.powerState', 'poweredOff'),
    ),
  ],
  [
    // Being cloned: no host yet, and vCenter cannot give its CPU count.
    object(
      'VirtualMachine',
      'vm-3',
      prop('name', 'cloning'),
      prop('runtime.powerState', 'poweredOn'),
      missing('summary.config.numCpu'),
    ),
    object(
      'VirtualMachine',
      'vm-4',
      prop('name', 'off'),
      ref('runtime.host', 'HostSystem', 'host-2'),
      prop('summary.config.vmPathName', 'not-bracketed.vmx'),
      prop('runtime.powerState', 'poweredOff'),
      prop('runtime.bootTime', '2026-12-01T10:00:00Z'),
      prop('summary.config.template', 'true'),
      '<propSet><name>guest.ipAddress</name></propSet>',
      prop('guest.toolsStatus', ''),
      `<propSet><name>snapshot</name><val>${deepSnapshots(70)}</val></propSet>`,
      missing('config.unasked'),
    ),
    // Nothing but its reference: its series are written with empty labels, none with made-up values.
    object('VirtualMachine', 'vm-5'),
  ],
]

const numericSensor = (name: string, health: string, reading: number, modifier: number, units: string, type: string) =>
  `<HostNumericSensorInfo><name>${name}</name><healthState><key>${health}</key></healthState><currentReading>${reading}</currentReading><unitModifier>${modifier}</unitModifier><baseUnits>${units}</baseUnits><sensorType>${type}</sensorType></HostNumericSensorInfo>`
const hardwareElement = (name: string, status: string) =>
  `<HostHardwareElementInfo><name>${name}</name><status><key>${status}</key></status></HostHardwareElementInfo>`

const hosts = [
  object(
    'HostSystem',
    'host-1',
    prop('name', 'esx1'),
    ref('parent', 'ClusterComputeResource', 'c-1'),
    prop('summary.config.name', 'esx1.example.com.'),
    prop('runtime.powerState', 'poweredOn'),
    prop('summary.hardware.numCpuCores', '16'),
    prop('summary.hardware.cpuMhz', '2500'),
    prop('summary.hardware.memorySize', '68719476736'),
    prop('summary.hardware.cpuModel', 'Xeon'),
    prop('summary.hardware.model', 'R640'),
    prop('summary.config.product.version', '8.0.2'),
    prop('summary.quickStats.overallCpuUsage', '1200'),
    prop('summary.quickStats.overallMemoryUsage', '30000'),
    prop('runtime.standbyMode', 'none'),
    prop('runtime.bootTime', '2026-11-01T00:00:00Z'),
    prop('runtime.connectionState', 'connected'),
    prop('runtime.inMaintenanceMode', 'false'),
    `<propSet><name>runtime.healthSystemRuntime.systemHealthInfo.numericSensorInfo</name><val>${[
      numericSensor('Fan 1', 'green', 5400, 0, 'RPM', 'fan'),
      numericSensor('Inlet Temp', 'Yellow', 4200, -2, 'Degrees C', 'temperature'),
      numericSensor('PSU1 Voltage', 'green', 230, 0, 'Volts', 'voltage'),
      numericSensor('PSU1 Current', 'green', 12, -1, 'Amps', 'power'),
      numericSensor('System Power', 'red', 35, 1, 'Watts', 'power'),
      numericSensor('PSU Redundancy', 'green', 1, 3, 'redundancy-discrete', 'power'),
      numericSensor('Mystery', 'purple', 1, 0, 'RPM', 'other'),
      numericSensor('Fan 1', 'unknown', 0, 0, 'RPM', 'fan'),
    ].join('')}</val></propSet>`,
    `<propSet><name>runtime.healthSystemRuntime.hardwareStatusInfo.cpuStatusInfo</name><val>${hardwareElement('CPU socket #0', 'Green')}</val></propSet>`,
    `<propSet><name>runtime.healthSystemRuntime.hardwareStatusInfo.memoryStatusInfo</name><val>${hardwareElement('DIMM A1', 'Yellow')}</val></propSet>`,
  ),
  object(
    'HostSystem',
    'host-2',
    prop('name', 'esx2'),
    ref('parent', 'ComputeResource', 'cr-2'),
    prop('runtime.powerState', 'poweredOff'),
    prop('runtime.connectionState', 'notResponding'),
    missing('runtime.inMaintenanceMode'),
  ),
  // Neither name, in standby, with a sensor whose unit has no reading family.
  object(
    'HostSystem',
    'host-3',
    ref('parent', 'ClusterComputeResource', 'c-1'),
    prop('runtime.powerState', 'poweredOn'),
    prop('runtime.standbyMode', 'in'),
    `<propSet><name>runtime.healthSystemRuntime.systemHealthInfo.numericSensorInfo</name><val>${numericSensor('Load', 'green', 50, 0, 'Percent', 'other')}</val></propSet>`,
  ),
  object('HostSystem', 'host-4', prop('name', 'esx4'), ref('parent', 'ComputeResource', 'cr-2')),
]

const datastores = [
  object(
    'Datastore',
    'ds-1',
    prop('name', 'ds1'),
    ref('parent', 'StoragePod', 'pod-1'),
    prop('summary.capacity', '1000'),
    prop('summary.freeSpace', '300'),
    prop('summary.maintenanceMode', 'normal'),
    prop('summary.type', 'VMFS'),
    prop('summary.accessible', 'true'),
    '<propSet><name>host</name><val><DatastoreHostMount><key>host-1</key></DatastoreHostMount><DatastoreHostMount><key>host-2</key></DatastoreHostMount></val></propSet>',
    '<propSet><name>vm</name><val><ManagedObjectReference>vm-1</ManagedObjectReference><ManagedObjectReference>vm-4</ManagedObjectReference></val></propSet>',
  ),
  object('Datastore', 'ds-3', ref('parent', 'Folder', 'stores-1')),
  object(
    'Datastore',
    'ds-2',
    prop('name', 'nfs'),
    ref('parent', 'Folder', 'loop-a'),
    prop('summary.accessible', 'false'),
    missing('summary.capacity'),
  ),
]

const clusters = [
  object(
    'ClusterComputeResource',
    'c-1',
    prop('name', 'prod'),
    ref('parent', 'Folder', 'hosts-1'),
    prop('summary.totalCpu', '40000'),
    prop('summary.effectiveCpu', '36000'),
    prop('summary.totalMemory', '68719476736'),
    prop('summary.effectiveMemory', '60000'),
    prop('summary.numHosts', '1'),
    prop('summary.numEffectiveHosts', '1'),
    prop('overallStatus', 'yellow'),
    prop('configurationEx.drsConfig.enabled', 'true'),
    prop('configurationEx.dasConfig.enabled', 'false'),
  ),
  object('ClusterComputeResource', 'c-2', ref('parent', 'Folder', 'hosts-1')),
]

const counters = `<propSet><name>perfCounter</name><val>${[
  [1, 'cpu', 'ready', 'summation'],
  [2, 'cpu', 'usage', 'average'],
  [3, 'cpu', 'bogus', 'average'],
]
  .map(
    ([key, group, name, rollup]) =>
      `<PerfCounterInfo><key>${key}</key><nameInfo><key>${name}</key></nameInfo><groupInfo><key>${group}</key></groupInfo><rollupType>${rollup}</rollupType></PerfCounterInfo>`,
  )
  .join('')}</val></propSet>`

/** What the fake vCenter answers instead of its own answers. */
interface Behaviour {
  /** Answers to give once each, by method: a status and a body. */
  answers?: Record<string, { status: number; body: string }>
  /** Answer everything with this status and body. */
  raw?: { status: number; body: string }
  /** Know no performance counters. */
  noCounters?: boolean
}

const envelope = (body: string) =>
  `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
const respond = (method: string, returnval: string) =>
  envelope(`<${method}Response xmlns="urn:vim25">${returnval}</${method}Response>`)

/** A fault answer: HTTP 500 with the fault's envelope. */
const fault = (xml: string) => ({ status: 500, body: envelope(`<soapenv:Fault>${xml}</soapenv:Fault>`) })

/** The answer of the fake vCenter to one call. */
function answer(method: string, body: string, behaviour: Behaviour): string {
  if (method === 'RetrieveServiceContent')
    return respond(
      method,
      '<returnval><rootFolder type="Folder">group-d1</rootFolder><propertyCollector type="PropertyCollector">pc</propertyCollector><viewManager type="ViewManager">vm</viewManager><sessionManager type="SessionManager">sm</sessionManager><perfManager type="PerformanceManager">pm</perfManager></returnval>',
    )
  if (method === 'CreateContainerView') {
    const types = [...body.matchAll(/<type>(\w+)<\/type>/g)].map((match) => match[1]).join(',')
    return respond(method, `<returnval type="ContainerView">view:${types}</returnval>`)
  }
  if (method === 'RetrievePropertiesEx') {
    const view = /<obj type="\w+">([^<]+)<\/obj>/.exec(body)?.[1] as string
    const results: Record<string, string> = {
      pm: object('PerformanceManager', 'pm', behaviour.noCounters ? '' : counters),
      'view:Datacenter,Folder,ClusterComputeResource,ComputeResource,StoragePod': tree.join(''),
      'view:VirtualMachine': `${vmPages[0]?.join('')}<token>page&amp;2</token>`,
      'view:HostSystem': hosts.join(''),
      'view:Datastore': datastores.join(''),
      'view:ClusterComputeResource': clusters.join(''),
    }
    return respond(method, `<returnval>${results[view]}</returnval>`)
  }
  if (method === 'ContinueRetrievePropertiesEx') {
    if (!body.includes('<token>page&#38;2</token>')) throw new Error(`unexpected token in ${body}`)
    return respond(method, `<returnval>${vmPages[1]?.join('')}</returnval>`)
  }
  if (method === 'QueryPerf') {
    const entities = [...body.matchAll(/<entity type="\w+">([^<]+)<\/entity>/g)].map((match) => match[1])
    const metric = (entity: string | undefined) =>
      `<returnval><entity type="VirtualMachine">${entity}</entity><value><id><counterId>1</counterId><instance></instance></id><value>3</value><value>4</value></value><value><id><counterId>2</counterId><instance></instance></id></value></returnval>`
    return respond(method, entities.map(metric).join(''))
  }
  return respond(method, '<returnval>ok</returnval>')
}

/** Starts the fake vCenter; the methods called are recorded in `calls`. */
async function fakeVcenter(t: Test, behaviour: Behaviour = {}): Promise<{ url: URL; calls: string[] }> {
  const calls: string[] = []
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => {
      const method = /<(\w+) xmlns="urn:vim25">/.exec(body)?.[1] as string
      calls.push(method)
      const override = behaviour.raw ?? behaviour.answers?.[method]
      if (behaviour.answers) delete behaviour.answers[method]
      if (override !== undefined) return void response.writeHead(override.status).end(override.body)
      response.setHeader('set-cookie', 'vmware_soap_session="abc"; Path=/; HttpOnly')
      response.end(answer(method, body, behaviour))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), calls }
}

/** A session with the fake vCenter, closed at the end of the test. */
function session(t: Test, url: URL, pageSize = 2): VimSession {
  const made = new VimSession({
    url,
    user: 'reader@vsphere.local',
    password: 'not-logged',
    ca: undefined,
    insecure: false,
    pageSize,
    maxSockets: 2,
  })
  t.teardown(() => made.close(AbortSignal.timeout(1000)))
  return made
}

/** Every section's series of a reading, as text. */
async function exposition(reading: Reading): Promise<string> {
  const descs = vsphereDescs('vsphere')
  const registry = new Registry()
  const writers = [
    [emitVms, descs.vms],
    [emitVmGuests, descs.vmguests],
    [emitSnapshots, descs.snapshots],
    [emitDatastores, descs.datastores],
    [emitHosts, descs.hosts],
    [emitClusters, descs.clusters],
  ] as const
  for (const [write, group] of writers) {
    registry.register({
      describe: () => [],
      collect: (emit) => (write as (emit: unknown, group: unknown, reading: Reading) => void)(emit, group, reading),
    })
  }
  return encode((await registry.gather()).families, 'text')
}

const signal = () => AbortSignal.timeout(10_000)
const limits = { specsSize: 1, concurrency: 2 }

/** A read of a fake vCenter that behaves as `behaviour` says: what it found, and the fake's URL and calls. */
async function readFake(t: Test, behaviour: Behaviour = {}, sections = allSections, deadline = Date.now() + 10_000) {
  const fake = await fakeVcenter(t, behaviour)
  return { ...fake, reading: await readVcenter(session(t, fake.url), sections, limits, signal(), deadline) }
}

t.test('a whole read: pages, missing properties, sensors, snapshots, disks, duplicates, perf batches', async (t) => {
  const { url, calls } = await fakeVcenter(t)
  const vcenter = session(t, url)
  const reading = await readVcenter(vcenter, allSections, limits, signal(), Date.now() + 10_000)
  t.same([...reading.errors], [], 'every part read')
  t.equal(reading.vms.length, 5, 'both pages of VMs')
  t.same(reading.vms[2]?.missing, ['summary.config.numCpu'], "a VM's missingSet")
  t.same(
    [...missingBySection(reading)].sort(),
    [
      ['datastores', 1],
      ['hosts', 1],
      ['other', 1],
      ['vms', 1],
    ],
    'missing properties counted by the section that reads them',
  )
  t.equal(calls.filter((call) => call === 'QueryPerf').length, 4, 'one QueryPerf per powered-on object (specs size 1)')
  t.same([...reading.durations.keys()].sort(), [
    'clusters',
    'counters',
    'datastores',
    'host_perf',
    'hosts',
    'inventory',
    'vm_perf',
    'vms',
  ])
  t.equal(await exposition(reading), golden)
})

t.test('only the sections asked for are read', async (t) => {
  const { url, calls } = await fakeVcenter(t)
  const none = { ...allSections, vms: false, vmguests: false, snapshots: false, hosts: false, clusters: false }
  const reading = await readVcenter(session(t, url), none, limits, signal(), Date.now() + 10_000)
  t.same([...reading.durations.keys()].sort(), ['datastores', 'inventory'])
  t.same(calls, [
    'RetrieveServiceContent',
    'Login',
    'CreateContainerView',
    'RetrievePropertiesEx',
    'CreateContainerView',
    'RetrievePropertiesEx',
  ])
})

t.test('a refused login stops the read after one attempt and never shows the password', async (t) => {
  const refused = fault(
    '<faultcode>ServerFaultCode</faultcode><faultstring>Cannot complete login due to an incorrect user name or password.</faultstring><detail><InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"></InvalidLoginFault></detail>',
  )
  const { reading, url, calls } = await readFake(t, { answers: { Login: refused } })
  t.same(
    [...reading.errors],
    [
      [
        'inventory',
        `vCenter at ${url.host}: login as "reader@vsphere.local" refused: Cannot complete login due to an incorrect ` +
          'user name or password.',
      ],
    ],
  )
  t.same(calls, ['RetrieveServiceContent', 'Login'])
})

t.test("a perf batch's failure fails only perf", async (t) => {
  const busy = fault(
    '<faultcode>ServerFaultCode</faultcode><faultstring>too busy</faultstring><detail><BusyFault></BusyFault></detail>',
  )
  const { reading } = await readFake(t, { answers: { QueryPerf: busy } }, { ...allSections, hosts: false })
  t.same([...reading.errors], [['vm_perf', 'too busy']])
  t.equal(reading.vms.length, 5, 'the rest is read')
})

t.test('a fault without a detail is one line too', async (t) => {
  const plain = fault('<faultcode>ServerFaultCode</faultcode><faultstring>internal error</faultstring>')
  const { reading } = await readFake(t, { answers: { QueryPerf: plain } }, { ...allSections, hosts: false })
  t.same([...reading.errors], [['vm_perf', 'internal error']])
})

t.test('perf batches still unread at the deadline are reported', async (t) => {
  const { reading } = await readFake(t, {}, allSections, Date.now() - 1)
  t.same([...reading.errors].sort(), [
    ['host_perf', '2 of 2 batches unread at the deadline'],
    ['vm_perf', '2 of 2 batches unread at the deadline'],
  ])
})

t.test('an answer that is not SOAP is one line', async (t) => {
  const cases: [Behaviour, string][] = [
    [
      { raw: { status: 503, body: '<html>\n  <body>Service Unavailable</body></html>' } },
      'RetrieveServiceContent answered 503 Service Unavailable without a SOAP envelope: <html> <body>Service ' +
        'Unavailable</body></html>',
    ],
    [{ raw: { status: 200, body: '' } }, 'RetrieveServiceContent answered 200 OK without a SOAP envelope'],
    // XML that does not parse.
    [{ raw: { status: 200, body: '<<<' } }, 'RetrieveServiceContent answered 200 OK without a SOAP envelope: <<<'],
    // A login that fails without a fault is not called refused.
    [
      { answers: { Login: { status: 502, body: 'bad gateway' } } },
      'Login answered 502 Bad Gateway without a SOAP envelope: bad gateway',
    ],
  ]
  for (const [behaviour, message] of cases) {
    const { reading, url } = await readFake(t, behaviour)
    t.same([...reading.errors], [['inventory', `vCenter at ${url.host}: ${message}`]], message)
  }
})

t.test('a session vCenter no longer knows is logged in again, once', async (t) => {
  // A prefixed detail element without xsi:type, among whitespace and attributes, as other SOAP stacks write it.
  const gone = fault(
    '<faultcode>ServerFaultCode</faultcode><faultstring>session gone</faultstring><detail xmlns:v="urn:vim25">\n  <v:NotAuthenticatedFault v:object="x"><v:privilegeId>System.View</v:privilegeId></v:NotAuthenticatedFault></detail>',
  )
  const { url, calls } = await fakeVcenter(t, { answers: { RetrievePropertiesEx: gone } })
  const vcenter = session(t, url)
  const reading = await readVcenter(vcenter, allSections, limits, signal(), Date.now() + 10_000)
  t.same([...reading.errors], [], 'read in the new session')
  t.equal(vcenter.logins, 2)
  t.same(calls.slice(0, 6), [
    'RetrieveServiceContent',
    'Login',
    'CreateContainerView',
    'RetrievePropertiesEx',
    'RetrieveServiceContent',
    'Login',
  ])
})

t.test('no QueryPerf when vCenter knows none of the counters', async (t) => {
  const { reading, calls } = await readFake(t, { noCounters: true })
  t.same([...reading.errors], [])
  t.notOk(calls.includes('QueryPerf'))
  t.notOk(reading.durations.has('vm_perf') || reading.durations.has('host_perf'))
})

t.test('prepare: the login, the views the sections read and the counter table, which reads then reuse', async (t) => {
  const { url, calls } = await fakeVcenter(t)
  const prepared = session(t, url)
  await prepareVcenter(prepared, allSections, signal())
  const views = Array(5).fill('CreateContainerView')
  t.same(
    calls.sort(),
    [...views, 'Login', 'RetrievePropertiesEx', 'RetrieveServiceContent'],
    'one of each, in any order',
  )
  calls.length = 0
  const reading = await readVcenter(prepared, allSections, limits, signal(), Date.now() + 10_000)
  t.same([...reading.errors], [], 'every part read')
  t.notOk(calls.includes('Login') || calls.includes('CreateContainerView'), 'the read makes no login and no view')
  calls.length = 0
  const datastoresOnly = {
    ...allSections,
    vms: false,
    vmguests: false,
    snapshots: false,
    hosts: false,
    clusters: false,
  }
  await prepareVcenter(session(t, url), datastoresOnly, signal())
  t.same(calls, ['RetrieveServiceContent', 'Login', 'CreateContainerView', 'CreateContainerView'], 'no counter table')
  calls.length = 0
  await prepareVcenter(session(t, url), { ...datastoresOnly, datastores: false, hosts: true }, signal())
  t.same(calls.sort(), [...views.slice(3), 'Login', 'RetrievePropertiesEx', 'RetrieveServiceContent'], 'hosts only')
})

t.test('a vCenter says when its session is set up, and nothing when it is closed first', async (t) => {
  const { url } = await fakeVcenter(t)
  const lines: string[] = []
  let logged = () => {}
  const written = new Promise<void>((resolve) => (logged = resolve))
  const logger = pino(
    { base: undefined, timestamp: false },
    {
      write: (line: string) => {
        lines.push(line)
        logged()
      },
    },
  )
  const settings = { url, user: 'reader', password: 'not-logged', ca: undefined, insecure: false, pageSize: 2 }
  const profile = { user: 'reader', password: 'not-logged', ignoreSsl: false, specsSize: 1, sections: allSections }
  const opened = new Vcenter({ ...settings, maxSockets: 2 }, profile, logger)
  opened.prepare()
  await written
  await opened.close()
  t.same(lines, [`{"level":30,"vcenter":"${url.host}","msg":"vCenter session set up"}\n`])
  lines.length = 0
  const closed = new Vcenter({ ...settings, maxSockets: 2 }, profile, logger)
  closed.prepare()
  await closed.close()
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.same(lines, [], 'its setting up was cut short, which is no failure to report')
})

t.test('logout: once, and not without a session', async (t) => {
  const { url, calls } = await fakeVcenter(t)
  const idle = session(t, url)
  await idle.close(signal())
  t.same(calls, [], 'nothing to log out of')
  const used = session(t, url)
  await used.counterKeys(signal())
  await used.close(signal())
  await used.close(signal())
  t.same(calls.slice(-1), ['Logout'])
  t.equal(calls.filter((call) => call === 'Logout').length, 1, 'logged out once')
})

t.test('XML: xsi:type found by its namespace, whatever the prefix and however it is scoped', async (t) => {
  const xsi = 'http://www.w3.org/2001/XMLSchema-instance'
  const reader = new XmlReader()
  reader.write(
    `<e:Envelope xmlns:e="urn:e" xmlns:i="${xsi}" xmlns="urn:vim25">` +
      '<val i:type="ArrayOfString" kind="a" e:kind="ignored" xmlns:x="urn:x"><x:s x:type="not-xsi">one</x:s></val>' +
      '<val xmlns:i="urn:other" i:type="shadowed" q:type="unbound"/>' +
      '<val i:type="InScopeAgain"/>' +
      '</e:Envelope>',
  )
  const [first, second, third] = reader.close().children[0]?.children ?? []
  t.same(
    [first?.name, first?.xsiType, first?.attributes, first?.children[0]?.name, first?.children[0]?.xsiType],
    ['val', 'ArrayOfString', { kind: 'a' }, 's', undefined],
    "a local name, the xsi type, the attributes without a namespace; another namespace's type is not xsi:type",
  )
  t.same([second?.xsiType, second?.attributes], [undefined, {}], 'a prefix rebound in scope, an unbound one: no type')
  t.equal(third?.xsiType, 'InScopeAgain', 'the outer binding again once the inner element has closed')
})

t.test('XML read piece by piece: the elements at a path handed over as they close, the rest kept', async (t) => {
  const document =
    '<S:Envelope xmlns:S="urn:s"><S:Body><R xmlns="urn:vim25"><returnval>' +
    '<objects><obj type="VirtualMachine">vm-1</obj></objects><token>t1</token>' +
    '<objects><obj type="VirtualMachine">vm-2</obj><objects>nested, not at the path</objects></objects>' +
    '</returnval></R><Other><objects>elsewhere</objects></Other></S:Body></S:Envelope>'
  const taken: string[] = []
  const reader = new XmlReader({
    path: ['Envelope', 'Body', 'R', 'returnval', 'objects'],
    take: (element) => taken.push(`${element.children[0]?.attributes.type}:${element.children[0]?.text}`),
  })
  // One character at a time: names, attributes and texts cut everywhere.
  for (const character of document) reader.write(character)
  const root = reader.close()
  t.same(taken, ['VirtualMachine:vm-1', 'VirtualMachine:vm-2'], 'in document order')
  const body = root.children[0]?.children[0]
  const returnval = body?.children[0]?.children[0]
  t.same(
    returnval?.children.map((each) => each.name),
    ['token'],
    'what was handed over is not in the tree; its siblings are',
  )
  t.equal(body?.children[1]?.children[0]?.text, 'elsewhere', 'the same name off the path is kept')
  t.throws(() => new XmlReader().close(), 'a document that never started is refused')
  const truncated = new XmlReader()
  truncated.write('<a><b>')
  t.throws(() => truncated.close(), 'so is one that ends before its top element closes')
})

t.test(
  'XML: what SOAP answers hold is read whole or cut anywhere; what is not XML is refused in one line',
  async (t) => {
    const document =
      '\ufeff<?xml version="1.0"?><!-- before --><e:Envelope xmlns:e="urn:e">' +
      '<v kind=\'one &amp; &#50;\' other = "x&#x33;">a &lt; b &gt; c &quot;&apos; &#233;&#x1F600;</v>' +
      '<w><![CDATA[<raw> & ]]><!-- inside -->after</w ><empty/><spaced ></spaced>' +
      '</e:Envelope>\n<!-- after -->\n'
    const read = (pieces: readonly string[]) => {
      const reader = new XmlReader()
      for (const piece of pieces) reader.write(piece)
      const [v, w, empty, spaced] = reader.close().children[0]?.children ?? []
      return [v?.attributes, v?.text, w?.text, empty?.name, empty?.children.length, spaced?.name]
    }
    const expected = [
      { kind: 'one & 2', other: 'x3' },
      'a < b > c "\' \u00e9\u{1F600}',
      '<raw> & after',
      'empty',
      0,
      'spaced',
    ]
    t.same(read([document]), expected, 'whole')
    t.same(read([...document]), expected, 'one character at a time: tags, references, comments and CDATA cut anywhere')
    const refusals: [string, string][] = [
      ['<!DOCTYPE a [<!ENTITY x "y">]><a/>', 'document type declarations are not accepted'],
      ['<a>&nbsp;</a>', 'not a known entity or character reference: "&nbsp;"'],
      ['<a>&#0;</a>', 'not a known entity or character reference: "&#0;"'],
      ['<a b="&#x110000;"/>', 'not a known entity or character reference: "&#x110000;"'],
      ['<a b/>', '<a: an attribute without a value'],
      ['<a b=c/>', '<a b=: the value is not quoted'],
      ['<a b="<"/>', '<a b=: "<" in a value'],
      ['<a/ >', '<a: "/" not followed by ">"'],
      ['< a/>', 'not an element name: ""'],
      ['<a><<b/></a>', 'not an element name: "<b"'],
      ['<a></b>', '</b> where <a> closes'],
      ['<a></ab>', '</ab> where <a> closes'],
      ['</a>', '</a> where no element is open'],
      ['x<a/>', 'text outside the top element'],
      ['<![CDATA[x]]><a/>', 'CDATA outside the top element'],
      ['<a/><b/>', 'a second top element <b>'],
    ]
    for (const [xml, message] of refusals) {
      t.throws(() => new XmlReader().write(xml), new Error(message), xml)
    }
    const unended = new XmlReader()
    unended.write('<a><b')
    t.throws(() => unended.close(), new Error('the document ends inside "<b"'))
    const endless = new XmlReader()
    endless.write('<a><!--')
    t.throws(
      () => endless.write('x'.repeat(1024 * 1024)),
      new Error('a tag, comment or CDATA section longer than 1 MiB'),
      'a comment that never ends is not kept waiting for',
    )
  },
)

t.test('values: dates to the microsecond, numbers, URLs, a cycle in the tree', async (t) => {
  t.equal(epochSeconds('2026-12-01T10:00:00.250001Z'), 1796119200.250001)
  t.equal(epochSeconds('2026-12-01T11:00:00+01:00'), 1796119200)
  t.equal(epochSeconds('2026-12-01T10:00:00'), 1796119200, 'no zone is UTC')
  t.equal(epochSeconds('yesterday'), undefined)
  t.equal(epochSeconds('2026-13-45T10:00:00Z'), undefined)
  const leaf = (text: string): XmlNode => ({ name: 'val', attributes: {}, xsiType: undefined, children: [], text })
  const object = (value: string) => ({
    ref: { type: 'VirtualMachine', value: 'vm-1' },
    properties: new Map([['n', leaf(value)]]),
    missing: [],
  })
  t.equal(numberOf(object('12'), 'n'), 12)
  t.equal(numberOf(object(' '), 'n'), undefined)
  t.equal(numberOf(object('twelve'), 'n'), undefined)
  t.equal(numberOf(object('12'), 'absent'), undefined)
  t.equal(vcenterUrl('vc.example.com', 'x').href, 'https://vc.example.com/')
  t.equal(vcenterUrl('vc.example.com:8443', 'x').href, 'https://vc.example.com:8443/')
  t.equal(vcenterUrl('https://vc.example.com/sdk', 'x').href, 'https://vc.example.com/')
  const inventory = new Inventory()
  inventory.add([
    { ref: { type: 'Folder', value: 'a' }, properties: new Map([['parent', leaf('b')]]), missing: [] },
    { ref: { type: 'Folder', value: 'b' }, properties: new Map([['parent', leaf('a')]]), missing: [] },
  ])
  t.equal(inventory.ancestor('a', 'Datacenter'), '', 'a walk up a cycle ends')
  t.equal(inventory.parentOfType('nowhere', 'Folder'), '')
})

t.test('the exporter counts what vCenter could not give, by section, and serves the rest', async (t) => {
  const { url } = await fakeVcenter(t)
  const env = { VSPHERE_HOST: url.href, VSPHERE_USER: 'reader', VSPHERE_PASSWORD: 'not-logged' }
  const exporter = await startExporter(t, vsphereExporterBin, [], { env })
  const { text } = await get(`${exporter.base}/metrics`)
  const lines = text.split('\n').filter((line) => /^vsphere_(up|missing_properties|objects)/.test(line))
  t.same(lines, [
    'vsphere_missing_properties{section="datastores"} 1',
    'vsphere_missing_properties{section="hosts"} 1',
    'vsphere_missing_properties{section="other"} 1',
    'vsphere_missing_properties{section="vms"} 1',
    'vsphere_objects{type="ClusterComputeResource"} 2',
    'vsphere_objects{type="Datastore"} 3',
    'vsphere_objects{type="HostSystem"} 4',
    'vsphere_objects{type="VirtualMachine"} 5',
    'vsphere_up 1',
  ])
})
