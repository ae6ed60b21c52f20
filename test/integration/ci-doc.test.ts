// Runs the kleak commands of docs/ci.md as written, against a leaky service and its twin.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { repoRoot } from '../../src/repo-root.js';
import { fixture } from '../helpers/fixtures.js';
import { createTopic, sharedBootstrap } from '../helpers/kafka.js';
import { assertSarif } from '../helpers/schema.js';

let bootstrap: string;
before(async () => {
  bootstrap = await sharedBootstrap();
});

/** The shell lines after "# ci-commands: NAME" in docs/ci.md, up to the next blank line. */
function ciCommands(name: string): string {
  const doc = readFileSync(join(repoRoot, 'docs/ci.md'), 'utf8').split('\n');
  const at = doc.findIndex((l) => l.trim() === `# ci-commands: ${name}`);
  assert.ok(at >= 0, `docs/ci.md has no "# ci-commands: ${name}" block`);
  const lines: string[] = [];
  for (const l of doc.slice(at + 1)) {
    if (!l.trim() || !l.trim().startsWith('kleak ')) break;
    lines.push(l.trim());
  }
  return lines.join('\n');
}

function runBlock(script: string, env: Record<string, string>, cwd: string) {
  // the job puts bin/kleak on PATH; here a function stands in for it
  const prelude = `set -e\nkleak() { node "${join(repoRoot, 'bin/kleak.js')}" "$@"; }\n`;
  return spawnSync('bash', ['-c', prelude + script], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env },
    encoding: 'utf8',
    timeout: 180_000,
  });
}

for (const [name, leaks] of [
  ['sarama-per-request', true],
  ['sarama-shared', false],
] as const) {
  test(`docs/ci.md against ${name}: the leak check ${leaks ? 'fails the job' : 'passes'}, the reports are written`, async () => {
    const topic = await createTopic(bootstrap, name);
    const service = await fixture(name, { bootstrap, topic });
    const env = { SERVICE_PID: String(service.pid), SERVICE_URL: service.url, KAFKA_BOOTSTRAP: bootstrap };
    const cwd = mkdtempSync(join(tmpdir(), 'kleak-ci-doc-'));
    const check = runBlock(ciCommands('leak-check'), env, cwd);
    assert.equal(check.status, leaks ? 1 : 0, check.stderr);
    const reports = runBlock(ciCommands('reports'), env, cwd);
    assert.equal(reports.status, 0, reports.stderr);
    const md = readFileSync(join(cwd, 'kleak.md'), 'utf8');
    assert.match(md, /^# kleak diagnosis/);
    const sarif = JSON.parse(readFileSync(join(cwd, 'kleak.sarif'), 'utf8'));
    assertSarif(sarif);
    const errors = sarif.runs[0].results.filter((r: any) => r.level === 'error').map((r: any) => r.ruleId);
    assert.deepEqual(errors, leaks ? ['client-per-request', 'producer-closed-client-open'] : []);
  });
}
