// Every report format, golden-tested on one real diagnosis (captured by fixtures/generate/capture-diagnosis.sh).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import { repoRoot } from '../../src/repo-root.js';
import { formats, reporters } from '../../src/report/index.js';
import type { Diagnosis } from '../../src/types.js';
import { assertSarif, assertSchema } from '../helpers/schema.js';
import { matchSnapshot } from '../helpers/snapshot.js';

const diagnosis: Diagnosis = JSON.parse(readFileSync(join(repoRoot, 'fixtures/captured/diagnosis/sarama-demo.json'), 'utf8'));
const ext = { table: 'txt', json: 'json', markdown: 'md', sarif: 'sarif' } as const;

for (const format of formats) {
  test(`${format} report of the captured Sarama diagnosis matches its golden file`, () => {
    const text = reporters[format](diagnosis, { chalk: new Chalk({ level: 0 }) });
    matchSnapshot(`report/__snapshots__/sarama-demo.${ext[format]}`, text);
    if (format === 'json') assertSchema('diagnosis', JSON.parse(text));
    if (format === 'sarif') assertSarif(JSON.parse(text));
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
