import { ConfigReader, type Fields } from 'promkit/exporter'
import { type Sections, sectionsWhere } from './reading.js'

/** One named section of vmware_exporter's config file: a vCenter's user, password, TLS and what to collect. */
export interface ConfigSection {
  /** `vsphere_host`; undefined when the section leaves it to `?target=`. */
  readonly host: string | undefined
  readonly user: string
  readonly password: string
  readonly ignoreSsl: boolean
  readonly specsSize: number | undefined
  /** `collect_only`: the sections it reads, each on unless set to false. */
  readonly collect: Sections
}

const sectionKeys = [
  'vsphere_host',
  'vsphere_user',
  'vsphere_password',
  'ignore_ssl',
  'specs_size',
  'fetch_custom_attributes',
  'fetch_tags',
  'fetch_alarms',
  'collect_only',
]
const collectKeys = ['vms', 'vmguests', 'snapshots', 'datastores', 'hosts', 'clusters'] as const

/**
 * Reads vmware_exporter's config file (`-c config.yml`): named sections, `default` among them, each with
 * `vsphere_host`, `vsphere_user`, `vsphere_password`, `ignore_ssl`, `specs_size` and `collect_only`. Unknown keys are
 * refused with their path; `fetch_custom_attributes`, `fetch_tags` and `fetch_alarms` are refused when true (not
 * supported), accepted when false.
 */
export async function readConfig(path: string): Promise<ReadonlyMap<string, ConfigSection>> {
  const reader = new ConfigReader('config file', path)
  const document = reader.mapping(await reader.document(), 'file')
  const sections = new Map<string, ConfigSection>()
  for (const [name, value] of Object.entries(document)) {
    const fields = reader.section(value, name, sectionKeys)
    for (const fetch of ['fetch_custom_attributes', 'fetch_tags', 'fetch_alarms']) {
      if (reader.boolean(fields, fetch, name)) reader.fail(`${name}.${fetch}`, 'is not supported by vsphere_exporter')
    }
    const collect = reader.section(fields.collect_only, `${name}.collect_only`, collectKeys)
    sections.set(name, {
      host: reader.string(fields, 'vsphere_host', name),
      user: reader.string(fields, 'vsphere_user', name) ?? '',
      password: reader.string(fields, 'vsphere_password', name) ?? '',
      ignoreSsl: reader.boolean(fields, 'ignore_ssl', name) ?? false,
      specsSize: specsSize(reader, fields, name),
      collect: sectionsWhere((key) => reader.boolean(collect, key, `${name}.collect_only`) ?? true),
    })
  }
  if (!sections.has('default')) reader.fail('default', 'a default section is required (as vmware_exporter requires)')
  return sections
}

/** `specs_size`: a positive whole number, written as a number or, as vmware_exporter's examples do, a string. */
function specsSize(reader: ConfigReader, fields: Fields, name: string): number | undefined {
  const value = fields.specs_size
  if (value === undefined || value === null) return undefined
  const size = typeof value === 'number' || typeof value === 'string' ? Number(value) : Number.NaN
  if (!Number.isInteger(size) || size < 1) reader.fail(`${name}.specs_size`, 'must be a whole number of at least 1')
  return size
}
