/** What is wrong with a server's certificate, as a client that checks it finds. */
export type CertificateProblem = 'unknown_authority' | 'expired' | 'hostname_mismatch'

/** Node's certificate verification codes, by the problem they are. */
const problems: Readonly<Record<string, CertificateProblem>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown_authority',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown_authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown_authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'unknown_authority',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'unknown_authority',
  CERT_UNTRUSTED: 'unknown_authority',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname_mismatch',
}

/**
 * The certificate problem a TLS connection's error is (a CA that did not sign it, a date out of range, a name it
 * does not carry), or undefined for any other error: for an exporter that tells its user what to fix.
 */
export function certificateProblem(error: unknown): CertificateProblem | undefined {
  const { code } = error as NodeJS.ErrnoException
  return code === undefined ? undefined : problems[code]
}
