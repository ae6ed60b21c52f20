// The scan on public repositories (bench/real-code/expected.json): each clone present under
// $KLEAK_REAL_CODE at the listed commit must give exactly the findings read by hand there. Absent
// sources are skipped (and shown as skipped): their code is never committed here.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scan } from '../../src/core/scan.js';
import { repoRoot } from '../../src/repo-root.js';

interface Expected {
  repo: string;
  commit: string;
  findings: { ruleId: string; severity: string; at: string }[];
}

const expected = JSON.parse(readFileSync(join(repoRoot, 'bench/real-code/expected.json'), 'utf8')) as Expected[];
const base = process.env.KLEAK_REAL_CODE;

test('the list covers at least five repositories, each finding read by hand', () => {
  assert.ok(expected.length >= 5);
  for (const r of expected) {
    assert.match(r.commit, /^[0-9a-f]{40}$/);
    for (const f of r.findings) assert.ok((f as { verdict?: string }).verdict && (f as { why?: string }).why, `${r.repo} ${f.at}`);
  }
});

for (const r of expected) {
  const dir = base ? join(base, r.repo.replace('/', '+')) : undefined;
  const head = () => execFileSync('git', ['-C', dir!, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const present = !!dir && existsSync(dir) && head() === r.commit;
  test(
    `${r.repo}@${r.commit.slice(0, 12)}: the findings read by hand`,
    { skip: present ? false : `no clone of ${r.repo} at ${r.commit.slice(0, 12)} under KLEAK_REAL_CODE` },
    async () => {
      const run = await scan({ root: dir! });
      const got = run.diagnosis.findings.map((f) => `${f.severity} ${f.ruleId} ${f.locations[0]!.file}:${f.locations[0]!.line}`).sort();
      assert.deepEqual(got, r.findings.map((f) => `${f.severity} ${f.ruleId} ${f.at}`).sort());
    },
  );
}
