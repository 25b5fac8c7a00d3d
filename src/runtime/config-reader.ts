import { X509Certificate, createPrivateKey } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { PromkitError, errorMessage, quote } from '../errors.js'
import { parseDuration } from './duration.js'

/** A YAML mapping's keys and values, before they are checked. */
export type Fields = Record<string, unknown>

/** PEM text from a config, with where it came from: for messages, which never show the text. */
export interface Material {
  readonly text: string
  /** The key's path: `tls_server_config.cert_file` or `tls_server_config.cert`. */
  readonly key: string
  /** What the text is: `"server.crt"` for a file, `the inline text` for a key holding PEM. */
  readonly named: string
  /** The key and what it names: `cert_file "server.crt"`, or `cert`. */
  readonly source: string
}

const pemCertificate = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g

/**
 * Reads a YAML config file (a web config, a probe module file) the way
 * Prometheus' own readers do: unknown keys and bad values are refused with one
 * line that names the file and the key's path (`modules.web.http.method: must
 * be a string`), and secrets never appear in a message. Relative file names
 * are resolved from the config file's folder.
 */
export class ConfigReader {
  /** `what` names the kind of file in messages: `web config`, `config file`. */
  constructor(
    private readonly what: string,
    readonly path: string,
  ) {}

  /** Refuses the config: `<what> <path>: <key>: <problem>`. */
  fail(key: string, problem: string): never {
    throw new PromkitError('PROMKIT_ERR_INVALID_CONFIG', `${this.what} ${this.path}: ${key}: ${problem}`)
  }

  /** The file's YAML document, refused when it cannot be read or parsed. */
  async document(): Promise<unknown> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (error) {
      return this.fail('file', `cannot be read: ${(error as NodeJS.ErrnoException).code}`)
    }
    // Loaded here, not at start: an exporter without a config file does not carry the YAML parser (about 2 MiB).
    const { parse } = await import('yaml')
    try {
      return parse(text)
    } catch (error) {
      return this.fail('file', `is not valid YAML: ${(error as Error).message.split('\n')[0]?.replace(/:$/, '')}`)
    }
  }

  /** A mapping with any keys, such as headers by name (absent or null: empty). */
  mapping(value: unknown, key: string): Fields {
    if (value === undefined || value === null) return {}
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(key, 'must be a mapping')
    return value as Fields
  }

  /** A mapping whose keys must be among `known` (absent or null: empty). */
  section(value: unknown, key: string, known: readonly string[]): Fields {
    const fields = this.mapping(value, key)
    for (const field of Object.keys(fields)) {
      if (!known.includes(field))
        this.fail(`${key}${key === '' ? '' : '.'}${field}`, `unknown key (known: ${known.join(', ')})`)
    }
    return fields
  }

  string(fields: Fields, key: string, where: string): string | undefined {
    const value = fields[key]
    if (value === undefined || value === null) return undefined
    if (typeof value !== 'string') this.fail(`${where}.${key}`, 'must be a string')
    return value
  }

  boolean(fields: Fields, key: string, where: string): boolean | undefined {
    const value = fields[key]
    if (value === undefined || value === null) return undefined
    if (typeof value !== 'boolean') this.fail(`${where}.${key}`, 'must be true or false')
    return value
  }

  /** A list whose items `item` reads (given the item's path). */
  list<T>(fields: Fields, key: string, where: string, item: (value: unknown, path: string) => T): T[] {
    const value = fields[key]
    if (value === undefined || value === null) return []
    if (!Array.isArray(value)) this.fail(`${where}.${key}`, 'must be a list')
    return value.map((entry, index) => item(entry, `${where}.${key}[${index}]`))
  }

  /** A list of strings. */
  strings(fields: Fields, key: string, where: string): string[] {
    return this.list(fields, key, where, (value, path) =>
      typeof value === 'string' ? value : this.fail(path, 'must be a string'),
    )
  }

  /** A Go duration (`5s`, `1m30s`) in milliseconds. */
  duration(fields: Fields, key: string, where: string): number | undefined {
    const value = fields[key]
    if (value === undefined || value === null) return undefined
    try {
      return parseDuration(String(value), `${where}.${key}`)
    } catch (error) {
      // The duration's own message names the key: `modules.web.timeout: "5q" is not a duration (...)`.
      throw new PromkitError('PROMKIT_ERR_INVALID_CONFIG', `${this.what} ${this.path}: ${errorMessage(error)}`)
    }
  }

  /** A regular expression, compiled (Go's RE2 syntax is mostly JavaScript's). */
  regexp(value: unknown, path: string): RegExp {
    if (typeof value !== 'string') this.fail(path, 'must be a string')
    try {
      return new RegExp(value)
    } catch {
      return this.fail(path, `${quote(value)} is not a valid regular expression`)
    }
  }

  /** Inline PEM text or a file holding it (`cert` or `cert_file`), not both. */
  async file(fields: Fields, inline: string, file: string, where: string): Promise<Material | undefined> {
    const text = this.string(fields, inline, where)
    const path = this.string(fields, file, where)
    if (text !== undefined && path !== undefined) this.fail(where, `set ${inline} or ${file}, not both`)
    if (path === undefined)
      return text === undefined
        ? undefined
        : { text, key: `${where}.${inline}`, named: 'the inline text', source: inline }
    return this.readFile(path, `${where}.${file}`, `${file} ${quote(path)}`)
  }

  /** A file the config names, from the config's folder; refused by key when it cannot be read. */
  async readFile(path: string, key: string, source = quote(path)): Promise<Material> {
    try {
      return {
        text: await readFile(resolve(dirname(this.path), path), 'utf8'),
        key,
        named: quote(path),
        source,
      }
    } catch (error) {
      return this.fail(key, `cannot read ${quote(path)}: ${(error as NodeJS.ErrnoException).code}`)
    }
  }

  /**
   * Every certificate of a PEM bundle, refusing the material, by key and file, unless it holds at least one and all
   * parse.
   */
  certificates(material: Material): X509Certificate[] {
    const blocks = material.text.match(pemCertificate) ?? []
    try {
      if (blocks.length === 0) throw new Error('no certificate')
      return blocks.map((block) => new X509Certificate(block))
    } catch {
      return this.fail(material.key, `${material.named} is not a PEM certificate`)
    }
  }

  /** The private key, refusing the material by key and file (never by content) unless it is an unencrypted PEM key. */
  privateKey(material: Material): ReturnType<typeof createPrivateKey> {
    try {
      return createPrivateKey(material.text)
    } catch {
      return this.fail(material.key, `${material.named} is not an unencrypted PEM private key`)
    }
  }
}
