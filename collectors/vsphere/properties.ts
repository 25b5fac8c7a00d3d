import { type XmlNode, text } from './xml.js'
import type { ManagedObject } from './vim.js'

/** A property's text, or undefined when the object does not have it. */
export function stringOf(object: ManagedObject, path: string): string | undefined {
  const value = object.properties.get(path)
  return value === undefined ? undefined : text(value)
}

/** A numeric property (xsd:int, long, short, double), or undefined when absent or not a number. */
export function numberOf(object: ManagedObject, path: string): number | undefined {
  const value = stringOf(object, path)
  if (value === undefined || value.trim() === '') return undefined
  const number = Number(value)
  return Number.isNaN(number) ? undefined : number
}

/** A boolean property as 1 or 0, or undefined when absent. */
export function flagOf(object: ManagedObject, path: string): number | undefined {
  const value = stringOf(object, path)
  return value === undefined ? undefined : value === 'true' || value === '1' ? 1 : 0
}

/** The element of a property holding a structure or an array (`guest.disk`, `snapshot`), or undefined. */
export function elementOf(object: ManagedObject, path: string): XmlNode | undefined {
  return object.properties.get(path)
}

/**
 * An xsd:dateTime as seconds since the epoch, to the microsecond vCenter gives (`Date.parse` keeps milliseconds
 * only); undefined for text that is not a date.
 */
export function epochSeconds(dateTime: string): number | undefined {
  const match = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$/.exec(dateTime.trim())
  if (match === null) return undefined
  const whole = Date.parse(`${match[1]}${match[3] ?? 'Z'}`)
  if (Number.isNaN(whole)) return undefined
  return whole / 1000 + Number(`0${match[2] ?? ''}`)
}
