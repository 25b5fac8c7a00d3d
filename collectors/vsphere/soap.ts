import { ownedString } from 'promkit'
import { type AnswerReader, ServerClient } from 'promkit/exporter'
import { SaxesParser } from 'saxes'

/**
 * An element of a SOAP answer: its local name (namespace prefixes resolved away), its attributes that have no
 * namespace (a managed object reference's `type`), its `xsi:type`, its child elements and its text.
 */
export interface XmlNode {
  readonly name: string
  readonly attributes: Readonly<Record<string, string>>
  readonly xsiType: string | undefined
  readonly children: readonly XmlNode[]
  readonly text: string
}

/** An element while it is parsed. */
interface OpenNode {
  name: string
  attributes: Readonly<Record<string, string>>
  xsiType: string | undefined
  children: XmlNode[]
  text: string
}

/** What most elements share: no attributes, no children (a leaf's array is only made when a child comes). */
const noAttributes: Readonly<Record<string, string>> = Object.freeze({})
const noChildren: XmlNode[] = []

/**
 * A closed element without attributes, type or children, which most are (`<numCpu>2</numCpu>`): two fields of its
 * own instead of five, the rest shared through its prototype. A 2,000-VM reading holds about 100,000.
 */
class LeafNode implements XmlNode {
  constructor(
    readonly name: string,
    readonly text: string,
  ) {}

  get attributes(): Readonly<Record<string, string>> {
    return noAttributes
  }

  get xsiType(): undefined {
    return undefined
  }

  get children(): readonly XmlNode[] {
    return noChildren
  }
}

/** The largest answer read: past this, an answer is refused. */
export const answerLimitBytes = 256 * 1024 * 1024

const xsiNamespace = 'http://www.w3.org/2001/XMLSchema-instance'

/** A namespace prefix an element declares (`xmlns:p="..."`), in force until that element closes. */
interface PrefixBinding {
  readonly prefix: string
  /** Whether it is bound to the XML Schema instance namespace (so `p:type` is `xsi:type`). */
  readonly xsi: boolean
  /** The depth of the element that declared it. */
  readonly depth: number
}

/** The most distinct names, types and attribute values shared; past it (a hostile answer), each has its own copy. */
const vocabularyLimit = 10_000
const vocabulary = new Map<string, string>()

/**
 * An element name, xsi type or attribute value as one string shared by every element that has it: SOAP's vocabulary
 * is a few hundred words, and each word read is otherwise a slice that keeps its 64 KiB piece of the answer alive.
 */
function word(read: string): string {
  let shared = vocabulary.get(read)
  if (shared === undefined) {
    shared = ownedString(read)
    if (vocabulary.size < vocabularyLimit) vocabulary.set(shared, shared)
  }
  return shared
}

/** Texts up to this long are shared within an answer: enumerations, states, sensor words, small numbers. */
const longestSharedText = 64
/** The most distinct texts one answer shares; past it, each has its own copy. */
const sharedTextsLimit = 50_000

/** Elements handed over one by one as they close instead of kept in the tree: those at `path` from the root. */
export interface TakenElements {
  /** Local names from the document's top element down, `['Envelope', 'Body', …, 'objects']`. */
  readonly path: readonly string[]
  take(element: XmlNode): void
}

/**
 * Builds an XML document's tree of {@link XmlNode}, under a nameless root, from its text as it arrives; throws on XML
 * that is not well formed. The elements at `taken.path` are handed over as they close and left out of the tree, so
 * that a large answer (a page of 1,000 VMs, a QueryPerf of 250 entities, a few MiB each) is never whole in memory,
 * as text or as a tree: each object's elements die young, and only what the caller keeps of them lives on. Parsed with
 * saxes (jsdom's XML parser), about three times as fast as fast-xml-parser on a 4 MiB answer of 2,000 VMs.
 * Namespaces are followed here rather than by saxes, for the one attribute that needs them: `xsi:type` is found by
 * its namespace whatever prefix a server binds to it (vcsim writes `XMLSchema-instance:type`). saxes' own namespace
 * mode made an object for every attribute and binding of every tag.
 */
export class XmlReader {
  private readonly root: OpenNode
  private readonly open: OpenNode[]
  /** For each open element, whether it lies on the path of the elements handed over as they close. */
  private readonly onPath: boolean[] = [true]
  private readonly bindings: PrefixBinding[] = []
  private readonly parser = new SaxesParser()
  /**
   * The answer's short texts, each kept once however many elements have it: thousands of sensors say `green` and
   * `Sensor is operating under normal conditions`, thousands of VMs `poweredOn` and `toolsOk`.
   */
  private readonly texts = new Map<string, string>()

