import assert from 'node:assert/strict';
import { test } from 'node:test';
// The rule engine: evidence gating, identity and text from meta, summaries from templates and data.
import { defineRule, formatMessage } from '../../src/rules/define-rule.js';
import { runRules } from '../../src/rules/run-rules.js';
import type { SocketInventory } from '../../src/collectors/process/types.js';

const fix = { sarama: 'close the client', 'franz-go': 'Close()', kafkajs: 'disconnect()', unknown: 'close it' };
const closeWait = defineRule({
  id: 'test-close-wait',
  meta: { title: 'CLOSE_WAIT sockets', description: 'd', severity: 'warning', messages: { closeWait: '{count} in CLOSE_WAIT' }, fix },
  needs: ['sockets'],
  check: ({ sockets }) =>
    sockets.totals.brokerCloseWait > 0
      ? [
          {
            messageId: 'closeWait' as const,
            data: { count: sockets.totals.brokerCloseWait },
            confidence: 'likely' as const,
            library: 'kafkajs' as const,
            evidence: [],
          },
        ]
      : [],
});

const totals = { fds: 10, fdLimit: 1024, sockets: 3, tcpSockets: 3, brokerSockets: 3, brokerEstablished: 1, brokerCloseWait: 2, nonBrokerSockets: 0 };
const inventory: SocketInventory = { takenAt: '', brokerSource: 'flag', brokerEndpoints: [], method: '/proc', processes: [], totals, warnings: [] };

test('a rule whose evidence is present runs; the engine adds id, severity, title, fix and docs', () => {
  const { findings, notEvaluated } = runRules([closeWait], { sockets: inventory });
  assert.deepEqual(notEvaluated, []);
  assert.equal(findings.length, 1);
  assert.deepEqual(
    { id: findings[0]!.ruleId, severity: findings[0]!.severity, fix: findings[0]!.fix, docs: findings[0]!.docsUrl, summary: findings[0]!.summary },
    { id: 'test-close-wait', severity: 'warning', fix: 'disconnect()', docs: 'docs/rules/test-close-wait.md', summary: '2 in CLOSE_WAIT' },
  );
  assert.deepEqual([findings[0]!.messageId, findings[0]!.data], ['closeWait', { count: 2 }]);
});

test('a rule whose evidence is missing is listed as not evaluated, not run', () => {
  const { findings, notEvaluated } = runRules([closeWait], {});
  assert.deepEqual(findings, []);
  assert.deepEqual(notEvaluated, [{ ruleId: 'test-close-wait', missing: ['sockets'] }]);
});

test('a draft may raise its own severity; findings come out most severe first', () => {
  const twoLevels = defineRule({
    id: 'test-two-levels',
    meta: { title: 't', description: 'd', severity: 'info', messages: { text: '{text}' }, fix },
    needs: ['sockets'],
    check: () => [
      { messageId: 'text' as const, data: { text: 'minor' }, confidence: 'possible' as const, library: 'unknown' as const, evidence: [] },
      {
        messageId: 'text' as const,
        data: { text: 'major' },
        confidence: 'confirmed' as const,
        library: 'unknown' as const,
        evidence: [],
        severity: 'error' as const,
      },
    ],
  });
  const { findings } = runRules([twoLevels, closeWait], { sockets: inventory });
  assert.deepEqual(
    findings.map((f) => `${f.severity}:${f.summary}`),
    ['error:major', 'warning:2 in CLOSE_WAIT', 'info:minor'],
  );
});

test('rule ids must be kebab-case (they name files)', () => {
  assert.throws(() => defineRule({ ...closeWait, id: 'Bad_Id' }), /kebab-case/);
});

test('templates: names from data, decimals on request, a missing name is a bug in the rule', () => {
  assert.equal(formatMessage('{n} per request, {rate:1}/min, {rate:0}', { n: 3, rate: 2.25 }), '3 per request, 2.3/min, 2');
  assert.equal(formatMessage('{word}', { word: 'as is' }), 'as is');
  assert.throws(() => formatMessage('{absent} here', { n: 1 }), /no "absent"/);
});

test('a Go finding names the library its evidence names: kafka-go and confluent-kafka-go too, never "unknown"', async () => {
  const { findingLibrary } = await import('../../src/rules/helpers.js');
  assert.deepEqual((['sarama', 'franz-go', 'kafka-go', 'confluent-kafka-go'] as const).map(findingLibrary), [
    'sarama',
    'franz-go',
    'kafka-go',
    'confluent-kafka-go',
  ]);
});
