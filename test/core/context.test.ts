// Facts are context, findings are problems: a clean service's profile (the shared-producer twin) gives no
// finding and a report that says what was measured to call it clean; the broker's idle setting is a fact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import { contextFacts } from '../../src/core/context.js';
import { evaluate } from '../../src/core/evaluate.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderTable } from '../../src/report/table.js';
import { renderSarif } from '../../src/report/sarif.js';
import { shutdownGroup, shutdownRun } from '../helpers/evidence.js';
import type { ClusterEvidence } from '../../src/collectors/cluster/types.js';
import { capturedGoEvidence } from '../helpers/captured-pprof.js';

const chalk = new Chalk({ level: 0 });

test('a clean Go service: zero findings, and the live clients that were counted to say so', () => {
  const go = capturedGoEvidence('sarama-shared-21');
  const evidence = { goroutines: go.goroutines!, goHeap: go.goHeap! };
  const diagnosis = evaluate(
    evidence,
    [
      { kind: 'goroutines', status: 'ok' },
      { kind: 'goHeap', status: 'ok' },
    ],
    { target: { pids: [] }, startedAt: 0, finishedAt: 1, version: 't' },
  );
  assert.deepEqual(diagnosis.findings, []);
  const clients = diagnosis.context!.find((f) => f.name === 'live Kafka clients')!;
  const sarama = go.goroutines!.classification.libraries.sarama!;
  assert.equal(
    clients.value.split(';')[0],
    `sarama: ${sarama.clients} clients, ${sarama.brokerConnections} broker connections, ${sarama.producers + sarama.syncProducers} producers, ${sarama.groupSessions} group sessions`,
  );
  const table = renderTable(diagnosis, { chalk });
  assert.match(table, /No Kafka-client leak found\.\n\nMeasured\n {2}goroutines: live Kafka clients: sarama: 1 clients/);
  assert.match(renderMarkdown(diagnosis, { chalk }), /## Measured\n\n\| source \| what \| value \| meaning \|/);
});

test('connections.max.idle.ms is a fact (the smallest of the brokers, with its duration), never a finding', () => {
  const cluster = {
    view: { config: { '1': { 'connections.max.idle.ms': '600000' }, '2': { 'connections.max.idle.ms': '540000' } } },
  } as unknown as ClusterEvidence;
  const facts = contextFacts({ cluster });
  assert.deepEqual(
    facts.map((f) => `${f.name}: ${f.value}`),
    ['connections.max.idle.ms: 600000/540000 (9 min)'],
  );
});

test('a shutdown run: its timeline is in every format — the table and Markdown facts, and SARIF run.properties.measured', () => {
  const run = shutdownRun({
    groups: [shutdownGroup()],
    timeline: [
      { kind: 'signal', atMs: 0, detail: 'SIGTERM to PID 4242' },
      { kind: 'commit', atMs: 600, detail: 'group orders: 1 partition(s) committed, between +500 and +600 ms' },
      { kind: 'leave', atMs: 700, detail: 'group orders: member(s) sarama gone between +600 and +700 ms' },
      { kind: 'sockets-closed', atMs: 840, detail: '2 of 2 broker socket(s) closed by the process' },
      { kind: 'exit', atMs: 850, detail: 'exited 850 ms after the signal, exit status 0' },
    ],
  });
  const diagnosis = evaluate({ shutdown: { runs: [run] } }, [{ kind: 'shutdown', status: 'ok' }], {
    target: { pids: [4242] },
    startedAt: 0,
    finishedAt: 1,
    version: 't',
  });
  assert.deepEqual(diagnosis.findings, [], 'a graceful shutdown: no finding');
  const order = diagnosis.context!.filter((f) => f.source === 'shutdown' && f.name.startsWith('+')).map((f) => f.value);
  assert.deepEqual(order, ['signal', 'commit', 'leave', 'sockets-closed', 'exit']);
  const markdown = renderMarkdown(diagnosis, { chalk });
  assert.match(markdown, /\| shutdown \| \+600 ms \| commit \| group orders: 1 partition\(s\) committed/);
  assert.match(markdown, /\| shutdown \| \+850 ms \| exit \|/);
  const sarif = JSON.parse(renderSarif(diagnosis, { chalk })) as { runs: Array<{ properties?: { measured?: Array<{ value: string }> } }> };
  assert.deepEqual(
    sarif.runs[0]!.properties!.measured!.filter((f) => ['signal', 'commit', 'leave', 'sockets-closed', 'exit'].includes(f.value)).map((f) => f.value),
    ['signal', 'commit', 'leave', 'sockets-closed', 'exit'],
  );
});
