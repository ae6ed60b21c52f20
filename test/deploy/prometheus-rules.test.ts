// The alerting rules shipped for kleak export, checked and unit-tested by Prometheus's own promtool
// (deploy/prometheus/kleak-rules.test.yml: a growing client beside its flat twin, CLOSE_WAIT piling up,
// fds near the limit, a finding). promtool is built by the test set-up from Prometheus's Go module at the
// version tools/prometheus/go.mod pins.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../src/repo-root.js';
import { setupTool } from '../helpers/setup-paths.js';

const dir = join(repoRoot, 'deploy/prometheus');

test('promtool: the rules are valid and their unit tests pass', () => {
  const promtool = setupTool('promtool', 'prometheus');
  const run = (args: string[]) => spawnSync(promtool, args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  const check = run(['check', 'rules', 'kleak-rules.yml']);
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /SUCCESS: 4 rules found/);
  const tested = run(['test', 'rules', 'kleak-rules.test.yml']);
  assert.equal(tested.status, 0, tested.stdout + tested.stderr);
  assert.match(tested.stdout, /SUCCESS/);
});
