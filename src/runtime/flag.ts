import { accessSync, constants, statSync } from 'node:fs'
import { PromkitError, errorMessage, quote } from '../errors.js'
import { parseDuration } from './duration.js'

/** What a flag holds, by kind. */
export type FlagKind = 'string' | 'integer' | 'boolean' | 'duration' | 'regexp' | 'file' | 'list' | 'enum'

/** The value of a parsed flag, whatever its kind (durations in milliseconds). */
export type FlagValue = string | number | boolean | RegExp | readonly string[] | undefined

/** What every flag declaration says besides its name. */
export interface FlagOptions {
  readonly description: string
  /** A password or token: never logged, never shown in `--help`. */
  readonly secret?: boolean
  /** Flags that may not be given together with this one, by name. */
  readonly conflicts?: readonly string[]
}

/**
 * A declared flag whose value has type `T`: built with {@link flag}, listed in
 * a definition's `flags`, read with `context.value(theFlag)`.
 */
export interface Flag<T extends FlagValue = FlagValue> {
  /** Without dashes, e.g. `redis.addr` for `--redis.addr`; a collector's flags start with `collector.<name>.`. */
  readonly name: string
  readonly kind: FlagKind
  readonly description: string
  readonly secret: boolean
  readonly conflicts: readonly string[]
  /** The accepted values of an enum. */
  readonly choices: readonly string[] | undefined
  /** The value when the flag is not given. */
  readonly defaultValue: T
  /** The default as it is written on the command line, for `--help`; undefined when there is none to show. */
  readonly shownDefault: string | undefined
  /** Turns one occurrence's text into the value, given the value so far (a list collects its occurrences). */
  parse(text: string, previous: T, source: FlagSource): T
}

/** Where a flag's text came from. */
export interface FlagSource {
  /** `--name` or `$VARIABLE`, for the one-line error. */
  readonly where: string
  readonly environment: boolean
}

/** `T` when the declaration has a default, else `T | undefined`. */
type Defaulted<T, O> = O extends { readonly default: unknown } ? T : T | undefined

function invalid(where: string, message: string): PromkitError {
  return new PromkitError('PROMKIT_ERR_INVALID_FLAG', `${where}: ${message}`)
}

/** Go's boolean words as flag and environment values: `true`/`false`, `1`/`0`, `yes`/`no`. */
export function parseBoolean(text: string, where: string): boolean {
  if (/^(true|1|yes)$/i.test(text)) return true
  if (/^(false|0|no)$/i.test(text)) return false
  throw invalid(where, `${quote(text)} is not a boolean (want true or false)`)
}

function parseInteger(text: string, where: string): number {
  if (!/^\d+$/.test(text)) throw invalid(where, `${quote(text)} is not a whole number`)
  return Number(text)
}

function compile(text: string, where: string): RegExp {
  try {
    return new RegExp(text)
  } catch (error) {
    throw invalid(where, `${quote(text)} is not a valid regular expression: ${errorMessage(error)}`)
  }
}

/** A path that must name a readable file. */
function readableFile(text: string, where: string): string {
  try {
    accessSync(text, constants.R_OK)
    if (statSync(text).isDirectory()) throw Object.assign(new Error('a directory'), { code: 'EISDIR' })
  } catch (error) {
    throw invalid(where, `cannot read ${quote(text)}: ${(error as NodeJS.ErrnoException).code}`)
  }
  return text
}

function declare<T extends FlagValue>(
  name: string,
  kind: FlagKind,
  options: FlagOptions,
  defaultValue: T,
  shownDefault: string | undefined,
  parse: (text: string, previous: T, source: FlagSource) => T,
  choices?: readonly string[],
): Flag<T> {
  return {
    name,
    kind,
    description: options.description,
    secret: options.secret ?? false,
    conflicts: options.conflicts ?? [],
    choices,
    defaultValue,
    shownDefault: options.secret ? undefined : shownDefault,
    parse,
  }
}

