// Rules over Go profiles, on profiles captured from the fixtures (fixtures/generate/capture-pprof.mjs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toGoEvidence } from '../../src/collectors/goruntime/index.js';
import { parseGoroutineDump } from '../../src/collectors/goruntime/parse-goroutine-dump.js';
import { parseHeapProfile } from '../../src/collectors/goruntime/parse-heap-profile.js';
import { rules } from '../../src/rules/index.js';
import { runRules } from '../../src/rules/run-rules.js';
import { capturedHeap, capturedText } from '../helpers/captured-pprof.js';

function evidence(scenario: string, baseline?: string) {
  const profiles = (s: string) => ({ sources: [s], goroutines: { source: s, dump: parseGoroutineDump(capturedText(s, 2)) }, heap: { source: s, profile: parseHeapProfile(capturedHeap(s)) } });
  return toGoEvidence(profiles(scenario), baseline ? profiles(baseline) : undefined);
}
const ids = (scenario: string, baseline?: string) => runRules(rules, evidence(scenario, baseline)).findings.map((f) => `${f.ruleId}:${f.severity}:${f.confidence}`);

test('Sarama per request: producer-closed-client-open, confirmed; client-not-closed does not repeat it', () => {
  assert.deepEqual(ids('sarama-per-request-21'), ['producer-closed-client-open:error:confirmed']);
  const [f] = runRules(rules, evidence('sarama-per-request-21', 'sarama-per-request-1')).findings;
  assert.match(f!.summary, /^21 Sarama clients alive \(21 metadata loops, 42 broker readers, 2\.0 per client\) but only 0 producers\/consumers use them; \+20 clients since the baseline$/);
});

test('one client per request, only once: below the threshold, silent', () => {
  assert.deepEqual(ids('sarama-per-request-1'), []);
});

test('shared producer and franz-go twin: no finding', () => {
  assert.deepEqual(ids('sarama-shared-21'), []);
  assert.deepEqual(ids('franz-retain-fixed-6400'), []);
});

test('reused message: stuck-sync-producer', () => {
  assert.deepEqual(ids('sarama-reused-message-3'), ['stuck-sync-producer:error:confirmed']);
});

test('franz-go retaining consumer: records-pin-buffers with the bytes and share', () => {
  const [f] = runRules(rules, evidence('franz-retain-6400')).findings;
  assert.equal(f!.ruleId, 'records-pin-buffers');
  assert.equal(f!.library, 'franz-go');
  assert.match(f!.summary, /^\d+\.\d MiB \(\d+% of \d+\.\d MiB in use\) held at franz-go decompression\/record sites$/);
  // against the twin as a baseline the growth is confirmed
  const [g] = runRules(rules, evidence('franz-retain-6400', 'franz-retain-fixed-6400')).findings;
  assert.equal(g!.confidence, 'confirmed');
});
