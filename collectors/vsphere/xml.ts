import { ownedString } from 'promkit'

/**
 * An element of an XML document: its local name (namespace prefixes resolved away), its attributes that have no
 * namespace (a managed object reference's `type`), its `xsi:type`, its child elements and its text.
 */
export interface XmlNode {
  readonly name: string
  readonly attributes: Readonly<Record<string, string>>
  readonly xsiType: string | undefined
  readonly children: readonly XmlNode[]
  readonly text: string
}

/** An element while it is read. */
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

const xsiNamespace = 'http://www.w3.org/2001/XMLSchema-instance'

/** A namespace prefix an element declares (`xmlns:p="..."`), in force until that element closes. */
interface PrefixBinding {
  readonly prefix: string
  /** Whether it is bound to the XML Schema instance namespace (so `p:type` is `xsi:type`). */
  readonly xsi: boolean
  /** The depth of the element that declared it. */
  readonly depth: number
}

/** A string as it is. */
const unchanged = (read: string) => read

/**
 * Strings kept once each however often they are read, each a copy of its own: a string cut from an answer is
 * otherwise a slice that keeps its whole 64 KiB piece alive. Past `limit` distinct strings (a hostile answer), each
 * read is copied and not kept.
 */
class SharedStrings {
  private readonly kept = new Map<string, string>()

  constructor(private readonly limit: number) {}

  /** The one copy kept for `read`, of `read` itself or of what `derive` makes of it. */
  of(read: string, derive: (read: string) => string = unchanged): string {
    let shared = this.kept.get(read)
    if (shared === undefined) {
      shared = ownedString(derive(read))
      if (this.kept.size < this.limit) this.kept.set(shared === read ? shared : ownedString(read), shared)
    }
    return shared
  }
}

/** SOAP's vocabulary, a few hundred words: xsi types and attribute values. */
const vocabulary = new SharedStrings(10_000)
/** Local names by qualified name (`soapenv:Body` → `Body`). */
const localNames = new SharedStrings(10_000)
const afterPrefix = (qualified: string) => qualified.slice(qualified.indexOf(':') + 1)

/** Texts up to this long are shared within an answer: enumerations, states, sensor words, small numbers. */
const longestSharedText = 64
/** The most distinct texts one answer shares; past it, each has its own copy. */
const sharedTextsLimit = 50_000

/** The longest tag, comment or CDATA section read: past it, an answer is refused rather than waited on. */
const longestMarkup = 1024 * 1024

/** The longest entity reference (`&#x10FFFF;`): a `&` further than this from a piece's end is not a cut one. */
const longestEntity = 10
const entityReference = /&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|(lt|gt|amp|quot|apos));|&/g
const predefinedEntities: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

/** Text or an attribute value with its character and entity references replaced; throws on a bare or unknown `&`. */
function decoded(raw: string): string {
  if (!raw.includes('&')) return raw
  return raw.replace(
    entityReference,
    (_: string, decimal: string | undefined, hex: string | undefined, name: string | undefined, offset: number) => {
      if (name !== undefined) return predefinedEntities[name] as string
      const code = decimal !== undefined ? Number(decimal) : hex !== undefined ? Number.parseInt(hex, 16) : -1
      if (code < 1 || code > 0x10ffff)
        throw new Error(`not a known entity or character reference: ${JSON.stringify(raw.slice(offset, offset + 12))}`)
      return String.fromCodePoint(code)
    },
  )
}

/** Whether a character code is XML white space. */
function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d
}

/** Whether a character code ends a name in a tag: white space, `/`, `>`, `=`. */
function endsName(code: number): boolean {
  return isSpace(code) || code === 0x2f || code === 0x3e || code === 0x3d
}

/** Elements handed over one by one as they close instead of kept in the tree: those at `path` from the root. */
export interface TakenElements {
  /** Local names from the document's top element down, `['Envelope', 'Body', …, 'objects']`. */
  readonly path: readonly string[]
  take(element: XmlNode): void
}

const noAttributeList: readonly string[] = []

/**
 * Builds an XML document's tree of {@link XmlNode}, under a nameless root, from its text as it arrives; throws on XML
 * that is not well formed. The elements at `taken.path` are handed over as they close and left out of the tree, so
 * that a large answer (a page of 1,000 VMs, a QueryPerf of 250 entities, a few MiB each) is never whole in memory,
 * as text or as a tree: each object's elements die young, and only what the caller keeps of them lives on.
 *
 * It reads the XML that SOAP answers are: elements, attributes, text, CDATA sections, comments, processing
 * instructions, the five predefined entities and character references. A document type declaration is refused (SOAP
 * forbids one, and its entities are how XML bombs are built). Written here rather than on an XML library because a
 * vCenter scrape is a few hundred thousand elements: saxes (jsdom's strict parser, used here before) made a
 * dictionary object and a name string per tag, and took 45% of a 2,000-VM scrape's CPU and most of its 320 MiB of
 * garbage. Tags are cut with `indexOf`, and an element costs its node and its name and text. Namespaces are
 * followed for the one attribute that needs them: `xsi:type` is found by its namespace whatever prefix a server binds
 * to it (vcsim writes `XMLSchema-instance:type`).
 */
