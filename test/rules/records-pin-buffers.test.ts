// records-pin-buffers: Go heap profiles captured from the franz-go fixtures, kafkajs heap evidence.
import recordsPinBuffers, { pinnedBytesThreshold } from '../../src/rules/records-pin-buffers.js';
import { capturedGoEvidence } from '../helpers/captured-pprof.js';
import { v8HeapEvidence } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';

const MiB = 1048576;
const goHeap = (scenario: string, baseline?: string) => ({ goHeap: capturedGoEvidence(scenario, baseline).goHeap! });
const group = {
  path: 'kept (Array) → [i] → Object.value → Buffer → ArrayBuffer',
  messages: 100,
  buffers: 100,
  bytes: 25 * MiB,
  typicalBufferBytes: 256 * 1024,
};
const nodeHeap = (pinnedBytes: number, totalBytes: number) => ({
  v8Heap: v8HeapEvidence({ totalBytes, pinned: { totalBytes: pinnedBytes, buffers: 100, messages: 100, groups: [{ ...group, bytes: pinnedBytes }] } }),
});

ruleTester(recordsPinBuffers, {
  valid: [
    { name: 'the franz-go twin copies what it keeps', evidence: goHeap('franz-retain-fixed-6400') },
    { name: 'a Sarama producer, no consumer', evidence: goHeap('sarama-per-request-21') },
    { name: 'kafkajs: large but a small share of the heap', evidence: nodeHeap(20 * MiB, 200 * MiB) },
    { name: 'kafkajs: a large share but under the floor', evidence: nodeHeap(pinnedBytesThreshold - 1, 20 * MiB) },
  ],
  invalid: [
    {
      name: 'franz-go keeping value slices',
      evidence: goHeap('franz-retain-6400'),
      findings: [
        {
          summary: /^\d+\.\d MiB \(\d+% of \d+\.\d MiB in use\) held at franz-go decompression\/record sites$/,
          library: 'franz-go',
          confidence: 'likely',
          evidence: [/^decompression: /],
        },
      ],
    },
    {
      name: 'franz-go against its twin: growth confirmed',
      evidence: goHeap('franz-retain-6400', 'franz-retain-fixed-6400'),
      findings: [{ summary: /, \+\d+\.\d MiB since the baseline$/, confidence: 'confirmed' }],
    },
    {
      name: 'kafkajs kept messages pinning batches',
      evidence: nodeHeap(25 * MiB, 40 * MiB),
      findings: [
        {
          summary: '25.0 MiB (63% of 40.0 MiB) of fetch/decompression buffers pinned by 100 kept messages, typically 0.3 MiB behind each',
          library: 'kafkajs',
          data: { pinnedBytes: 25 * MiB, share: 63 },
        },
      ],
    },
  ],
  missing: {},
});
