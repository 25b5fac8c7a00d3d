import { type ObjectReference, SoapClient, SoapFault, escapeXml, reference, referenceXml } from './soap.js'
import { type XmlNode, child, children, path, text } from './xml.js'

/** Where vCenter (or an ESXi host) is and who logs in. */
export interface VimSettings {
  /** Its SDK's base URL, `https://vc.example.com`. */
  readonly url: URL
  readonly user: string
  readonly password: string
  /** CA certificates (PEM) its certificate must be signed by; undefined for the system's. */
  readonly ca: string | undefined
  /** Whether its certificate goes unchecked. */
  readonly insecure: boolean
  /** Objects per RetrievePropertiesEx page; the rest follow with ContinueRetrievePropertiesEx. */
  readonly pageSize: number
  /** Connections kept open to it at most. */
  readonly maxSockets: number
}

/** One object's properties as RetrievePropertiesEx gave them, and the paths it could not give (its missingSet). */
export interface ManagedObject {
  readonly ref: ObjectReference
  readonly properties: ReadonlyMap<string, XmlNode>
  readonly missing: readonly string[]
}

/** One entity's latest performance sample: the value of each counter, by counter key. */
export interface PerfSample {
  readonly entity: string
  readonly values: ReadonlyMap<number, number>
}

/** What one QueryPerf spec asks: these counters of this entity. */
export interface PerfQuery {
  readonly entity: ObjectReference
  readonly counters: readonly number[]
}

/** The managed objects a session works with, from RetrieveServiceContent. */
interface ServiceContent {
  readonly rootFolder: ObjectReference
  readonly propertyCollector: ObjectReference
  readonly viewManager: ObjectReference
  readonly sessionManager: ObjectReference
  readonly perfManager: ObjectReference
}

/** A logged-in session and what it has set up: container views by object types, the counter table. */
interface Session {
  readonly content: ServiceContent
  readonly views: Map<string, Promise<ObjectReference>>
  counters?: Promise<ReadonlyMap<string, number>>
}

const serviceInstance: ObjectReference = { type: 'ServiceInstance', value: 'ServiceInstance' }

/** Performance data at vCenter's real-time interval (20 s), as vmware_exporter asks for it. */
const realTimeInterval = 20

/** Why logging in failed, in one line without the password. */
export class LoginRefused extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'LoginRefused'
  }
}

/** A ServiceContent's references. */
function serviceContent(node: XmlNode | undefined): ServiceContent {
  const ref = (name: string) => reference(child(node, name))
  return {
    rootFolder: ref('rootFolder'),
    propertyCollector: ref('propertyCollector'),
    viewManager: ref('viewManager'),
    sessionManager: ref('sessionManager'),
    perfManager: ref('perfManager'),
  }
}

/** An `objects` element of a RetrieveResult: the object, its properties' values, its missingSet. */
function managedObject(object: XmlNode): ManagedObject {
  return {
    ref: reference(child(object, 'obj')),
    properties: new Map(
      children(object, 'propSet').flatMap((property) => {
        const value = child(property, 'val')
        return value === undefined ? [] : [[path(property, 'name'), value] as const]
      }),
    ),
    missing: children(object, 'missingSet').map((missing) => path(missing, 'path')),
  }
}

/** A PerfEntityMetric's latest sample: each counter's total over its instances. */
function perfSample(metric: XmlNode): PerfSample {
  return {
    entity: text(child(metric, 'entity')),
    values: new Map(
      children(metric, 'value').map((series) => {
        const samples = children(series, 'value').map((value) => Number(text(value)))
        return [Number(path(series, 'id', 'counterId')), samples.reduce((sum, value) => sum + value, 0)] as const
      }),
    ),
  }
}

/**
 * A vim25 session with one vCenter: logs in at first use and keeps the session across scrapes, logs in again when
 * vCenter says the session is gone (`NotAuthenticated`: expired, or vCenter restarted), and logs out at `close()`.
 * Its container views and counter table live as long as the session. vmware_exporter logs in and out on every
 * scrape instead.
 */
