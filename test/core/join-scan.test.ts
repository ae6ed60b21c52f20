// The join of diagnose --source, on a captured diagnosis (sarama-per-request, located from its heap
// profile at main.go:21 main.main.func1) and the real scan of the fixture's source: the runtime
// findings are confirmed at the scan's lines; the fixed twin's code confirms nothing (same function
// name, another file); a library that differs confirms nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { joinScan } from '../../src/core/join-scan.js';
import { scan } from '../../src/core/scan.js';
import { repoRoot } from '../../src/repo-root.js';
import type { Diagnosis } from '../../src/types.js';

const captured: Diagnosis = JSON.parse(readFileSync(join(repoRoot, 'fixtures/captured/diagnosis/sarama-demo.json'), 'utf8'));
const scanOf = async (dir: string) => (await scan({ root: join(repoRoot, dir) })).diagnosis.findings;

test('the leaky fixture: both runtime findings confirmed at the scan lines, the scan findings not repeated', async () => {
  const root = join(repoRoot, 'fixtures');
  // the runtime paths are relative to the repository; the scan's to fixtures/
  const found = (await scan({ root })).diagnosis.findings.filter((f) => f.locations[0]!.file.startsWith('go/sarama-per-request/'));
  const joined = joinScan(captured, found, root);
  const cpr = joined.findings.find((f) => f.ruleId === 'client-per-request')!;
  assert.equal(cpr.confidence, 'confirmed');
  assert.deepEqual(
    cpr.locations.map((l) => `${l.from} ${l.file.replace(`${repoRoot}/`, '')}:${l.line} ${l.function}`),
    ['runtime fixtures/go/sarama-per-request/main.go:21 main.main.func1', 'scan fixtures/go/sarama-per-request/main.go:21 main.main.func1'],
  );
  assert.match(cpr.summary, /confirmed in the code by the scan \(client-per-request\) at go\/sarama-per-request\/main\.go:21$/);
  const pcco = joined.findings.find((f) => f.ruleId === 'producer-closed-client-open')!;
  assert.ok(pcco.locations.some((l) => l.from === 'scan' && l.line === 26));
  assert.equal(joined.findings.length, captured.findings.length, 'every scan finding was joined to a runtime one');
  assert.deepEqual(
    joined.findings.find((f) => f.ruleId === 'idle-reaping'),
    captured.findings.find((f) => f.ruleId === 'idle-reaping'),
  );
});

test('the fixed twin: same function name in another file confirms nothing; its own finding is reported beside', async () => {
  const root = join(repoRoot, 'fixtures/go/sarama-per-request-fixed');
  const found = await scanOf('fixtures/go/sarama-per-request-fixed');
  const joined = joinScan(captured, found, root);
  const cpr = joined.findings.find((f) => f.ruleId === 'client-per-request' && f.locations.some((l) => l.from === 'runtime'))!;
  assert.notEqual(cpr.summary.includes('confirmed in the code'), true);
  assert.equal(joined.findings.length, captured.findings.length + found.length);
});

test('another library confirms nothing', async () => {
  const root = join(repoRoot, 'fixtures');
  const found = (await scan({ root })).diagnosis.findings
    .filter((f) => f.locations[0]!.file.startsWith('go/sarama-per-request/'))
    .map((f) => ({ ...f, library: 'franz-go' as const }));
  const joined = joinScan(captured, found, root);
  assert.ok(!joined.findings.some((f) => f.summary.includes('confirmed in the code')));
});
