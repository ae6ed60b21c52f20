import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveEndpoints } from '../../../src/collectors/cluster/fetch-broker-endpoints.js';
import { parseHostPorts } from '../../../src/collectors/cluster/connection-options.js';

test('a broker named by host keeps its name beside each address; an IP does not get one', async () => {
  const named = await resolveEndpoints([{ host: 'localhost', port: 9092 }], { nodeId: 1 });
  assert.ok(named.length >= 1);
  for (const e of named) assert.equal(e.host, 'localhost');
  assert.ok(named.some((e) => e.address === '127.0.0.1:9092' || e.address === '[::1]:9092'));
  assert.deepEqual(await resolveEndpoints([{ host: '127.0.0.1', port: 9092 }]), [{ address: '127.0.0.1:9092' }]);
  assert.deepEqual(await resolveEndpoints([{ host: '::1', port: 9092 }]), [{ address: '[::1]:9092' }]);
});

test('host:port lists: names, IPv4, bracketed IPv6; anything else is a usage error', () => {
  assert.deepEqual(parseHostPorts('kafka-1:9092, 10.0.0.5:9093,[::1]:9094', '--bootstrap'), [
    { host: 'kafka-1', port: 9092 },
    { host: '10.0.0.5', port: 9093 },
    { host: '::1', port: 9094 },
  ]);
  assert.throws(() => parseHostPorts('kafka-1', '--bootstrap'), /"kafka-1", which is not host:port/);
  assert.throws(() => parseHostPorts('h:99999', '--brokers'), /not host:port/);
});
