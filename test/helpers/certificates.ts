import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Certificates {
  readonly dir: string
  readonly caCert: string
  /** PEM of the server and client pairs, signed by the CA; `rogue` is self-signed. */
  readonly pem: Record<
    | 'ca'
    | 'server'
    | 'serverKey'
    | 'client'
    | 'clientKey'
    | 'plain'
    | 'plainKey'
    | 'rogue'
    | 'rogueKey'
    | 'expired'
    | 'expiredKey',
    string
  >
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
}

/**
 * A throw-away CA, a server certificate for 127.0.0.1/localhost, client certificates with (prometheus.internal) and
 * without SANs, a self-signed rogue client, and a self-signed certificate that expired in 2020.
 */
export function makeCertificates(dir: string): Certificates {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl(
    dir,
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=promkit test CA',
  )
  const signed = (name: string, subject: string, extensions: string) => {
    writeFileSync(join(dir, `${name}.ext`), extensions)
    openssl(dir, 'req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject)
    openssl(
      dir,
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    )
  }
  signed('server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n')
  signed('client', '/CN=prometheus', 'subjectAltName=DNS:prometheus.internal\nextendedKeyUsage=clientAuth\n')
  signed('plain', '/CN=no-san', 'extendedKeyUsage=clientAuth\n')
  openssl(
    dir,
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'rogue.key',
    '-out',
    'rogue.crt',
    '-days',
    '2',
    '-subj',
    '/CN=rogue',
    '-addext',
    'subjectAltName=DNS:prometheus.internal',
  )
  // openssl req cannot date a certificate in the past; openssl ca can, with a minimal CA of its own.
  writeFileSync(join(dir, 'index.txt'), '')
  writeFileSync(join(dir, 'serial'), '01\n')
  writeFileSync(
    join(dir, 'old-ca.cnf'),
    '[ca]\ndefault_ca=old\n[old]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=any\n[any]\ncommonName=supplied\n',
  )
  openssl(dir, 'req', ...ec, '-keyout', 'expired.key', '-out', 'expired.csr', '-subj', '/CN=localhost')
  openssl(
    dir,
    'ca',
    '-batch',
    '-notext',
    '-config',
    'old-ca.cnf',
    '-selfsign',
    '-keyfile',
    'expired.key',
    '-in',
    'expired.csr',
    '-out',
    'expired.crt',
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
  )
  const read = (file: string) => readFileSync(join(dir, file), 'utf8')
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    pem: {
      ca: read('ca.crt'),
      server: read('server.crt'),
      serverKey: read('server.key'),
      client: read('client.crt'),
      clientKey: read('client.key'),
      plain: read('plain.crt'),
      plainKey: read('plain.key'),
      rogue: read('rogue.crt'),
      rogueKey: read('rogue.key'),
      expired: read('expired.crt'),
      expiredKey: read('expired.key'),
    },
  }
}
