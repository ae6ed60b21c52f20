// librdkafka clients counted by their threads, and the binding told from the mapped files: captured from a
// real node-rdkafka process (fixtures/captured/proc-rdkafka/README.md).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { countRdkafkaThreads, librdkafkaBindingOf } from '../../src/collectors/process/librdkafka.js';
import { repoRoot } from '../../src/repo-root.js';

const captured = (name: string) => readFileSync(join(repoRoot, 'fixtures/captured/proc-rdkafka', name), 'latin1');
const names = captured('node-rdkafka.comm').trim().split('\n');
const stats = captured('README.md');

test('one client per rdk:main thread, one broker thread per client and learnt broker; the bootstrap threads apart', () => {
  const built = Number(/producersBuilt: (\d+)/.exec(stats)![1]);
  assert.deepEqual(countRdkafkaThreads(names), { clients: built, brokerThreads: built, otherThreads: built });
  assert.deepEqual(countRdkafkaThreads(['node', 'libuv-worker']), { clients: 0, brokerThreads: 0, otherThreads: 0 });
});

test('the binding from the mapped addon; confluent-kafka-go (static) from its threads and the runtime', () => {
  const maps = captured('node-rdkafka.maps');
  assert.equal(librdkafkaBindingOf(maps, 'node', countRdkafkaThreads(names)), 'node-rdkafka');
  const confluentJs = maps.replaceAll('node_modules/node-rdkafka/', 'node_modules/@confluentinc/kafka-javascript/');
  assert.equal(librdkafkaBindingOf(confluentJs, 'node', countRdkafkaThreads(names)), 'confluent-kafka-javascript');
  const plainNode = maps
    .split('\n')
    .filter((l) => !/rdkafka/.test(l))
    .join('\n');
  assert.equal(librdkafkaBindingOf(plainNode, 'node', countRdkafkaThreads(['node'])), undefined, 'no librdkafka, no rdk: thread');
  assert.equal(librdkafkaBindingOf('', 'go', countRdkafkaThreads(['orders-api', 'rdk:main', 'rdk:broker1'])), 'confluent-kafka-go');
});