export class VimSession {
  private readonly soap: SoapClient
  private session: Promise<Session> | undefined
  private loginCount = 0
  private closed = false

  constructor(private readonly settings: VimSettings) {
    this.soap = new SoapClient(settings.url, settings.ca, settings.insecure, settings.maxSockets)
  }

  /** `vCenter at vc.example.com:443`, as errors name it. */
  get name(): string {
    return this.soap.name
  }

  /** Logins so far: one per session, so more than one means sessions expired or vCenter restarted. */
  get logins(): number {
    return this.loginCount
  }

  private connect(signal: AbortSignal): Promise<Session> {
    if (this.session === undefined) {
      const opening = this.open(signal)
      this.session = opening
      opening.catch(() => {
        if (this.session === opening) this.session = undefined
      })
    }
    return this.session
  }

  private async open(signal: AbortSignal): Promise<Session> {
    this.soap.forgetSession()
    const [returned] = await this.soap.call('RetrieveServiceContent', serviceInstance, '', signal)
    const content = serviceContent(returned)
    const { user, password } = this.settings
    const credentials = `<userName>${escapeXml(user)}</userName><password>${escapeXml(password)}</password>`
    try {
      await this.soap.call('Login', content.sessionManager, credentials, signal)
    } catch (error) {
      if (!(error instanceof SoapFault)) throw error
      throw new LoginRefused(`${this.name}: login as ${JSON.stringify(user)} refused: ${error.message}`)
    }
    this.loginCount++
    return { content, views: new Map() }
  }

  /** Runs `work` in the session; once more in a new session if vCenter says this one is gone. */
  private async authenticated<T>(signal: AbortSignal, work: (session: Session) => Promise<T>): Promise<T> {
    const session = this.connect(signal)
    try {
      return await work(await session)
    } catch (error) {
      if (!(error instanceof SoapFault && error.kind === 'NotAuthenticated')) throw error
      if (this.session === session) this.session = undefined
      return await work(await this.connect(signal))
    }
  }

  /** A container view of every object of `types` under the root folder, made once per session. */
  private view(session: Session, types: readonly string[], signal: AbortSignal): Promise<ObjectReference> {
    const key = types.join(',')
    let view = session.views.get(key)
    if (view === undefined) {
      const { viewManager, rootFolder } = session.content
      const typeList = types.map((type) => `<type>${type}</type>`).join('')
      const body = `${referenceXml('container', rootFolder)}${typeList}<recursive>true</recursive>`
      view = this.soap.call('CreateContainerView', viewManager, body, signal).then(([returned]) => reference(returned))
      session.views.set(key, view)
      view.catch(() => session.views.delete(key))
    }
    return view
  }

  /**
   * Every page of a RetrievePropertiesEx of `specSet`. Each object is made a ManagedObject as soon as it is read, so a
   * page's answer is never whole in memory.
   */
  private async retrievePages(session: Session, specSet: string, signal: AbortSignal): Promise<ManagedObject[]> {
    const collector = session.content.propertyCollector
    const options = `<options><maxObjects>${this.settings.pageSize}</maxObjects></options>`
    const objects: ManagedObject[] = []
    const taken = { path: ['returnval', 'objects'], take: (object: XmlNode) => objects.push(managedObject(object)) }
    const body = `<specSet>${specSet}</specSet>${options}`
    let [page] = await this.soap.call('RetrievePropertiesEx', collector, body, signal, taken)
    for (let token = path(page, 'token'); token !== ''; token = path(page, 'token')) {
      const next = `<token>${escapeXml(token)}</token>`
      ;[page] = await this.soap.call('ContinueRetrievePropertiesEx', collector, next, signal, taken)
    }
    return objects
  }

