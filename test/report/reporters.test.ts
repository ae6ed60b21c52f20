import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import { reporters, formats } from '../../src/report/index.js';
import { diagnosis, finding } from '../helpers/diagnosis.js';

const chalk = new Chalk({ level: 0 });

test('every format has a reporter', () => {
  assert.deepEqual(Object.keys(reporters).sort(), [...formats].sort());
});

test('json: schemaVersion 1 and the findings as data', () => {
  const parsed = JSON.parse(reporters.json(diagnosis([finding()]), { chalk }));
  assert.equal(parsed.schemaVersion, 1);
  assert.equal(parsed.findings[0].ruleId, 'client-per-request');
  assert.equal(parsed.findings[0].summary, '2.0 new broker connections per request (20 requests)');
});

test('table: summary row, numbers, evidence and fix of each finding; no colour at level 0', () => {
  const text = reporters.table(diagnosis([finding()]), { chalk });
  assert.match(text, /client-per-request/);
  assert.match(text, /2\.0 new broker connections per request/);
  assert.match(text, /\[sockets\] ESTABLISHED to 127\.0\.0\.1:9092: 2 → 42/);
  assert.match(text, /fix: Create one client at start-up/);
  assert.doesNotMatch(text, /\u001b\[/);
});

test('table: a clean diagnosis says so, and lists what was not evaluated and why', () => {
  const text = reporters.table(
    diagnosis([], {
      collectors: [{ kind: 'cluster', status: 'failed', error: { message: 'no broker answered at 127.0.0.1:1', hint: 'check --bootstrap' } }],
      notEvaluated: [{ ruleId: 'group-member-growth', missing: ['cluster'] }],
    }),
    { chalk },
  );
  assert.match(text, /No Kafka-client leak found/);
  assert.match(text, /cluster: failed — no broker answered at 127\.0\.0\.1:1 \(check --bootstrap\)/);
  assert.match(text, /group-member-growth: needs cluster/);
});

test('table: colour when the chalk level allows it', () => {
  const text = reporters.table(diagnosis([finding()]), { chalk: new Chalk({ level: 1 }) });
  assert.match(text, /\u001b\[31m/);
});