  constructor(private readonly taken?: TakenElements) {
    this.root = { name: '', attributes: noAttributes, xsiType: undefined, children: noChildren, text: '' }
    this.open = [this.root]
    this.parser.on('opentag', (tag) => this.opened(tag.name, tag.attributes))
    this.parser.on('text', (text) => {
      ;(this.open[this.open.length - 1] as OpenNode).text += text
    })
    this.parser.on('closetag', () => this.closed())
  }

  /** Parses the next piece of the document. */
  write(text: string): void {
    this.parser.write(text)
  }

  /** The tree, once the whole document was written; throws when it ended before its top element closed. */
  close(): XmlNode {
    this.parser.close()
    return this.root
  }

  private isXsi(prefix: string): boolean {
    for (let i = this.bindings.length - 1; i >= 0; i--) {
      const binding = this.bindings[i] as PrefixBinding
      if (binding.prefix === prefix) return binding.xsi
    }
    return false
  }

  private opened(name: string, declared: Readonly<Record<string, string>>): void {
    const depth = this.open.length
    for (const attribute in declared)
      if (attribute.startsWith('xmlns:')) {
        const xsi = declared[attribute] === xsiNamespace
        this.bindings.push({ prefix: attribute.slice('xmlns:'.length), xsi, depth })
      }
    let attributes = noAttributes
    let xsiType: string | undefined
    for (const attribute in declared) {
      const colon = attribute.indexOf(':')
      if (colon < 0) {
        // Attributes without a prefix have no namespace (a default namespace does not apply to them).
        if (attribute !== 'xmlns') attributes = { ...attributes, [attribute]: word(declared[attribute] as string) }
      } else if (attribute.slice(colon + 1) === 'type' && this.isXsi(attribute.slice(0, colon))) {
        xsiType = word(declared[attribute] as string)
      }
    }
    const local = word(name.slice(name.indexOf(':') + 1))
    this.onPath.push((this.onPath[depth - 1] as boolean) && this.taken?.path[depth - 1] === local)
    this.open.push({ name: local, attributes, xsiType, children: noChildren, text: '' })
  }

  /** `read` as a string of its own, the one shared copy when it is short. */
  private shared(read: string): string {
    if (read.length > longestSharedText) return ownedString(read)
    let shared = this.texts.get(read)
    if (shared === undefined) {
      shared = ownedString(read)
      if (this.texts.size < sharedTextsLimit) this.texts.set(shared, shared)
    }
    return shared
  }

  private closed(): void {
    const open = this.open.pop() as OpenNode
    const text = this.shared(open.text)
    const bare = open.children === noChildren && open.attributes === noAttributes && open.xsiType === undefined
    open.text = text
    const element: XmlNode = bare ? new LeafNode(open.name, text) : open
    const depth = this.open.length
    const bindings = this.bindings
    while (bindings.length > 0 && (bindings[bindings.length - 1] as PrefixBinding).depth >= depth) bindings.pop()
    if ((this.onPath.pop() as boolean) && this.taken?.path.length === depth) {
      this.taken.take(element)
      return
    }
    const parent = this.open[depth - 1] as OpenNode
    if (parent.children === noChildren) parent.children = [element]
    else parent.children.push(element)
  }
}

/** An element's text; '' for no element. */
export function text(node: XmlNode | undefined): string {
  return node?.text ?? ''
}

/** The child elements of `node` with the local name `name`. */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  return node === undefined ? [] : node.children.filter((each) => each.name === name)
}

/** The first child element of `node` with the local name `name`. */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children.find((each) => each.name === name)
}

/** The text of the child path `names` under `node`: `path(sensor, 'healthState', 'key')`. */
export function path(node: XmlNode | undefined, ...names: string[]): string {
  let current = node
  for (const name of names) current = child(current, name)
  return text(current)
}

/** A SOAP fault vCenter answered with: its kind (`NotAuthenticated`, `InvalidLogin`) and its message. */
export class SoapFault extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message)
    this.name = 'SoapFault'
  }
}

/** A managed object reference: `{ type: 'VirtualMachine', value: 'vm-57' }`. */
export interface ObjectReference {
  readonly type: string
  readonly value: string
}

/** A managed object reference element as a reference. */
export function reference(node: XmlNode | undefined): ObjectReference {
  return { type: node?.attributes.type ?? '', value: text(node) }
}

/** `text` with XML's five special characters escaped, for an element's content or an attribute's value. */
export function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** A managed object reference as an element named `name`. */
export function referenceXml(name: string, { type, value }: ObjectReference): string {
  return `<${name} type="${escapeXml(type)}">${escapeXml(value)}</${name}>`
}