export class XmlReader {
  private readonly root: OpenNode
  private readonly open: OpenNode[]
  /** The qualified names of the open elements, which their end tags must repeat. */
  private readonly openNames: string[] = []
  /** For each open element, whether it lies on the path of the elements handed over as they close. */
  private readonly onPath: boolean[] = [true]
  private readonly bindings: PrefixBinding[] = []
  /** What was written but not yet read: a tag, comment or entity reference cut between two pieces. */
  private pending = ''
  private ended = false
  /**
   * The answer's short texts, each kept once however many elements have it: thousands of sensors say `green` and
   * `Sensor is operating under normal conditions`, thousands of VMs `poweredOn` and `toolsOk`.
   */
  private readonly texts = new SharedStrings(sharedTextsLimit)

  constructor(private readonly taken?: TakenElements) {
    this.root = { name: '', attributes: noAttributes, xsiType: undefined, children: noChildren, text: '' }
    this.open = [this.root]
  }

  /** Reads the next piece of the document. */
  write(piece: string): void {
    const text = this.pending === '' ? piece : this.pending + piece
    this.pending = text.slice(this.read(text))
    if (this.pending.length > longestMarkup) throw new Error('a tag, comment or CDATA section longer than 1 MiB')
  }

  /** The tree, once the whole document was written; throws when it ended before its top element closed. */
  close(): XmlNode {
    if (this.pending !== '') throw new Error(`the document ends inside ${JSON.stringify(this.pending.slice(0, 40))}`)
    if (!this.ended) throw new Error('the document ends before its top element closes')
    return this.root
  }

  /** Reads what `text` holds whole, and gives where what is cut at its end starts. */
  private read(text: string): number {
    let at = 0
    // A byte order mark may come before the top element.
    if (this.open.length === 1 && !this.ended && text.charCodeAt(0) === 0xfeff) at = 1
    while (at < text.length) {
      const markup = text.indexOf('<', at)
      if (markup !== at) {
        const end = markup < 0 ? text.length : markup
        const cut = markup < 0 ? this.cutReference(text, at) : end
        this.characters(text.slice(at, cut))
        if (markup < 0) return cut
        at = markup
      }
      const next = this.markup(text, at)
      if (next < 0) return at
      at = next
    }
    return at
  }

  /** Where the text from `at` to the end of the piece must stop so as not to cut an entity reference in two. */
  private cutReference(text: string, at: number): number {
    const ampersand = text.lastIndexOf('&')
    if (ampersand < at || text.indexOf(';', ampersand) >= 0 || text.length - ampersand > longestEntity)
      return text.length
    return ampersand
  }

  /** Text between tags: the open element's, or white space outside the top element. */
  private characters(raw: string): void {
    if (this.open.length === 1) {
      if (raw.trim() !== '') throw new Error('text outside the top element')
      return
    }
    ;(this.open[this.open.length - 1] as OpenNode).text += decoded(raw)
  }

  /** Reads the markup at `at` (a `<`), and gives where it ends, or -1 when it is cut at the piece's end. */
  private markup(text: string, at: number): number {
    const kind = text.charCodeAt(at + 1)
    if (Number.isNaN(kind)) return -1
    if (kind === 0x2f) return this.endTag(text, at)
    if (kind === 0x3f) {
      const end = text.indexOf('?>', at + 2)
      return end < 0 ? -1 : end + 2
    }
    if (kind === 0x21) return this.declaration(text, at)
    return this.startTag(text, at)
  }

  /** A comment or CDATA section at `at`; a document type declaration is refused. */
  private declaration(text: string, at: number): number {
    for (const [start, end] of [
      ['<!--', '-->'],
      ['<![CDATA[', ']]>'],
    ] as const) {
      const seen = text.slice(at, at + start.length)
      if (seen.length < start.length && start.startsWith(seen)) return -1
      if (seen !== start) continue
      const close = text.indexOf(end, at + start.length)
      if (close < 0) return -1
      if (start !== '<!--') {
        if (this.open.length === 1) throw new Error('CDATA outside the top element')
        ;(this.open[this.open.length - 1] as OpenNode).text += text.slice(at + start.length, close)
      }
      return close + end.length
    }
    throw new Error('document type declarations are not accepted')
  }

