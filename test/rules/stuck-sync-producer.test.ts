// stuck-sync-producer over debug=2 goroutine dumps captured from the reused-message fixture.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../src/repo-root.js';
import { runRules } from '../../src/rules/run-rules.js';
import stuckSyncProducer from '../../src/rules/stuck-sync-producer.js';
import { capturedGoEvidence } from '../helpers/captured-pprof.js';
import { ruleTester } from '../helpers/rule-tester.js';

const go = (scenario: string) => ({ goroutines: capturedGoEvidence(scenario).goroutines! });

ruleTester(stuckSyncProducer, {
  valid: [
    { name: 'per-request clients, nothing blocked', evidence: go('sarama-per-request-21') },
    { name: 'the shared-producer twin', evidence: go('sarama-shared-21') },
  ],
  invalid: [
    {
      name: 'one message sent through two producers',
      evidence: go('sarama-reused-message-3'),
      findings: [
        {
          summary: /^\d+ Sarama sync producer handlers? blocked forever in "chan send \(nil chan\)"; \d+ goroutines? waiting in SendMessage$/,
          confidence: 'confirmed',
          library: 'sarama',
        },
      ],
    },
  ],
  missing: {},
});

test('the stuck sends are located at the service’s go statement that started them (created by, in the debug=2 dump)', () => {
  const { findings } = runRules([stuckSyncProducer], go('sarama-reused-message-3'));
  const at = findings[0]!.locations[0]!;
  const source = readFileSync(join(repoRoot, 'fixtures/go/internal/dualsync/dualsync.go'), 'utf8').split('\n');
  assert.ok(at.file.endsWith('fixtures/go/internal/dualsync/dualsync.go'));
  assert.equal(at.line, source.findIndex((l) => l.includes('go func(p sarama.SyncProducer')) + 1);
  assert.equal(at.from, 'runtime');
  assert.ok((at.count ?? 0) >= 1);
});
