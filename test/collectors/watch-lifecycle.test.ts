// Goroutines created, ended and left per request, per role: from the baseline, the peak over the drive and
// the settled count after it (the numbers of the kafka-go reaping fixture's run, 30 requests).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lifecycle } from '../../src/collectors/watch/measure-drive.js';

test('created is the peak above the baseline, ended what went after the peak, left what stays', () => {
  const before = { 'kafka-go/client-metadata-loop': 6, 'kafka-go/broker-reader': 0, 'sarama/broker-reader': 2 };
  const peak = { 'kafka-go/client-metadata-loop': 36, 'kafka-go/broker-reader': 18, 'sarama/broker-reader': 2 };
  const after = { 'kafka-go/client-metadata-loop': 36, 'kafka-go/broker-reader': 0, 'sarama/broker-reader': 2 };
  assert.deepEqual(lifecycle(peak, before, after, 30), {
    'kafka-go/client-metadata-loop': { created: 1, ended: 0, left: 1 },
    'kafka-go/broker-reader': { created: 0.6, ended: 0.6, left: 0 },
  });
});

test('a role that shrank below its baseline: nothing created, the loss is what is left (negative)', () => {
  assert.deepEqual(lifecycle({ 'franz-go/broker-io': 4 }, { 'franz-go/broker-io': 4 }, { 'franz-go/broker-io': 2 }, 20), {
    'franz-go/broker-io': { created: 0, ended: 0.1, left: -0.1 },
  });
});

test('a role seen only after the baseline (peak missed between samples) still counts what is left', () => {
  assert.deepEqual(lifecycle({}, {}, { 'sarama/client-metadata-loop': 20 }, 20), {
    'sarama/client-metadata-loop': { created: 1, ended: 0, left: 1 },
  });
});
