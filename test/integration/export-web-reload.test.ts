// kleak export reads its --web.config.file again when it or a certificate it names changes, as the exporter-toolkit
// does: a new password and a rotated certificate take effect without a restart; a broken file keeps the last good
// configuration (and says so).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { freePort } from '../../src/local-kafka/ports.js';
import { repoRoot } from '../../src/repo-root.js';
import { waitFor } from '../helpers/fixtures.js';
import { certificates, scrape } from '../helpers/tls.js';

test('a new password and a rotated certificate are taken without a restart; a broken file keeps the last good configuration', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kleak-web-reload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = certificates(mkdtempSync(join(dir, 'first-')));
  const second = certificates(mkdtempSync(join(dir, 'second-')));
  copyFileSync(first.serverCert, join(dir, 'tls.crt'));
  copyFileSync(first.serverKey, join(dir, 'tls.key'));
  const web = (password: string) =>
    `tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\nbasic_auth_users:\n  prometheus: '${bcrypt.hashSync(password, 4)}'\n`;
  writeFileSync(join(dir, 'web.yml'), web('one'));
  const port = await freePort();
  const exporter = spawn(
    process.execPath,
    [
      join(repoRoot, 'bin/kleak.js'),
      'export',
      '--pid',
      String(process.pid),
      '--brokers',
      '127.0.0.1:9',
      '--listen',
      `127.0.0.1:${port}`,
      '--interval',
      '1s',
      '--web.config.file',
      join(dir, 'web.yml'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  exporter.stderr.on('data', (d) => (log += d));
  t.after(() => exporter.kill('SIGKILL'));
  const status = (ca: string, auth: string) => scrape(port, { ca, auth: `prometheus:${auth}` }).then((r) => r.status ?? r.error);
  assert.equal(await waitFor('the exporter to serve', async () => ((await status(first.ca, 'one')) === 200 ? 200 : undefined), 30_000, 200), 200);
  assert.equal(await status(first.ca, 'two'), 401);

  writeFileSync(join(dir, 'web.yml'), web('two'));
  await waitFor('the new password', async () => ((await status(first.ca, 'two')) === 200 ? true : undefined), 10_000, 200);
  assert.equal(await status(first.ca, 'one'), 401, 'the old password no longer works');

  // cert-manager renews: the certificate and key are replaced under the same names
  copyFileSync(second.serverCert, join(dir, 'tls.crt'));
  copyFileSync(second.serverKey, join(dir, 'tls.key'));
  await waitFor('the new certificate', async () => ((await status(second.ca, 'two')) === 200 ? true : undefined), 10_000, 200);
  assert.notEqual(await status(first.ca, 'two'), 200, 'the old CA no longer verifies the server');

  writeFileSync(join(dir, 'web.yml'), 'basic_auth_users: [not, a, mapping]\n');
  await waitFor('the refusal to be said', async () => (/cannot be used, the last good configuration stays/.test(log) ? true : undefined), 10_000, 200);
  assert.equal(await status(second.ca, 'two'), 200, 'the last good configuration serves on');
  assert.equal(exporter.exitCode, null, 'still running');
});
