// What a JVM's own diagnostic commands say, parsed from captured output of the JDK's jcmd against the real
// kafka-clients 4.1.1 fixtures (3 producers built per request and kept; one shared Admin).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { kafkaHistogramClasses, parseClassHistogram, parseThreadDump } from '../../src/collectors/jvm/parse-jcmd.js';
import { repoRoot } from '../../src/repo-root.js';

const read = (name: string) => readFileSync(join(repoRoot, 'fixtures/captured/jvm', name), 'utf8');

test('Thread.print: the producers by client id, the per-JVM counter, the Attach Listener jcmd left', () => {
  const dump = parseThreadDump(read('thread-print-producer-per-request.txt'));
  assert.deepEqual(
    dump.clients.map((c) => `${c.kind} ${c.clientId}`),
    ['producer producer-1', 'producer producer-2', 'producer producer-3'],
  );
  assert.deepEqual(dump.builtAtLeast, { producers: 3, admins: 0, consumers: 0 });
  assert.equal(dump.attachListener, true);
  // every thread header of the dump is counted, and nothing else
  assert.equal(
    dump.threads,
    read('thread-print-producer-per-request.txt')
      .split('\n')
      .filter((l) => /^"[^"]*" #\d+ /.test(l)).length,
  );
});

test('Thread.print: an Admin by its client id', () => {
  const dump = parseThreadDump(read('thread-print-admin-shared.txt'));
  assert.deepEqual(dump.clients, [{ kind: 'admin', clientId: 'adminclient-1' }]);
  assert.deepEqual(dump.builtAtLeast, { producers: 0, admins: 1, consumers: 0 });
});

test('GC.class_histogram: one Selector, NetworkClient, Metrics and Sender per producer; the KafkaProducer wrapper collected', () => {
  const text = read('class-histogram-producer-per-request.txt');
  const h = parseClassHistogram(text);
  for (const cls of ['org.apache.kafka.common.network.Selector', 'org.apache.kafka.clients.NetworkClient', 'org.apache.kafka.common.metrics.Metrics'])
    assert.equal(h[cls]?.instances, 3, cls);
  assert.equal(h['org.apache.kafka.clients.producer.internals.Sender']?.instances, 3);
  // after the full GC the histogram forces, no KafkaProducer is left: nothing refers to it (do not count that class)
  assert.equal(h['org.apache.kafka.clients.producer.KafkaProducer'], undefined);
  // the histogram's own row, read another way: the count column of the line that names the class
  const row = text.split('\n').find((l) => l.trimEnd().endsWith(' org.apache.kafka.common.network.Selector'))!;
  assert.equal(h['org.apache.kafka.common.network.Selector']!.instances, Number(row.trim().split(/\s+/)[1]));
  assert.ok(Object.keys(h).every((k) => (kafkaHistogramClasses as readonly string[]).includes(k)));
  assert.deepEqual(parseClassHistogram('<html>nope</html>'), {});
});
