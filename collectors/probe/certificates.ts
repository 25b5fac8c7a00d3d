import { X509Certificate } from 'node:crypto'
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls'

/** What a TLS connection's certificates and version give a probe's metrics. */
export interface TlsInfo {
  /** `probe_ssl_earliest_cert_expiry`: the soonest expiry in the chain, Unix seconds. */
  readonly earliestExpiry: number
  /** `probe_ssl_last_chain_expiry_timestamp_seconds`: the chain's soonest expiry, Unix seconds. */
  readonly lastChainExpiry: number
  /** `probe_ssl_last_chain_info`'s labels, of the leaf certificate. */
  readonly leaf: {
    readonly fingerprintSha256: string
    readonly issuer: string
    readonly subject: string
    readonly subjectAlternative: string
  }
  /** `probe_tls_version_info{version}`: `TLS 1.3`. */
  readonly version: string
}

/** A distinguished name as Go's pkix.Name.String() writes it: last attribute first, `,` between, RFC 2253 escapes. */
export function goDistinguishedName(name: string): string {
  return name
    .split('\n')
    .filter((part) => part !== '')
    .reverse()
    .map((part) => {
      const equals = part.indexOf('=')
      const value = part.slice(equals + 1).replace(/([,+"\\<>;])/g, '\\$1')
      return `${part.slice(0, equals)}=${value}`
    })
    .join(',')
}

/** Go's name of a TLS version (`TLS 1.0` … `TLS 1.3`) for Node's (`TLSv1` … `TLSv1.3`); others as Node says them. */
export function goTlsVersion(protocol: string): string {
  return protocol.replace(/^TLSv(\d)$/, 'TLSv$1.0').replace(/^TLSv/, 'TLS ')
}

/**
 * The certificates a server presented (leaf first, then as far up as the
 * chain goes) and the protocol version, whether or not the chain verified:
 * blackbox_exporter reports nothing for a certificate it does not trust, so
 * an expiring untrusted certificate cannot be alerted on; ours can.
 */
export function tlsInfo(socket: TLSSocket): TlsInfo {
  const chain: X509Certificate[] = []
  const seen = new Set<string>()
  for (
    let presented: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
    presented?.raw !== undefined && !seen.has(presented.fingerprint256);
    presented = presented.issuerCertificate
  ) {
    seen.add(presented.fingerprint256)
    chain.push(new X509Certificate(presented.raw))
  }
  // A TLS server always presents one (Node refuses the anonymous cipher suites).
  const leaf = chain[0] as X509Certificate
  const earliestExpiry = Math.min(...chain.map((certificate) => Date.parse(certificate.validTo) / 1000))
  const dnsNames = (leaf.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4))
  return {
    earliestExpiry,
    lastChainExpiry: earliestExpiry,
    leaf: {
      fingerprintSha256: leaf.fingerprint256.replaceAll(':', '').toLowerCase(),
      issuer: goDistinguishedName(leaf.issuer),
      subject: goDistinguishedName(leaf.subject),
      subjectAlternative: dnsNames.join(','),
    },
    version: goTlsVersion(String(socket.getProtocol())),
  }
}
