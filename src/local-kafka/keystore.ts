// A self-signed TLS keystore for the local brokers' SSL listener, made with keytool.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { SetupError } from '../errors.js';

/**
 * A PKCS12 keystore with a self-signed RSA certificate for 127.0.0.1 and localhost (keytool comes with
 * the JDK the broker needs anyway), and that certificate as PEM for clients to trust.
 */
export function makeKeystore(workDir: string): { keystore: string; password: string; certPem: string } {
  const keystore = join(workDir, 'broker.p12');
  const certPem = join(workDir, 'broker-cert.pem');
  const password = randomBytes(12).toString('hex');
  const run = (args: string[]) => {
    const r = spawnSync('keytool', args, { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      throw new SetupError(`keytool failed to make the brokers' TLS certificate: ${(r.error?.message ?? r.stderr ?? '').trim()}`, {
        hint: 'keytool comes with the JDK (Java 17); check that it is on the PATH.',
      });
    }
  };
  run([
    '-genkeypair',
    '-alias',
    'broker',
    '-keyalg',
    'RSA',
    '-keysize',
    '2048',
    '-dname',
    'CN=localhost',
    '-ext',
    'SAN=ip:127.0.0.1,dns:localhost',
    '-validity',
    '7',
    '-keystore',
    keystore,
    '-storetype',
    'PKCS12',
    '-storepass',
    password,
    '-keypass',
    password,
  ]);
  run(['-exportcert', '-rfc', '-alias', 'broker', '-keystore', keystore, '-storetype', 'PKCS12', '-storepass', password, '-file', certPem]);
  return { keystore, password, certPem };
}
