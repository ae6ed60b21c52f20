import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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

test('shutdown-check sends no signal without --yes (not a terminal): exit 2, the process untouched', async () => {
  const target = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const { code, stdout, stderr } = await runKleak(['shutdown-check', '--pid', String(target.pid), '--bootstrap', '127.0.0.1:9']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, new RegExp(`kleak will send SIGTERM to PID ${target.pid}.*Confirm with --yes`));
    assert.equal(target.exitCode, null);
    assert.equal(target.signalCode, null, 'the process got no signal');
    process.kill(target.pid!, 0); // still there
  } finally {
    target.kill('SIGKILL');
  }
});

test('shutdown-check: the flags that cannot go together are usage errors (exit 2), before anything runs', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--bootstrap', '127.0.0.1:9'], /Give --pid or --exec, one of the two/],
    [['--bootstrap', '127.0.0.1:9', '--pid', '4242', '--exec', 'true'], /Give --pid or --exec, one of the two/],
    [['--bootstrap', '127.0.0.1:9', '--pid', '4242', '--repeat', '3', '--yes'], /--repeat needs --exec/],
    [['--bootstrap', '127.0.0.1:9', '--exec', 'true', '--grace', '5s', '--prestop', '5s'], /--prestop \(5s\) leaves nothing of --grace \(5s\)/],
    [['--bootstrap', '127.0.0.1:9', '--pid', 'abc', '--yes'], /--pid "abc" is not a process kleak can signal/],
  ];
  for (const [args, message] of cases) {
    const r = await runKleak(['shutdown-check', ...args, '--json']);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(JSON.parse(r.stdout).error.message, message);
  }
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
