// The Kubernetes manifests in deploy/kubernetes, decoded strictly against the real API types (k8s.io/api v0.37 and
// the Prometheus Operator's monitoring.coreos.com/v1) by tools/k8s-validate: no cluster runs here, and kubectl's
// client-side dry run still asks a server for its OpenAPI. The validator (built by the test set-up) is shown to reject
// what it should.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../src/repo-root.js';
import { setupTool } from '../helpers/setup-paths.js';

const manifests = join(repoRoot, 'deploy/kubernetes');

function validate(args: string[]) {
  return spawnSync(setupTool('k8sValidate', 'k8s-validate'), args, { encoding: 'utf8', timeout: 60_000 });
}

test('the DaemonSet, its ServiceAccount, the PodMonitor and the debug profile decode strictly', () => {
  const run = validate([join(manifests, 'daemonset.yaml'), join(manifests, 'podmonitor.yaml')]);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /ServiceAccount kleak ok/);
  assert.match(run.stdout, /DaemonSet kleak-exporter ok/);
  assert.match(run.stdout, /PodMonitor kleak ok/);
  const profile = validate(['--container', join(manifests, 'debug-profile.yaml')]);
  assert.equal(profile.status, 0, profile.stdout + profile.stderr);
});

test('the validator rejects a misspelt field, a wrong type and an unknown kind', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kleak-k8s-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const daemonset = readFileSync(join(manifests, 'daemonset.yaml'), 'utf8');
  const cases: Array<[string, string, RegExp]> = [
    ['misspelt.yaml', daemonset.replace('hostPID: true', 'hostPid: true'), /unknown field "spec.template.spec.hostPid"/],
    ['wrong-type.yaml', daemonset.replace('containerPort: 9464', 'containerPort: "9464"'), /containerPort/],
    ['unknown-kind.yaml', 'apiVersion: apps/v1\nkind: DaemonSett\nmetadata:\n  name: x\n', /no kind "DaemonSett"/],
  ];
  for (const [name, text, expected] of cases) {
    writeFileSync(join(dir, name), text);
    const run = validate([join(dir, name)]);
    assert.equal(run.status, 1, `${name} was accepted: ${run.stdout}`);
    assert.match(run.stdout, expected);
  }
  writeFileSync(join(dir, 'profile.yaml'), 'securityContext:\n  capabilities:\n    add: SYS_PTRACE\n');
  assert.equal(validate(['--container', join(dir, 'profile.yaml')]).status, 1);
});
