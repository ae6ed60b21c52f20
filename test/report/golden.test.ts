// Every report format, golden-tested on one real diagnosis (captured by fixtures/generate/capture-diagnosis.sh).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import { repoRoot } from '../../src/repo-root.js';
import { formats, reporters } from '../../src/report/index.js';
import type { Diagnosis } from '../../src/types.js';
import { assertCodeScanningSarif, assertSarif, assertSchema } from '../helpers/schema.js';
import { matchSnapshot } from '../helpers/snapshot.js';

const diagnosis: Diagnosis = JSON.parse(readFileSync(join(repoRoot, 'fixtures/captured/diagnosis/sarama-demo.json'), 'utf8'));
const ext = { table: 'txt', json: 'json', markdown: 'md', sarif: 'sarif', html: 'html' } as const;

// HTML inlines uPlot (its own release, not a golden's business): it is tested in a real browser (test/report/html.test.ts)
for (const format of formats.filter((f) => f !== 'html')) {
  test(`${format} report of the captured Sarama diagnosis matches its golden file`, () => {
    const text = reporters[format](diagnosis, { chalk: new Chalk({ level: 0 }) });
    matchSnapshot(`report/__snapshots__/sarama-demo.${ext[format]}`, text);
    if (format === 'json') assertSchema('diagnosis', JSON.parse(text));
    if (format === 'sarif') {
      assertSarif(JSON.parse(text));
      assertCodeScanningSarif(JSON.parse(text));
    }
  });
}

test('the captured diagnosis is the real leak: both Sarama rules, confirmed', () => {
  assert.deepEqual(
    diagnosis.findings.filter((f) => f.severity === 'error').map((f) => [f.ruleId, f.confidence]),
    [
      ['client-per-request', 'confirmed'],
      ['producer-closed-client-open', 'confirmed'],
    ],
  );
});

test("the located line is the constructor call in the fixture's source (computed from the source, not a constant)", () => {
  const source = readFileSync(join(repoRoot, 'fixtures/go/sarama-per-request/main.go'), 'utf8').split('\n');
  const line = source.findIndex((l) => l.includes('sarama.NewClient(')) + 1;
  assert.ok(line > 0);
  for (const id of ['client-per-request', 'producer-closed-client-open']) {
    const f = diagnosis.findings.find((x) => x.ruleId === id)!;
    assert.deepEqual(
      f.locations.map((l) => [l.file, l.line, l.from]),
      [['fixtures/go/sarama-per-request/main.go', line, 'runtime']],
    );
  }
});

test('the code-scanning check rejects what kleak 0.1.0 wrote (results without a location, a relative helpUri)', () => {
  const old = JSON.parse(readFileSync(join(repoRoot, 'fixtures/captured/sarif/kleak-0.1.0-sarama-demo.sarif'), 'utf8'));
  assertSarif(old); // valid against the schema all the same
  assert.throws(() => assertCodeScanningSarif(old), /result 0 \(client-per-request\): no location \(expected at least one location\)/);
  assert.throws(() => assertCodeScanningSarif(old), /helpUri docs\/rules\/client-per-request\.md is not an absolute URL/);
});

test('a finding with no line anywhere is anchored at the manifest under the source root, and says so', () => {
  const located = {
    ...diagnosis,
    findings: diagnosis.findings.map((f) => ({ ...f, locations: [] })),
    source: { root: repoRoot, manifests: { go: 'fixtures/go/go.mod' } },
  };
  const sarif = JSON.parse(reporters.sarif(located, { chalk: new Chalk({ level: 0 }) }));
  assertCodeScanningSarif(sarif);
  const first = sarif.runs[0].results[0];
  assert.equal(first.locations[0].physicalLocation.artifactLocation.uri, 'fixtures/go/go.mod');
  assert.match(first.message.text, /no line of the service's code was found in the evidence: shown at fixtures\/go\/go\.mod/);
});

test('fingerprints are stable across runs: rule, library and place, never PIDs or times', () => {
  const again = { ...diagnosis, target: { pids: [999999] }, startedAt: '2030-01-01T00:00:00.000Z' };
  const prints = (d: Diagnosis) =>
    JSON.parse(reporters.sarif(d, { chalk: new Chalk({ level: 0 }) })).runs[0].results.map((r: any) => r.partialFingerprints['kleakFinding/v1']);
  assert.deepEqual(prints(again), prints(diagnosis));
  assert.equal(new Set(prints(diagnosis)).size, diagnosis.findings.length);
});