/** The vim25 release the requests speak: 6.5 is understood by vCenter 6.5 to 8. */
const apiVersion = '6.5'

const envelopeStart =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">' +
  '<soapenv:Body>'

/** A fault's kind: the type of its detail (`NotAuthenticated`), or its fault code when it has no detail. */
function faultKind(fault: XmlNode): string {
  const detail = child(fault, 'detail')?.children[0]
  if (detail === undefined) return path(fault, 'faultcode')
  return detail.xsiType ?? detail.name.replace(/Fault$/, '')
}

/** How much of an answer's start is kept, to say what a server answered that was not SOAP. */
const startKept = 1024

/**
 * A SOAP answer read as it arrives: its document's tree (undefined when it is not well-formed XML), and its start,
 * for the error that says what came instead of SOAP.
 */
class SoapAnswerReader implements AnswerReader<XmlNode | undefined> {
  start = ''
  private readonly xml: XmlReader
  private wellFormed = true

  constructor(taken: TakenElements | undefined) {
    this.xml = new XmlReader(taken)
  }

  write(text: string): void {
    if (this.start.length < startKept) this.start += text.slice(0, startKept - this.start.length)
    if (!this.wellFormed) return
    try {
      this.xml.write(text)
    } catch {
      this.wellFormed = false
    }
  }

  end(): XmlNode | undefined {
    if (!this.wellFormed) return undefined
    try {
      return this.xml.close()
    } catch {
      return undefined
    }
  }
}

/**
 * vim25's SOAP transport: one method call per POST to `/sdk`, with the session cookie vCenter set at login. It knows
 * envelopes, faults and the cookie; what the calls mean is in `VimSession`.
 */
export class SoapClient {
  private readonly server: ServerClient
  private cookie: string | undefined

  constructor(url: URL, ca: string | undefined, insecure: boolean, maxSockets: number) {
    this.server = new ServerClient({ url, what: 'vCenter', ca, insecure, maxSockets, answerLimitBytes })
  }

  /** `vCenter at vc.example.com:443`, as errors name it. */
  get name(): string {
    return this.server.name
  }

  /** Forgets the session cookie (after a logout, or when vCenter said the session is gone). */
  forgetSession(): void {
    this.cookie = undefined
  }

  /**
   * Calls `method` on the object `target` with `body` (the method's other parameters, as XML, whole or in pieces
   * sent one by one), and gives the `<returnval>` elements of its answer. The elements at `taken.path` under the
   * method's response element (`['returnval', 'objects']`) are handed to `taken.take` as they are read instead, and
   * left out of what is given. A fault is thrown as a SoapFault; no answer, or not a SOAP one, as a ServerError.
   */
  async call(
    method: string,
    target: ObjectReference,
    body: string | readonly string[],
    signal: AbortSignal,
    taken?: TakenElements,
  ): Promise<XmlNode[]> {
    const headers: Record<string, string> = {
      'content-type': 'text/xml; charset=utf-8',
      soapaction: `urn:vim25/${apiVersion}`,
    }
    if (this.cookie !== undefined) headers.cookie = this.cookie
    const envelope = [
      `${envelopeStart}<${method} xmlns="urn:vim25">${referenceXml('_this', target)}`,
      ...(typeof body === 'string' ? [body] : body),
      `</${method}></soapenv:Body></soapenv:Envelope>`,
    ]
    const responsePath = ['Envelope', 'Body', `${method}Response`]
    const reader = new SoapAnswerReader(taken && { path: [...responsePath, ...taken.path], take: taken.take })
    const answer = await this.server.read('/sdk', { method: 'POST', headers, body: envelope, signal }, reader)
    const session = (answer.headers['set-cookie'] ?? []).find((cookie) => cookie.startsWith('vmware_soap_session='))
    if (session !== undefined) this.cookie = session.split(';')[0]
    const responseBody = child(child(answer.body, 'Envelope'), 'Body')
    if (responseBody === undefined) {
      const said = reader.start.replace(/\s+/g, ' ').trim().slice(0, 200)
      throw this.server.error(
        `${method} answered ${answer.status} ${answer.statusMessage} without a SOAP envelope${said ? `: ${said}` : ''}`,
      )
    }
    const fault = child(responseBody, 'Fault')
    if (fault !== undefined) throw new SoapFault(faultKind(fault), path(fault, 'faultstring'))
    return children(child(responseBody, `${method}Response`), 'returnval')
  }

  /** Closes the kept connections. */
  close(): void {
    this.server.close()
  }
}
