// py-spy's dump of a real kafka-python service (fixtures/python/kafka_python_consumer_per_request.py after three
// requests, captured with py-spy 0.4.3 --json): the threads, and kafka-python's client IO threads among them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { constructorSites, kafkaThreads, parsePySpyDump } from '../../src/collectors/python/py-spy.js';
import { repoRoot } from '../../src/repo-root.js';

const captured = readFileSync(join(repoRoot, 'fixtures/captured/py-spy/kafka-python-consumers.json'), 'utf8');

test('py-spy --json: every thread with its name, OS thread id and frames, innermost first', () => {
  const threads = parsePySpyDump(captured);
  assert.deepEqual(
    threads.map((t) => t.name),
    ['kafka-io-kafka-python-3.0.12', 'kafka-io-kafka-python-3.0.12', 'kafka-io-kafka-python-3.0.12', 'MainThread'],
  );
  assert.ok(threads.every((t) => Number.isInteger(t.tid)));
  const main = threads.find((t) => t.name === 'MainThread')!;
  assert.match(main.frames.at(-1)!.file, /kafka_python_consumer_per_request\.py$/, 'the outermost frame is the script');
  assert.equal(main.frames.at(-1)!.function, '<module>');
});

test('the Kafka client threads: one kafka-python IO thread per consumer the service built (3)', () => {
  assert.deepEqual(kafkaThreads(parsePySpyDump(captured)), [
    { library: 'kafka-python', kind: 'client IO thread', threads: 3, names: ['kafka-io-kafka-python-3.0.12'] },
  ]);
  // kafka-python 2.x names: a producer's sender and a consumer's heartbeat thread
  const old = kafkaThreads([
    { name: 'kafka-python-producer-1-network-thread', frames: [] },
    { name: 'orders-heartbeat', frames: [] },
    { name: 'worker', frames: [{ function: 'KafkaClient.poll', file: '/srv/venv/lib/python3.9/site-packages/kafka/client_async.py', line: 600 }] },
    { name: 'MainThread', frames: [{ function: '<module>', file: '/srv/app.py', line: 1 }] },
  ]);
  assert.deepEqual(
    old.map((c) => `${c.threads} ${c.kind}`),
    ['1 producer network thread', '1 consumer heartbeat thread', '1 client thread'],
  );
});

test('not py-spy JSON: a clear error', () => {
  assert.throws(() => parsePySpyDump('Error: Failed to find python version'), /py-spy did not print the JSON/);
});

test('py-spy record (folded, full file names) during 10 requests: the service line that built the consumers, inside KafkaConsumer.__init__', () => {
  const folded = readFileSync(join(repoRoot, 'fixtures/captured/py-spy/kafka-python-consumers-record.txt'), 'utf8');
  const sites = constructorSites(folded);
  assert.equal(sites.length, 1, JSON.stringify(sites));
  const site = sites[0]!;
  assert.deepEqual(
    { library: site.library, constructor: site.constructor, file: site.file.split('/').pop(), line: site.line, function: site.function },
    { library: 'kafka-python', constructor: 'KafkaConsumer.__init__', file: 'kafka_python_consumer_per_request.py', line: 35, function: 'Handler.do_POST' },
  );
  // the samples are those of the folded lines that pass through the constructor
  const inside = folded
    .split('\n')
    .filter((l) => l.includes('KafkaConsumer.__init__ ('))
    .reduce((n, l) => n + Number(/ (\d+)$/.exec(l)![1]), 0);
  assert.equal(site.samples, inside);
  // a constructor reached only through library frames (an aiokafka client a library builds) has no service line
  assert.deepEqual(
    constructorSites('a (/usr/lib/python3.11/threading.py:1) ;AIOKafkaProducer.start (/v/lib/python3.11/site-packages/aiokafka/producer/producer.py:10) 3'),
    [],
  );
});
