// messages-kept: kafkajs heap evidence with groups dense (a container of messages) and sparse (waste).
import messagesKept from '../../src/rules/messages-kept.js';
import { jvmHeapEvidence, recordCacheGroup, v8HeapEvidence } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';
import type { PinnedGroup } from '../../src/collectors/v8heap/types.js';

const MiB = 1048576;
const cache = (messages: number, buffers: number, bytes: number): PinnedGroup => ({
  path: 'system / Context (object) → cache → Map (object) → table → [i] → Object.value → Buffer → ArrayBuffer',
  messages,
  buffers,
  bytes,
  typicalBufferBytes: bytes / buffers,
  owner: { variable: 'cache', container: 'Map', function: 'makeStore', file: '/srv/orders/store.js', line: 12, column: 17 },
});
const heap = (groups: PinnedGroup[], baseline?: PinnedGroup[]) =>
  v8HeapEvidence({
    totalBytes: 64 * MiB,
    pinned: { totalBytes: groups.reduce((n, g) => n + g.bytes, 0), buffers: 0, messages: 0, groups },
    ...(baseline ? { baseline: { ...v8HeapEvidence({ pinned: { totalBytes: 0, buffers: 0, messages: 0, groups: baseline } }) } } : {}),
  });

ruleTester(messagesKept, {
  valid: [
    { name: 'no kept messages', evidence: { v8Heap: heap([]) } },
    { name: 'a few messages per buffer: waste, records-pin-buffers’s', evidence: { v8Heap: heap([cache(40, 40, 10 * MiB)]) } },
    { name: 'a small cache under 1 MiB', evidence: { v8Heap: heap([cache(500, 2, 0.5 * MiB)]) } },
    {
      name: 'JVM: the record-cache fixture’s pinned fetch responses are waste, records-pin-buffers’s',
      evidence: { jvmHeap: jvmHeapEvidence([recordCacheGroup]) },
    },
    {
      name: 'kafkajs’s own prefetched batches (captured from the fixed twin): in flight, not kept',
      evidence: {
        v8Heap: heap([
          {
            path: 'array (array) → [i] → Array (object) → [i] → Batch (object) → rawMessages → Array (object) → [i] → Object.value → Buffer → ArrayBuffer',
            messages: 3584,
            buffers: 56,
            bytes: 14712320,
            typicalBufferBytes: 262720,
          },
        ]),
      },
    },
  ],
  invalid: [
    {
      name: 'JVM: 20,000 records of a ByteArrayDeserializer consumer kept in a static list: info, at the field',
      evidence: {
        jvmHeap: jvmHeapEvidence([
          { ...recordCacheGroup, messages: 20_000, buffers: 20_000, bytes: 20_000 * 1040, coveredBytes: 20_000 * 1024, typicalBufferBytes: 1040 },
        ]),
      },
      findings: [
        {
          summary: 'java.util.ArrayList `kleak.fixtures.RecordCache.recent` keeps 20000 ConsumerRecords → 20000 arrays, 19.8 MiB',
          severity: 'info',
          library: 'kafka-clients',
          locations: [{ file: 'kleak/fixtures/RecordCache.java', declares: 'recent', count: 20_000 }],
        },
      ],
    },
    {
      name: 'a Map keeping 20,000 messages of 40 batches: info, with the container and its line',
      evidence: { v8Heap: heap([cache(20_000, 40, 19.8 * MiB)]) },
      findings: [
        {
          summary: 'Map `cache` (held by makeStore at /srv/orders/store.js:12) keeps 20000 messages → 40 decompressed batch buffers, 19.8 MiB',
          severity: 'info',
          library: 'kafkajs',
          confidence: 'likely',
        },
      ],
    },
    {
      name: 'grown by 19.8 MiB since the older snapshot: a warning, confirmed',
      evidence: { v8Heap: heap([cache(40_000, 80, 39.6 * MiB)], [cache(20_000, 40, 19.8 * MiB)]) },
      findings: [
        {
          summary: /keeps 40000 messages → 80 decompressed batch buffers, 39\.6 MiB; \+19\.8 MiB and \+20000 messages since the older snapshot$/,
          severity: 'warning',
          confidence: 'confirmed',
        },
      ],
    },
    {
      name: 'more than 100,000 messages: a warning',
      evidence: { v8Heap: heap([cache(150_000, 300, 150 * MiB)]) },
      findings: [{ summary: /150000 messages .* \(more than 100,000 messages or 256\.0 MiB\)$/, severity: 'warning' }],
    },
  ],
  missing: {},
});
