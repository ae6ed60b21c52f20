// connectError on the error shapes kafkajs 2.2.4 throws (name, type and message as captured against the
// test broker): each mismatch between options and listener gets its own sentence and hint.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectError } from '../../../src/collectors/cluster/explain-connect-error.js';

const protocolError = (type: string, message: string) => Object.assign(new Error(message), { name: 'KafkaJSProtocolError', type });
const plain = { sasl: { mechanism: 'plain' as const, username: 'alice', password: 'pw-Secret-1' } };

test('SASL asked of a listener without SASL', () => {
  const e = connectError(protocolError('ILLEGAL_SASL_STATE', 'Request is not valid given the current SASL state'), '127.0.0.1:9092', plain);
  assert.match(e.message, /^127\.0\.0\.1:9092 answered as Kafka but takes no SASL there/);
  assert.match(e.hint ?? '', /Drop --sasl-mechanism/);
});

test('a mechanism the listener does not enable', () => {
  const e = connectError(protocolError('UNSUPPORTED_SASL_MECHANISM', 'The broker does not support the requested SASL mechanism'), '127.0.0.1:9094', {
    sasl: { ...plain.sasl, mechanism: 'scram-sha-512' },
  });
  assert.equal(e.message, '127.0.0.1:9094 does not enable SASL scram-sha-512 on this listener.');
  assert.match(e.hint ?? '', /sasl\.enabled\.mechanisms/);
});

test('wrong password: names the user, never the password', () => {
  const e = connectError(
    Object.assign(new Error('SASL PLAIN authentication failed: Authentication failed: Invalid username or password (pw-Secret-1)'), {
      name: 'KafkaJSSASLAuthenticationError',
    }),
    '127.0.0.1:9094',
    plain,
  );
  assert.match(e.message, /SASL plain authentication as "alice" failed at 127\.0\.0\.1:9094/);
  assert.ok(!`${e.message} ${(e.cause as Error).message} ${e.hint}`.includes('pw-Secret-1'));
});

test('a plaintext client closed on: what the listener turned out to be decides the sentence', () => {
  const closedError = () => Object.assign(new Error('Closed connection'), { name: 'KafkaJSConnectionClosedError' });
  const sasl = connectError(closedError(), '127.0.0.1:9093', {}, 'kafka');
  assert.match(sasl.message, /is a Kafka listener that wants SASL/);
  assert.match(sasl.hint ?? '', /--sasl-mechanism/);
  const tls = connectError(closedError(), '127.0.0.1:9093', {}, 'tls');
  assert.match(tls.message, /with a TLS alert: it is a TLS listener/);
  assert.match(connectError(closedError(), '127.0.0.1:9093', {}, 'silent').message, /with nothing: a TLS listener does that/);
  assert.match(tls.hint ?? '', /--tls/);
  assert.match(connectError(closedError(), '127.0.0.1:8080', {}, 'http').message, /did not answer as a Kafka broker: it answered in HTTP\.$/);
  for (const kind of ['other', undefined] as const)
    assert.match(connectError(closedError(), '127.0.0.1:8080', {}, kind).message, /did not answer as a Kafka broker\.$/);
});

test('TLS: an untrusted certificate is a handshake failure, with the CA hint', () => {
  const e = connectError(Object.assign(new Error('Connection error: self-signed certificate'), { name: 'KafkaJSConnectionError' }), '127.0.0.1:9095', {
    tls: {},
  });
  assert.match(e.message, /The TLS handshake with 127\.0\.0\.1:9095 failed/);
  assert.match(e.hint ?? '', /--tls-ca/);
});
