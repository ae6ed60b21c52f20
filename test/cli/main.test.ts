import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../src/repo-root.js';
import { runKleak } from '../helpers/cli.js';

const designCommands = ['sockets', 'watch', 'pprof', 'heap', 'cluster', 'diagnose', 'shutdown-check', 'scan', 'demo'];

test('--help lists every command of DESIGN.md with a description and an example', async () => {
  const { code, stdout } = await runKleak(['--help']);
  assert.equal(code, 0);
  for (const name of designCommands) {
    assert.match(stdout, new RegExp(`^  ${name}\\b.* \\w+`, 'm'), `${name} listed with a description`);
    assert.match(stdout, new RegExp(`\\$ kleak ${name}\\b`), `${name} has an example`);
  }
});

test('--version prints the package version', async () => {
  const { code, stdout } = await runKleak(['--version']);
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  assert.equal(code, 0);
  assert.equal(stdout.trim(), version);
});

test('an unknown option is a usage error: exit 2, message on stderr, nothing on stdout', async () => {
  const { code, stdout, stderr } = await runKleak(['--no-such-flag']);
  assert.equal(code, 2);
  assert.equal(stdout, '');
  assert.match(stderr, /unknown option '--no-such-flag'/);
});

test('a command of the design that is not built yet says so and exits 2, running nothing', async () => {
  const { code, stdout, stderr } = await runKleak(['scan', '.']);
  assert.equal(code, 2);
  assert.equal(stdout, '');
  assert.match(stderr, /kleak scan is not built yet/);
});
