// The launcher's cluster ids: what Kafka's storage tool accepts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newClusterId } from '../../src/local-kafka/broker-properties.js';

test('cluster ids for the test broker never start with "-" (the storage tool would take them for a flag)', () => {
  for (let i = 0; i < 2000; i++) {
    const id = newClusterId();
    assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  }
});
