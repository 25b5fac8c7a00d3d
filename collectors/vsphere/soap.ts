import { type AnswerReader, ServerClient } from 'promkit/exporter'
import { type TakenElements, type XmlNode, XmlReader, child, children, path, text } from './xml.js'

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

/** The largest answer read: past this, an answer is refused. */
const answerLimitBytes = 256 * 1024 * 1024

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