  /** The end tag at `at`, which must close the open element. */
  private endTag(text: string, at: number): number {
    const close = text.indexOf('>', at + 2)
    if (close < 0) return -1
    const expected = this.openNames[this.openNames.length - 1]
    let i = at + 2 + (expected?.length ?? 0)
    while (i < close && isSpace(text.charCodeAt(i))) i++
    if (expected === undefined || i !== close || !text.startsWith(expected, at + 2)) {
      const name = text.slice(at + 2, close).trim()
      throw new Error(`</${name}> where ${expected === undefined ? 'no element is open' : `<${expected}> closes`}`)
    }
    this.closed()
    return close + 1
  }

  /** Reads the start tag at `at`, and gives where it ends, or -1 when it is cut at the piece's end. */
  private startTag(text: string, at: number): number {
    let i = at + 1
    while (i < text.length && !endsName(text.charCodeAt(i))) i++
    if (i === text.length) return -1
    const name = text.slice(at + 1, i)
    if (name === '' || name.includes('<')) throw new Error(`not an element name: ${JSON.stringify(name)}`)
    let attributes = noAttributeList
    for (;;) {
      while (i < text.length && isSpace(text.charCodeAt(i))) i++
      if (i === text.length) return -1
      const code = text.charCodeAt(i)
      if (code === 0x3e) {
        this.opened(name, attributes)
        return i + 1
      }
      if (code === 0x2f) {
        if (i + 1 === text.length) return -1
        if (text.charCodeAt(i + 1) !== 0x3e) throw new Error(`<${name}: "/" not followed by ">"`)
        this.opened(name, attributes)
        this.closed()
        return i + 2
      }
      const start = i
      while (i < text.length && !endsName(text.charCodeAt(i))) i++
      const attribute = text.slice(start, i)
      while (i < text.length && isSpace(text.charCodeAt(i))) i++
      if (i === text.length) return -1
      if (attribute === '' || text.charCodeAt(i) !== 0x3d) throw new Error(`<${name}: an attribute without a value`)
      i++
      while (i < text.length && isSpace(text.charCodeAt(i))) i++
      if (i === text.length) return -1
      const quote = text[i] as string
      if (quote !== '"' && quote !== "'") throw new Error(`<${name} ${attribute}=: the value is not quoted`)
      const close = text.indexOf(quote, i + 1)
      if (close < 0) return -1
      const value = text.slice(i + 1, close)
      if (value.includes('<')) throw new Error(`<${name} ${attribute}=: "<" in a value`)
      if (attributes === noAttributeList) attributes = []
      ;(attributes as string[]).push(attribute, decoded(value))
      i = close + 1
    }
  }

  private isXsi(prefix: string): boolean {
    for (let i = this.bindings.length - 1; i >= 0; i--) {
      const binding = this.bindings[i] as PrefixBinding
      if (binding.prefix === prefix) return binding.xsi
    }
    return false
  }

  private opened(name: string, declared: readonly string[]): void {
    if (this.open.length === 1 && this.ended) throw new Error(`a second top element <${name}>`)
    const depth = this.open.length
    for (let i = 0; i < declared.length; i += 2) {
      const attribute = declared[i] as string
      if (attribute.startsWith('xmlns:'))
        this.bindings.push({ prefix: attribute.slice('xmlns:'.length), xsi: declared[i + 1] === xsiNamespace, depth })
    }
    let attributes = noAttributes
    let xsiType: string | undefined
    for (let i = 0; i < declared.length; i += 2) {
      const attribute = declared[i] as string
      const colon = attribute.indexOf(':')
      if (colon < 0) {
        // Attributes without a prefix have no namespace (a default namespace does not apply to them).
        if (attribute !== 'xmlns') attributes = { ...attributes, [attribute]: vocabulary.of(declared[i + 1] as string) }
      } else if (attribute.slice(colon + 1) === 'type' && this.isXsi(attribute.slice(0, colon))) {
        xsiType = vocabulary.of(declared[i + 1] as string)
      }
    }
    const local = localNames.of(name, afterPrefix)
    this.openNames.push(name)
    this.onPath.push((this.onPath[depth - 1] as boolean) && this.taken?.path[depth - 1] === local)
    this.open.push({ name: local, attributes, xsiType, children: noChildren, text: '' })
  }

  /** `read` as a string of its own, the one shared copy when it is short. */
  private shared(read: string): string {
    return read.length > longestSharedText ? ownedString(read) : this.texts.of(read)
  }

  private closed(): void {
    const open = this.open.pop() as OpenNode
    this.openNames.pop()
    const text = this.shared(open.text)
    const bare = open.children === noChildren && open.attributes === noAttributes && open.xsiType === undefined
    open.text = text
    const element: XmlNode = bare ? new LeafNode(open.name, text) : open
    const depth = this.open.length
    if (depth === 1) this.ended = true
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
