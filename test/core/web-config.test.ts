// --web.config.file: the exporter-toolkit format read strictly (a misspelled key would leave the exporter open), and
// the guard in front of /metrics on a real local HTTP server: basic auth against bcrypt hashes made elsewhere
// (libxcrypt, through Python's crypt), a 401 with a challenge otherwise, the configured headers on every answer.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readWebConfig, tlsServerOptions, webGuard } from '../../src/core/web-config.js';
import { InputError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'kleak-web-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
/** "scrape-me", hashed by libxcrypt (Python's crypt.crypt, METHOD_BLOWFISH, cost 10) */
const hash = '$2b$10$J9rbWnPheYh4uwDImYI0yum8GUgJHxDvRf1Y4.lfPThHzaoYvinKG';

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('the exporter-toolkit keys are read; paths are relative to the file; TLS 1.2 is the floor by default', () => {
  file('s.crt', 'CERT');
  file('s.key', 'KEY');
  file('ca.crt', 'CA');
  const config = readWebConfig(
    file(
      'web.yml',
      `tls_server_config:\n  cert_file: s.crt\n  key_file: s.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\nhttp_server_config:\n  headers:\n    Strict-Transport-Security: max-age=31536000\nbasic_auth_users:\n  prometheus: '${hash}'\n`,
    ),
  );
  assert.equal(config.tls!.cert.toString(), 'CERT');
  assert.equal(config.tls!.ca!.toString(), 'CA');
  assert.deepEqual(
    { ...tlsServerOptions(config.tls!), cert: undefined, key: undefined, ca: undefined },
    { cert: undefined, key: undefined, ca: undefined, minVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: true },
  );
  assert.deepEqual(config.headers, { 'Strict-Transport-Security': 'max-age=31536000' });
  assert.equal(config.users!.get('prometheus'), hash);
  const plain = readWebConfig(file('tls-only.yml', 'tls_server_config:\n  cert_file: s.crt\n  key_file: s.key\n  min_version: TLS13\n'));
  assert.deepEqual(
    [plain.tls!.clientAuth, tlsServerOptions(plain.tls!).requestCert, plain.tls!.minVersion, plain.users],
    ['NoClientCert', false, 'TLSv1.3', undefined],
  );
});

test('what would leave the exporter open, or cannot be read, is refused with the key named', () => {
  const refused = (text: string, says: RegExp) =>
    assert.throws(
      () => readWebConfig(file('bad.yml', text)),
      (e: unknown) => e instanceof InputError && says.test(e.message),
      text,
    );
  refused('basic_auth_user:\n  prometheus: x\n', /the file has unknown key basic_auth_user/);
  refused(
    'tls_server_config:\n  cert_file: s.crt\n  key_file: s.key\n  client_auth: RequireAndVerifyClientCert\n',
    /tls_server_config has unknown key client_auth /,
  );
  refused('basic_auth_users:\n  prometheus: scrape-me\n', /the password of prometheus in basic_auth_users is not a bcrypt hash/);
  refused('tls_server_config:\n  cert_file: s.crt\n', /tls_server_config.key_file is missing/);
  refused('tls_server_config:\n  cert_file: s.crt\n  key_file: nowhere.key\n', /key_file nowhere.key cannot be read \(ENOENT\)/);
  refused('tls_server_config:\n  cert_file: s.crt\n  key_file: s.key\n  client_auth_type: RequireAndVerifyClientCert\n', /needs client_ca_file/);
  refused('tls_server_config:\n  cert_file: s.crt\n  key_file: s.key\n  client_auth_type: Sometimes\n', /client_auth_type Sometimes is not one of/);
  refused('tls_server_config:\n  cert_file: s.crt\n  key_file: s.key\n  min_version: TLS14\n', /min_version TLS14 is not one of/);
  refused('tls_server_config: [1, 2\n', /it is not YAML/);
  assert.throws(() => readWebConfig(join(dir, 'missing.yml')), /cannot be read \(ENOENT\)/);
});

test('the guard: the right user and password pass, anything else gets 401 with a Basic challenge; the headers on every answer', async () => {
  const guard = webGuard(
    readWebConfig(file('auth.yml', `basic_auth_users:\n  prometheus: '${hash}'\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n`)),
  );
  const server: Server = createServer((req, res) => {
    void guard(req, res).then((ok) => ok && res.end('metrics\n'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const get = async (auth?: string) => {
    const r = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: auth ? { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {} });
    return { status: r.status, challenge: r.headers.get('www-authenticate'), frame: r.headers.get('x-frame-options'), body: await r.text() };
  };
  try {
    assert.deepEqual(await get('prometheus:scrape-me'), { status: 200, challenge: null, frame: 'deny', body: 'metrics\n' });
    assert.deepEqual(await get('prometheus:scrape-me'), { status: 200, challenge: null, frame: 'deny', body: 'metrics\n' }, 'again (remembered)');
    for (const auth of [undefined, 'prometheus:wrong', 'nobody:scrape-me', 'prometheus', 'prometheus:scrape-me ']) {
      const r = await get(auth);
      assert.equal(r.status, 401, String(auth));
      assert.equal(r.challenge, 'Basic realm="kleak export"');
      assert.equal(r.frame, 'deny');
    }
  } finally {
    await new Promise((r) => server.close(r));
  }
});
