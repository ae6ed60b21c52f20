// The alerting rules shipped for kleak export, checked and unit-tested by Prometheus's own promtool
// (deploy/prometheus/kleak-rules.test.yml: a growing client beside its flat twin, CLOSE_WAIT piling up,
// fds near the limit, a finding). promtool comes with Debian's prometheus package; .ci/run installs it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../src/repo-root.js';

const dir = join(repoRoot, 'deploy/prometheus');
const promtool = (args: string[]) => spawnSync('promtool', args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
const available = !promtool(['--version']).error;

test(
  'promtool: the rules are valid and their unit tests pass',
  { skip: !available && !process.env.CI && 'promtool is not installed (apt-get install prometheus)' },
  () => {
    assert.ok(available, 'promtool must be installed in CI (.ci/run installs Debian’s prometheus package)');
    const check = promtool(['check', 'rules', 'kleak-rules.yml']);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /SUCCESS: 4 rules found/);
    const run = promtool(['test', 'rules', 'kleak-rules.test.yml']);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /SUCCESS/);
  },
);
