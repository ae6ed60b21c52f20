// records-pin-buffers: Go heap profiles captured from the franz-go fixtures, kafkajs heap evidence.
import recordsPinBuffers from '../../src/rules/records-pin-buffers.js';
import { wasteFloorBytes } from '../../src/rules/helpers.js';
import { capturedGoEvidence } from '../helpers/captured-pprof.js';
import { jvmHeapEvidence, recordCacheGroup, v8HeapEvidence } from '../helpers/evidence.js';
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
    { name: 'kafkajs: pinned buffers under the 1 MiB floor', evidence: nodeHeap(wasteFloorBytes - 1, 2 * MiB) },
    {
      name: 'kafkajs: a container keeping 64 messages of each batch — kept data, messages-kept’s, not waste',
      evidence: {
        v8Heap: v8HeapEvidence({
          totalBytes: 40 * MiB,
          pinned: { totalBytes: 25 * MiB, buffers: 100, messages: 6400, groups: [{ ...group, messages: 6400 }] },
        }),
      },
    },
    {
      name: 'JVM: the records of a ByteArrayDeserializer cache cover their own arrays — kept data, messages-kept’s',
      evidence: { jvmHeap: jvmHeapEvidence([{ ...recordCacheGroup, buffers: 20, bytes: 20 * 1040, coveredBytes: 20 * 1024, typicalBufferBytes: 1040 }]) },
    },
    {
      name: 'JVM: records poll() returned that the loop still iterates — held by kafka-clients, in flight',
      evidence: {
        jvmHeap: jvmHeapEvidence([
          { ...recordCacheGroup, inFlight: true, owner: undefined, path: 'Thread → … → ConsumerRecords → records → HashMap → … → ConsumerRecord' },
        ]),
      },
    },
  ],
  invalid: [
    {
      name: 'JVM: the record-cache fixture’s 20 records pinning 19 fetch responses, at RecordCache.recent',
      evidence: { jvmHeap: jvmHeapEvidence([recordCacheGroup]) },
      findings: [
        {
          summary:
            '19.0 MiB (81% of 23.6 MiB) of fetch responses pinned by 20 kept ConsumerRecords whose keys and values cover 20.0 KiB of it: 1.1 records per buffer, typically 1.0 MiB each',
          library: 'kafka-clients',
          confidence: 'likely',
          data: { pinnedBytes: 19924350, messages: 20 },
          locations: [
            { file: 'kleak/fixtures/RecordCache.java', function: 'RecordCache.recent (static field: java.util.ArrayList)', declares: 'recent', count: 20 },
          ],
        },
      ],
    },
    {
      name: 'JVM: against an older dump with half of them: growth, and the records kept with no field of the service said why',
      evidence: { jvmHeap: jvmHeapEvidence([{ ...recordCacheGroup, owner: undefined }], { baseline: [{ ...recordCacheGroup, bytes: 2 * MiB }] }) },
      findings: [{ summary: /; \+17\.0 MiB since the baseline$/, confidence: 'confirmed', unlocated: /^no field of the service holds the records/ }],
    },
    {
      name: 'franz-go keeping value slices',
      evidence: goHeap('franz-retain-6400'),
      findings: [
        {
          summary: /^\d+\.\d MiB \(\d+% of \d+\.\d MiB in use\) held at franz-go decompression\/record sites$/,
          library: 'franz-go',
          confidence: 'likely',
          evidence: [/^decompression: /],
          // franz-go decompresses in its own fetch goroutine: no frame of the service's on those stacks, said why
          unlocated: /^the buffers were allocated in franz-go's own fetch goroutine \(github\.com\/twmb\/franz-go\/pkg\/kgo\.\(\*source\)\.handleReqResp\)/,
        },
      ],
    },
    {
      name: 'franz-go against its twin: growth confirmed',
      evidence: goHeap('franz-retain-6400', 'franz-retain-fixed-6400'),
      findings: [{ summary: /, \+\d+\.\d MiB since the baseline$/, confidence: 'confirmed' }],
    },
    {
      name: 'kafkajs kept messages pinning batches, one message per buffer: waste',
      evidence: nodeHeap(25 * MiB, 40 * MiB),
      findings: [
        {
          summary:
            '25.0 MiB (63% of 40.0 MiB) of fetch/decompression buffers pinned by 100 kept messages (1.0 per buffer), typically 0.3 MiB behind each: whole batches kept for a few records',
          library: 'kafkajs',
          data: { pinnedBytes: 25 * MiB, share: 63 },
        },
      ],
    },
    {
      name: 'kafkajs waste at a small share of a large heap: reported (no share threshold)',
      evidence: nodeHeap(20 * MiB, 200 * MiB),
      findings: [{ summary: /^20\.0 MiB \(10% of 200\.0 MiB\) .* by 100 kept messages \(1\.0 per buffer\)/ }],
    },
  ],
  missing: {},
});
