// The real servers and tools the test suite runs: the command (or file) the tests need, and the Debian
// package that ships it. Used by install-peers.mjs (CI installs what is missing) and select-tests.mjs (a
// machine without root skips the test files whose peers are missing).
import { accessSync, constants, existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/** By name, as test files list them in their `// Peers:` line. */
export const peers = {
  promtool: { command: 'promtool', package: 'prometheus' },
  prometheus: { command: 'prometheus', package: 'prometheus' },
  'prometheus-node-exporter': { command: 'prometheus-node-exporter', package: 'prometheus-node-exporter' },
  'prometheus-pushgateway': { command: 'prometheus-pushgateway', package: 'prometheus-pushgateway' },
  'redis-server': { command: 'redis-server', package: 'redis-server' },
  'redis-cli': { command: 'redis-cli', package: 'redis-tools' },
  'prometheus-redis-exporter': { command: 'prometheus-redis-exporter', package: 'prometheus-redis-exporter' },
  go: { command: 'go', package: 'golang-go' },
  sarama: {
    file: '/usr/share/gocode/src/github.com/Shopify/sarama/mockbroker.go',
    package: 'golang-github-shopify-sarama-dev',
  },
  'client-golang': {
    file: '/usr/share/gocode/src/github.com/prometheus/client_golang/prometheus/histogram.go',
    package: 'golang-github-prometheus-client-golang-dev',
  },
  govmomi: {
    file: '/usr/share/gocode/src/github.com/vmware/govmomi/simulator/model.go',
    package: 'golang-github-vmware-govmomi-dev',
  },
  openssl: { command: 'openssl', package: 'openssl' },
  'prometheus-blackbox-exporter': { command: 'prometheus-blackbox-exporter', package: 'prometheus-blackbox-exporter' },
  dnsmasq: { file: '/usr/sbin/dnsmasq', package: 'dnsmasq-base' },
  'grpc-go': {
    file: '/usr/share/gocode/src/google.golang.org/grpc/health/server.go',
    package: 'golang-google-grpc-dev',
  },
}

/** Whether a peer is on this machine: its command on PATH, or its file. */
export function present(name) {
  const peer = peers[name]
  if (peer === undefined)
    throw new Error(`unknown peer ${JSON.stringify(name)} (known: ${Object.keys(peers).join(', ')})`)
  if (peer.file) return existsSync(peer.file)
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, peer.command), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}
