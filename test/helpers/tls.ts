// TLS for the exporter's tests: certificates made with openssl, and one HTTPS scrape of /metrics.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';

export /** openssl: a CA, a server certificate for 127.0.0.1, client certificates from that CA and from another */
function certificates(
  into: string,
  serverNames = 'IP:127.0.0.1',
): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey' | 'otherCert' | 'otherKey' | 'otherCa', string> {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: into, stdio: 'pipe' });
  const ca = (name: string) =>
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`);
  const signed = (name: string, by: string, ext: string) => {
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(into, `${name}.ext`), ext);
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${by}.crt`,
      '-CAkey',
      `${by}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  };
  ca('ca');
  ca('other-ca');
  signed('server', 'ca', `subjectAltName=${serverNames}\nextendedKeyUsage=serverAuth\n`);
  signed('client', 'ca', 'extendedKeyUsage=clientAuth\n');
  signed('other-client', 'other-ca', 'extendedKeyUsage=clientAuth\n');
  const p = (f: string) => join(into, f);
  return {
    ca: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    otherCert: p('other-client.crt'),
    otherKey: p('other-client.key'),
    otherCa: p('other-ca.crt'),
  };
}

export /** one HTTPS GET of /metrics; the status, or the TLS error's code */
function scrape(
  port: number,
  options: { ca: string; cert?: string; key?: string; auth?: string; servername?: string },
): Promise<{ status?: number; error?: string; body?: string }> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        ...(options.servername ? { servername: options.servername } : {}),
        path: '/metrics',
        ca: readFileSync(options.ca),
        ...(options.cert ? { cert: readFileSync(options.cert), key: readFileSync(options.key!) } : {}),
        ...(options.auth ? { auth: options.auth } : {}),
        timeout: 10_000,
        agent: false, // a new connection and handshake each time: what a scraper that starts afresh sees
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}
