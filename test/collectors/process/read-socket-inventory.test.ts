import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultPortEndpoints, readSocketInventory } from '../../../src/collectors/process/index.js';
import { capturedProc, parseSsLine } from '../../helpers/captured-proc.js';

test('captured Sarama per-request process: broker connections per state equal ss for that PID', async () => {
  const { pid, reader, ss } = capturedProc('sarama-per-request-12');
  const lines = ss.map(parseSsLine);
  // the broker is the remote port most connections go to
  const counts = new Map<string, number>();
  for (const l of lines) if (l.state === 'ESTAB') counts.set(l.remote, (counts.get(l.remote) ?? 0) + 1);
  const [broker, established] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
  const inventory = await readSocketInventory({ pids: [pid], endpoints: [{ address: broker, nodeId: 1 }], brokerSource: 'flag' }, reader);
  const p = inventory.processes[0]!;
  assert.equal(p.runtime, 'go');
  assert.equal(p.totals.brokerEstablished, established);
  assert.equal(p.totals.brokerEstablished, 2 * 12); // captured after 12 requests: 2 per leaked client
  assert.deepEqual(
    p.brokers.map((b) => [b.address, b.nodeId, b.established]),
    [[broker, 1, established]],
  );
  assert.equal(p.totals.tcpSockets, lines.length);
  assert.equal(p.totals.nonBrokerSockets, p.totals.sockets - established);
  assert.equal(p.totals.fdLimit, 20000);
});

test('default ports attribute nothing when the broker listens elsewhere, and say so by source', async () => {
  const { pid, reader } = capturedProc('sarama-per-request-12');
  const inventory = await readSocketInventory({ pids: [pid], endpoints: defaultPortEndpoints(), brokerSource: 'default-ports' }, reader);
  assert.equal(inventory.brokerSource, 'default-ports');
  assert.equal(inventory.totals.brokerSockets, 0);
});

test('IPv6 and IPv4-mapped endpoints match in their printed form', async () => {
  const { pid, reader, ss } = capturedProc('node-ipv6-loopback');
  const listen6 = ss.map(parseSsLine).find((l) => l.state === 'LISTEN' && l.local.startsWith('[::1]'))!;
  const inventory = await readSocketInventory({ pids: [pid], endpoints: [{ address: listen6.local }], brokerSource: 'flag' }, reader);
  assert.equal(inventory.totals.brokerEstablished, 3);
  assert.equal(inventory.processes[0]!.runtime, 'node');
});

test('a PID that does not exist is an InputError with a hint', async () => {
  const { reader } = capturedProc('sarama-per-request-12');
  await assert.rejects(readSocketInventory({ pids: [999999], endpoints: [], brokerSource: 'flag' }, reader), /No process with PID 999999/);
});
