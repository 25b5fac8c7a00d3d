import { readFileSync } from 'node:fs'
import { type ExporterContext, flag } from 'promkit/exporter'
import { KubernetesClient } from './kubernetes-client.js'
import { ClusterSource, KubeletSource, type SummarySource } from './sources.js'

/** Where a pod's service account token and CA are mounted. */
const serviceAccount = '/var/run/secrets/kubernetes.io/serviceaccount'

/** The kubelet exporter's flags, each also settable as `KUBELET_EXPORTER_<FLAG>`. */
export const kubeletFlags = {
  kubeletUrl: flag.string('kubelet.url', {
    default: '',
    description:
      "The node's kubelet, e.g. https://10.0.0.5:10250 (a DaemonSet passes https://$(NODE_IP):10250 from the " +
      'downward API); empty to read every node through the API server.',
  }),
  kubeletTokenFile: flag.string('kubelet.token-file', {
    default: `${serviceAccount}/token`,
    description: 'Bearer token for the kubelet, read again before every scrape; empty for none.',
  }),
  kubeletCaFile: flag.file('kubelet.ca-file', {
    description: "CA certificate (PEM) the kubelet's certificate must be signed by (default: the system CAs).",
  }),
  kubeletInsecure: flag.boolean('kubelet.insecure-skip-tls-verify', {
    description: "Do not verify the kubelet's certificate (metrics-server's --kubelet-insecure-tls).",
  }),
  apiUrl: flag.string('kubernetes.api-url', {
    default: '',
    description:
      'The API server, to read every node through it when --kubelet.url is empty (default: in-cluster, ' +
      'https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT).',
  }),
  apiTokenFile: flag.string('kubernetes.token-file', {
    default: `${serviceAccount}/token`,
    description: 'Bearer token for the API server, read again before every scrape; empty for none.',
  }),
  apiCaFile: flag.string('kubernetes.ca-file', {
    default: `${serviceAccount}/ca.crt`,
    description: "CA certificate (PEM) of the API server (the service account's; the system CAs when it is absent).",
  }),
  nodeConcurrency: flag.integer('kubernetes.node-concurrency', {
    default: 20,
    description: 'Nodes read at once through the API server.',
  }),
  nodeSelector: flag.string('kubernetes.node-selector', {
    default: '',
    description: 'Label selector of the nodes to read through the API server, e.g. kubernetes.io/os=windows.',
  }),
}

/** A server URL from a flag: http(s), no credentials in it, no path. */
export function serverUrl(text: string, flagName: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new Error(`--${flagName}: ${JSON.stringify(text)} is not a URL (want https://host:port)`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`--${flagName}: ${JSON.stringify(text)} is not an http or https URL`)
  }
  if (url.username !== '' || url.password !== '') {
    throw new Error(`--${flagName}: put credentials in the token file, not in the URL`)
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new Error(`--${flagName}: ${JSON.stringify(text)} has a path; give the server only (https://host:port)`)
  }
  return url
}

/** A file's text, or undefined for no file. */
function optionalFile(path: string | undefined): string | undefined {
  return path === undefined ? undefined : readFileSync(path, 'utf8')
}

/**
 * The source the flags choose: the kubelet at `--kubelet.url`, or else every node through the API server at
 * `--kubernetes.api-url` (or in the cluster the exporter runs in). `onlyCpuAndMemory` asks the kubelets for CPU
 * and memory only.
 */
export function summarySource(context: ExporterContext, onlyCpuAndMemory: boolean): SummarySource {
  const value = context.value.bind(context)
  const tokenFile = (text: string) => (text === '' ? undefined : text)
  const kubelet = value(kubeletFlags.kubeletUrl)
  const concurrency = value(kubeletFlags.nodeConcurrency)
  if (concurrency < 1) throw new Error('--kubernetes.node-concurrency: read at least 1 node at a time')
  if (kubelet !== '') {
    const client = new KubernetesClient({
      url: serverUrl(kubelet, 'kubelet.url'),
      what: 'the kubelet',
      tokenFile: tokenFile(value(kubeletFlags.kubeletTokenFile)),
      ca: optionalFile(value(kubeletFlags.kubeletCaFile)),
      insecure: value(kubeletFlags.kubeletInsecure),
      maxSockets: 1,
    })
    return new KubeletSource(client, onlyCpuAndMemory)
  }
  const { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port = '443' } = process.env
  const api = value(kubeletFlags.apiUrl) || (host ? `https://${host.includes(':') ? `[${host}]` : host}:${port}` : '')
  if (api === '') {
    throw new Error(
      'set --kubelet.url (the node to read) or --kubernetes.api-url (every node, through the API server); ' +
        'outside a cluster there is no default',
    )
  }
  const caFile = value(kubeletFlags.apiCaFile)
  const defaultCa = caFile === kubeletFlags.apiCaFile.defaultValue
  let ca: string | undefined
  try {
    ca = caFile === '' ? undefined : readFileSync(caFile, 'utf8')
  } catch (error) {
    if (!defaultCa)
      throw new Error(`--kubernetes.ca-file: cannot read ${caFile}: ${(error as NodeJS.ErrnoException).code}`)
  }
  const client = new KubernetesClient({
    url: serverUrl(api, 'kubernetes.api-url'),
    what: 'the API server',
    tokenFile: tokenFile(value(kubeletFlags.apiTokenFile)),
    ca,
    insecure: false,
    maxSockets: concurrency,
  })
  return new ClusterSource(client, onlyCpuAndMemory, concurrency, value(kubeletFlags.nodeSelector))
}
