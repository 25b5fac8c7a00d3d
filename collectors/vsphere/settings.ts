import { readFileSync } from 'node:fs'
import { type ExporterContext, flag } from 'promkit/exporter'
import type { Sections } from './reading.js'
import type { VimSettings } from './vim.js'

/** The vSphere exporter's flags; the environment variables vmware_exporter reads set them too (see `environment`). */
export const vsphereFlags = {
  host: flag.string('vsphere.host', {
    default: '',
    description:
      'vCenter (or an ESXi host) to read at the telemetry path: a host name, host:port, or an https:// URL ' +
      '(http:// for a simulator); empty to serve only multi-target scrapes.',
  }),
  user: flag.string('vsphere.user', { default: '', description: 'User to log in as, e.g. monitoring@vsphere.local.' }),
  password: flag.string('vsphere.password', {
    default: '',
    secret: true,
    description: 'Password of the user (better from $VSPHERE_PASSWORD than on the command line).',
  }),
  ignoreSsl: flag.boolean('vsphere.ignore-ssl', { description: "Do not verify vCenter's certificate." }),
  caFile: flag.file('vsphere.ca-file', {
    description: "CA certificate (PEM) vCenter's certificate must be signed by (default: the system CAs).",
  }),
  specsSize: flag.integer('vsphere.specs-size', {
    default: 500,
    description:
      "VMs or hosts per performance query (QueryPerf), as vmware_exporter's specs_size (its default is 5000); " +
      'up to 4 queries of each kind run at once.',
  }),
  configFile: flag.file('config.file', {
    description:
      "vmware_exporter's config file: named sections (default required) of vsphere_host, vsphere_user, " +
      'vsphere_password, ignore_ssl, specs_size and collect_only; ?section= picks one for a /scrape?target=.',
  }),
  pageSize: flag.integer('vsphere.page-size', {
    default: 1000,
    description: 'Objects per property page (RetrievePropertiesEx maxObjects): bounds the size of each answer.',
  }),
}

/** vmware_exporter's environment variable for each flag and section switch, so its deployments keep working. */
export const vsphereEnvironment: Readonly<Record<string, string>> = {
  'vsphere.host': 'VSPHERE_HOST',
  'vsphere.user': 'VSPHERE_USER',
  'vsphere.password': 'VSPHERE_PASSWORD',
  'vsphere.ignore-ssl': 'VSPHERE_IGNORE_SSL',
  'vsphere.specs-size': 'VSPHERE_SPECS_SIZE',
  'collector.vms': 'VSPHERE_COLLECT_VMS',
  'collector.vmguests': 'VSPHERE_COLLECT_VMGUESTS',
  'collector.snapshots': 'VSPHERE_COLLECT_SNAPSHOTS',
  'collector.datastores': 'VSPHERE_COLLECT_DATASTORES',
  'collector.hosts': 'VSPHERE_COLLECT_HOSTS',
  'collector.clusters': 'VSPHERE_COLLECT_CLUSTERS',
}

/**
 * vCenter's SDK base URL from vmware_exporter's ways of naming it: `vc.example.com`, `vc.example.com:8443`, or a URL
 * (`https://vc.example.com`, `.../sdk`). `where` names the flag or target in the error.
 */
export function vcenterUrl(text: string, where: string): URL {
  let url: URL
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`)
  } catch {
    throw new Error(`${where}: ${JSON.stringify(text)} is not a host, host:port or URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`${where}: ${JSON.stringify(text)} is not an https URL`)
  if (url.username !== '' || url.password !== '')
    throw new Error(`${where}: give the user and password with --vsphere.user and $VSPHERE_PASSWORD, not in the URL`)
  if (!/^\/(sdk\/?)?$/.test(url.pathname) || url.search !== '' || url.hash !== '')
    throw new Error(`${where}: ${JSON.stringify(text)} has a path other than /sdk`)
  return new URL(`${url.protocol}//${url.host}`)
}

/** Who logs in to a vCenter, whether its certificate is checked, and what is read: from the flags or a section. */
export interface Profile {
  readonly user: string
  readonly password: string
  readonly ignoreSsl: boolean
  readonly specsSize: number
  readonly sections: Sections
}

/** The profile the flags give, reading the sections `sections` (the enabled collectors'). */
export function flagProfile(context: ExporterContext, sections: Sections): Profile {
  const value = context.value.bind(context)
  const specsSize = value(vsphereFlags.specsSize)
  if (specsSize < 1) throw new Error('--vsphere.specs-size: query at least 1 object at a time')
  return {
    user: value(vsphereFlags.user),
    password: value(vsphereFlags.password),
    ignoreSsl: value(vsphereFlags.ignoreSsl),
    specsSize,
    sections,
  }
}

/** How to reach and log in to the vCenter at `url` as `profile` says. */
export function vimSettings(context: ExporterContext, url: URL, profile: Profile): VimSettings {
  const caFile = context.value(vsphereFlags.caFile)
  const pageSize = context.value(vsphereFlags.pageSize)
  if (pageSize < 1) throw new Error('--vsphere.page-size: read at least 1 object per page')
  return {
    url,
    user: profile.user,
    password: profile.password,
    ca: caFile === undefined ? undefined : readFileSync(caFile, 'utf8'),
    insecure: profile.ignoreSsl,
    pageSize,
    maxSockets: 8,
  }
}
