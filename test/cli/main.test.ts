import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../src/repo-root.js';
import { runKleak } from '../helpers/cli.js';
import { assertSchema } from '../helpers/schema.js';

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
  const { code, stdout, stderr } = await runKleak(['shutdown-check', '--pid', '1']);
  assert.equal(code, 2);
  assert.equal(stdout, '');
  assert.match(stderr, /kleak shutdown-check is not built yet/);
  assert.match(stderr, /issue #12/);
});

test('with --json, every usage error commander raises is one JSON object on stdout too', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['sockets', '--pid', '1', '--no-such-flag', '--json'], /unknown option '--no-such-flag'/],
    [['no-such-command', '--json'], /unknown command 'no-such-command'/],
    [['pprof', 'x', '--format', 'yaml'], /argument 'yaml' is invalid/],
    [['cluster', '--json'], /required option '--bootstrap <host:port,...>' not specified/],
    [['sockets', 'extra', 'args', '--pid', '1', '--json'], /too many arguments/],
  ];
  for (const [args, message] of cases) {
    const r = await runKleak(args.includes('--json') ? args : [...args, '--json']);
    assert.equal(r.code, 2, args.join(' '));
    const json = JSON.parse(r.stdout);
    assertSchema('error', json);
    assert.match(json.error.message, message);
  }
});
