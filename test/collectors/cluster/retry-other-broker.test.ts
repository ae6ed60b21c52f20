import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isConnectionError, retryOtherBroker } from '../../../src/collectors/cluster/kafkajs-calls.js';

const refused = () => Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:45963'), { name: 'KafkaJSConnectionError' });

test('a call that failed to reach the broker kafkajs picked is asked again, and answers', async () => {
  let calls = 0;
  const answer = await retryOtherBroker(async () => {
    calls++;
    if (calls < 3) throw refused();
    return 'metadata';
  });
  assert.equal(answer, 'metadata');
  assert.equal(calls, 3);
});

test('bounded: after the last attempt the connection error comes out', async () => {
  let calls = 0;
  await assert.rejects(
    retryOtherBroker(async () => {
      calls++;
      throw refused();
    }, 4),
    /ECONNREFUSED 127\.0\.0\.1:45963/,
  );
  assert.equal(calls, 4);
});

test('any other error (denied, SASL, protocol) is not retried', async () => {
  let calls = 0;
  const denied = Object.assign(new Error('Cluster authorization failed'), { name: 'KafkaJSProtocolError' });
  await assert.rejects(
    retryOtherBroker(async () => {
      calls++;
      throw denied;
    }),
    /authorization/,
  );
  assert.equal(calls, 1);
  assert.equal(isConnectionError(denied), false);
  assert.equal(isConnectionError(refused()), true);
  assert.equal(isConnectionError(Object.assign(new Error('x'), { name: 'KafkaJSBrokerNotFound' })), true);
});
