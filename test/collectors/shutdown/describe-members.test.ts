// DescribeGroups v4 and FindCoordinator v1 responses, as the protocol lays them out (Kafka's
// DescribeGroupsResponse.json, FindCoordinatorResponse.json): decoded, and refused when damaged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeDescribeGroupsV4, decodeFindCoordinatorV1 } from '../../../src/collectors/shutdown/describe-members.js';

const i16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const i32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const str = (s: string | null) => (s === null ? i16(-1) : Buffer.concat([i16(Buffer.byteLength(s)), Buffer.from(s)]));
const bytes = (b: Buffer) => Buffer.concat([i32(b.length), b]);

function describeResponse(members: Array<{ id: string; instance: string | null; client: string; host: string }>): Buffer {
  return Buffer.concat([
    i32(0), // throttle
    i32(1),
    i16(0),
    str('orders'),
    str('Stable'),
    str('consumer'),
    str('range'),
    i32(members.length),
    ...members.flatMap((m) => [str(m.id), str(m.instance), str(m.client), str(m.host), bytes(Buffer.from([0, 1, 2])), bytes(Buffer.alloc(0))]),
    i32(-2147483648), // authorized operations: not asked
  ]);
}

test('DescribeGroups v4: members with their group.instance.id (null for dynamic members), the host without its slash', () => {
  const [group] = decodeDescribeGroupsV4(
    describeResponse([
      { id: 'sarama-1', instance: 'orders-0', client: 'sarama', host: '/10.0.0.7' },
      { id: 'kgo-2', instance: null, client: 'kgo', host: '/10.0.0.8' },
    ]),
  );
  assert.equal(group!.groupId, 'orders');
  assert.equal(group!.state, 'Stable');
  assert.deepEqual(group!.members, [
    { memberId: 'sarama-1', groupInstanceId: 'orders-0', clientId: 'sarama', clientHost: '10.0.0.7' },
    { memberId: 'kgo-2', groupInstanceId: null, clientId: 'kgo', clientHost: '10.0.0.8' },
  ]);
});

test('a damaged answer is refused with a RangeError, never read past its end or allocated from a bogus count', () => {
  const good = describeResponse([{ id: 'a', instance: null, client: 'c', host: '/h' }]);
  for (let cut = 0; cut < good.length; cut++) assert.throws(() => decodeDescribeGroupsV4(good.subarray(0, cut)), RangeError, `cut at ${cut}`);
  const bogus = Buffer.concat([i32(0), i32(0x7fffffff)]);
  assert.throws(() => decodeDescribeGroupsV4(bogus), /array of 2147483647/);
});

test('FindCoordinator v1: the coordinator host and port', () => {
  const body = Buffer.concat([i32(0), i16(0), str(null), i32(3), str('broker-3.kafka'), i32(9093)]);
  assert.deepEqual(decodeFindCoordinatorV1(body), { errorCode: 0, host: 'broker-3.kafka', port: 9093 });
});