/** A flag whose text, the default's included (so a bad default fails at once), becomes its value through `parse`. */
function parsedText<T extends FlagValue>(
  name: string,
  kind: FlagKind,
  options: FlagOptions & { readonly default?: string },
  parse: (text: string, where: string) => T,
): Flag<T | undefined> {
  const value = options.default === undefined ? undefined : parse(options.default, `--${name}`)
  return declare<T | undefined>(name, kind, options, value, options.default, (text, _previous, { where }) =>
    parse(text, where),
  )
}

/**
 * Declares a flag by kind. Defaults are written as on the command line
 * (`'10s'`, `'^lo$'`) and parsed like what users type, so a bad default fails
 * at once. A flag without a default is `undefined` until given.
 */
export const flag = {
  /** Text as given. */
  string<O extends FlagOptions & { readonly default?: string }>(name: string, options: O): Flag<Defaulted<string, O>> {
    return declare(name, 'string', options, options.default as Defaulted<string, O>, options.default, (text) => text)
  },
  /** A whole number, 0 or more. */
  integer<O extends FlagOptions & { readonly default?: number }>(name: string, options: O): Flag<Defaulted<number, O>> {
    const shown = options.default === undefined ? undefined : String(options.default)
    return declare(
      name,
      'integer',
      options,
      options.default as Defaulted<number, O>,
      shown,
      (text, _previous, { where }) => parseInteger(text, where),
    )
  },
  /**
   * Off unless given (or on, with `default: true`): `--name`, `--name=false`, `--no-name`; `true`/`false`, `1`/`0`,
   * `yes`/`no` from the environment.
   */
  boolean(name: string, options: FlagOptions & { readonly default?: boolean }): Flag<boolean> {
    const on = options.default === true
    return declare<boolean>(name, 'boolean', options, on, on ? 'true' : undefined, (text, _previous, { where }) =>
      parseBoolean(text, where),
    )
  },
  /** A Go duration (`1m30s`, `500ms`, `0`), in milliseconds; longer than a timer can wait (596h) is refused. */
  duration<O extends FlagOptions & { readonly default?: string }>(
    name: string,
    options: O,
  ): Flag<Defaulted<number, O>> {
    return parsedText(name, 'duration', options, parseDuration) as Flag<Defaulted<number, O>>
  },
  /** A regular expression, compiled when the flag is read (a bad one names the flag). */
  regexp<O extends FlagOptions & { readonly default?: string }>(name: string, options: O): Flag<Defaulted<RegExp, O>> {
    return parsedText(name, 'regexp', options, compile) as Flag<Defaulted<RegExp, O>>
  },
  /** The path of a file that must exist and be readable when the exporter starts. */
  file<O extends FlagOptions>(name: string, options: O): Flag<string | undefined> {
    return declare<string | undefined>(name, 'file', options, undefined, undefined, (text, _previous, { where }) =>
      readableFile(text, where),
    )
  },
  /**
   * Repeatable: every occurrence adds one value (the first replaces the default); comma-separated from the environment.
   */
  list(name: string, options: FlagOptions & { readonly default?: readonly string[] }): Flag<readonly string[]> {
    const defaultValue = options.default ?? []
    const shown = defaultValue.length === 0 ? 'none' : defaultValue.join(', ')
    const parse = (text: string, previous: readonly string[], source: FlagSource): readonly string[] =>
      source.environment
        ? text
            .split(',')
            .map((item) => item.trim())
            .filter((item) => item !== '')
        : [...(previous === defaultValue ? [] : previous), text]
    return declare<readonly string[]>(name, 'list', options, defaultValue, shown, parse)
  },
  /** One of `choices`. */
  enum<const C extends readonly string[], O extends FlagOptions & { readonly default?: C[number] }>(
    name: string,
    choices: C,
    options: O,
  ): Flag<Defaulted<C[number], O>> {
    const parse = (text: string, _previous: unknown, { where }: FlagSource): C[number] => {
      if (!choices.includes(text)) throw invalid(where, `${quote(text)} is not one of ${choices.join(', ')}`)
      return text
    }
    return declare(name, 'enum', options, options.default as Defaulted<C[number], O>, options.default, parse, choices)
  },
}
