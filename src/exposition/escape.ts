const labelValueSpecials = /[\\"\n]/
const labelValueSpecialsGlobal = /[\\"\n]/g
const textHelpSpecials = /[\\\n]/g

function escapeCharacter(character: string): string {
  return character === '\n' ? '\\n' : `\\${character}`
}

/** Escapes a label value (both formats): backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return labelValueSpecials.test(value) ? value.replace(labelValueSpecialsGlobal, escapeCharacter) : value
}

/** Escapes HELP text for the Prometheus text format: backslash and line feed only. */
export function escapeTextHelp(help: string): string {
  return help.replace(textHelpSpecials, escapeCharacter)
}

/** Escapes HELP text for OpenMetrics, where a double quote is escaped too. */
export function escapeOpenMetricsHelp(help: string): string {
  return help.replace(labelValueSpecialsGlobal, escapeCharacter)
}