  /**
   * The properties `paths` of every object of `types` in the inventory, read through one container view: one round
   * trip per page of objects. `propertyType` is the type the paths belong to (`ManagedEntity` for a mix of types).
   */
  retrieve(
    types: readonly string[],
    propertyType: string,
    paths: readonly string[],
    signal: AbortSignal,
  ): Promise<ManagedObject[]> {
    return this.authenticated(signal, async (session) => {
      const view = await this.view(session, types, signal)
      const pathSet = paths.map((each) => `<pathSet>${each}</pathSet>`).join('')
      const specSet =
        `<propSet><type>${propertyType}</type>${pathSet}</propSet>` +
        `<objectSet>${referenceXml('obj', view)}<skip>true</skip><selectSet xsi:type="TraversalSpec">` +
        '<name>view</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet>'
      try {
        return await this.retrievePages(session, specSet, signal)
      } catch (error) {
        // The view went with its session (expired, or vCenter restarted; vcsim says so instead of NotAuthenticated).
        if (error instanceof SoapFault && error.kind === 'ManagedObjectNotFound')
          throw new SoapFault('NotAuthenticated', error.message)
        throw error
      }
    })
  }

  /** Logs in (unless the session is open) and makes the container views of `typeSets` that are not made yet. */
  prepare(typeSets: readonly (readonly string[])[], signal: AbortSignal): Promise<void> {
    return this.authenticated(signal, async (session) => {
      await Promise.all(typeSets.map((types) => this.view(session, types, signal)))
    })
  }

  /** The performance counter keys by `group.name.rollup` (`cpu.ready.summation`), read once per session. */
  counterKeys(signal: AbortSignal): Promise<ReadonlyMap<string, number>> {
    return this.authenticated(signal, (session) => {
      if (session.counters === undefined) {
        const manager = session.content.perfManager
        const specSet =
          '<propSet><type>PerformanceManager</type><pathSet>perfCounter</pathSet></propSet>' +
          `<objectSet>${referenceXml('obj', manager)}</objectSet>`
        const reading = this.retrievePages(session, specSet, signal).then(([object]) => {
          const keys = new Map<string, number>()
          for (const counter of children(object?.properties.get('perfCounter'), 'PerfCounterInfo')) {
            const name = [
              path(counter, 'groupInfo', 'key'),
              path(counter, 'nameInfo', 'key'),
              path(counter, 'rollupType'),
            ]
            keys.set(name.join('.'), Number(path(counter, 'key')))
          }
          return keys
        })
        session.counters = reading
        reading.catch(() => (session.counters = undefined))
      }
      return session.counters
    })
  }

  /**
   * The latest real-time sample of each query's counters (their total over instances), in one QueryPerf; a counter
   * vCenter has no sample of is 0, as vmware_exporter writes it (its dashboards expect the series).
   */
  queryPerf(queries: readonly PerfQuery[], signal: AbortSignal): Promise<PerfSample[]> {
    return this.authenticated(signal, async (session) => {
      const specs = queries.map(({ entity, counters }) => {
        const metrics = counters.map((key) => `<metricId><counterId>${key}</counterId><instance></instance></metricId>`)
        const sample = `<maxSample>1</maxSample>${metrics.join('')}<intervalId>${realTimeInterval}</intervalId>`
        return `<querySpec>${referenceXml('entity', entity)}${sample}</querySpec>`
      })
      const samples: PerfSample[] = []
      const taken = { path: ['returnval'], take: (metric: XmlNode) => samples.push(perfSample(metric)) }
      await this.soap.call('QueryPerf', session.content.perfManager, specs, signal, taken)
      return samples
    })
  }

  /** Logs out (bounded by `signal`; a failure is ignored: the session expires anyway) and closes the connections. */
  async close(signal: AbortSignal): Promise<void> {
    if (this.closed) return
    this.closed = true
    const session = this.session
    this.session = undefined
    try {
      if (session !== undefined) await this.soap.call('Logout', (await session).content.sessionManager, '', signal)
    } catch {
      // vCenter is gone or the session already was: nothing to log out of.
    }
    this.soap.close()
  }
}
