// records-pin-buffers (Go): in-use heap held at Kafka's decompression / record allocation sites.
// Why it leaks: Sarama and franz-go hand out record Key/Value as sub-slices of the decompressed batch
// (or of the whole fetch response when uncompressed); keeping any of them — or a shallow copy of a
// record — keeps the whole buffer alive.
// Node (V8 heap): the groups of kept kafkajs messages that keep few messages per batch buffer (fewer than
// keptDataDensity): the buffers are mostly records nobody keeps — waste — reported from 1 MiB whatever the
// heap's size. A container keeping most messages of each batch is kept data, not waste: messages-kept.
// JVM (HPROF): the ConsumerRecords a field of the service keeps whose raw values (ByteBufferDeserializer, or a
// ByteBuffer/byte[] the service keeps) are views into much larger arrays — the whole fetch response each was read
// from — covering less than half of them: reported from 1 MiB, as for Node.
// Go thresholds: decompression and record-slab sites holding ≥ 16 MiB and ≥ 30% of in-use bytes, or
// growing by ≥ 16 MiB against a baseline. Response buffers count only above 100 MiB: a consumer
// legitimately holds fetch responses up to FetchMaxBytes (50 MiB by default) in flight
// (franz-go #701: bounded growth that looks like a leak).
import { defineRule, type FindingDraft } from './define-rule.js';
import { findingLibrary, goLibraryNames, isKeptData, jvmOwnerLocations, jvmUnlocated, mib, sizeText, wasteFloorBytes } from './helpers.js';
import type { KafkaHeapSite } from '../collectors/goruntime/types.js';
import type { PinnedGroup } from '../collectors/v8heap/types.js';
import type { SourceLocation } from '../types.js';

/** The functions whose scope holds the kept messages (the snapshot's closures), most messages first. */
function ownerLocations(groups: readonly PinnedGroup[]): SourceLocation[] {
  const by = new Map<string, SourceLocation>();
  for (const g of groups) {
    if (!g.owner) continue;
    const key = `${g.owner.file}:${g.owner.line}:${g.owner.column}`;
    const at = by.get(key) ?? {
      file: g.owner.file,
      line: g.owner.line,
      column: g.owner.column,
      function: `${g.owner.function} (holding ${g.owner.variable}: ${g.owner.container})`,
      count: 0,
      countOf: 'messages',
      from: 'runtime' as const,
    };
    at.count = (at.count ?? 0) + g.messages;
    by.set(key, at);
  }
  return [...by.values()].sort((a, b) => (b.count ?? 0) - (a.count ?? 0));
}

const MiB = 1048576;
export const pinnedBytesThreshold = 16 * MiB;

export const pinnedShareThreshold = 0.3;
export const responseBufferThreshold = 100 * MiB;

export default defineRule({
  id: 'records-pin-buffers',
  meta: {
    title: 'Kept records pin whole fetch or decompression buffers',
    description:
      "A large share of the heap is held at the Kafka client's decompression or response-buffer allocation sites: records (or slices of their values) are kept, and each keeps its whole batch buffer alive.",
    severity: 'warning',
    messages: {
      nodePinned:
        '{pinned} ({share}% of {heap}) of fetch/decompression buffers pinned by {messages} kept messages ({perBuffer} per buffer), typically {typicalBuffer} behind each: whole batches kept for a few records{sinceBaseline}',
      goPinned: '{pinned} ({share}% of {heap} in use) held at {library} decompression/record sites{sinceBaseline}{responses}',
      jvmPinned:
        '{pinned} ({share}% of {heap}) of fetch responses pinned by {messages} kept ConsumerRecords whose keys and values cover {covered} of it: {perBuffer} records per buffer, typically {typicalBuffer} each{sinceBaseline}',
    },
    fix: {
      sarama: `Copy what you keep out of a message instead of keeping the message or a slice of it:
  id := bytes.Clone(msg.Value[:16])           // not msg.Value[:16], not msg
  store(id)
Keep parsed values, not *ConsumerMessage; bound any in-memory store.`,
      'franz-go': `Clone what you keep from a record (Record.Value is a slice of the decompressed batch):
  kept = append(kept, bytes.Clone(r.Value[:16])) // not r.Value[:16], not r
Keep parsed values, not *kgo.Record; with kgo.WithPools, call r.Recycle() when done.`,
      kafkajs: 'Copy what you keep: Buffer.from(message.value); keep parsed values, not message objects.',
      'kafka-clients': `Copy the bytes you keep out of a record's ByteBuffer value instead of keeping the record or the buffer
(it is a view into the whole fetch response it was read from):
  ByteBuffer v = record.value();
  byte[] kept = new byte[v.remaining()];
  v.duplicate().get(kept);                   // not recent.add(record), not recent.add(v)
or consume with ByteArrayDeserializer (it copies); keep parsed values, not ConsumerRecords; bound the store.`,
      unknown: 'Copy the bytes you keep out of consumed records; keep parsed values, not the records; bound the store.',
    },
  },
  needs: ['goHeap', 'v8Heap', 'jvmHeap'],
  needsAny: true,
  check(evidence) {
    const findings: FindingDraft<'nodePinned' | 'goPinned' | 'jvmPinned'>[] = [];
    const jvm = evidence.jvmHeap as typeof evidence.jvmHeap | undefined;
    if (jvm) {
      const wasteOf = (groups: typeof jvm.records.groups) => groups.filter((g) => !g.inFlight && g.buffers > 0 && !isKeptData(g));
      const sparse = wasteOf(jvm.records.groups);
      const pinned = sparse.reduce((n, g) => n + g.bytes, 0);
      const before = jvm.baseline ? wasteOf(jvm.baseline.records.groups).reduce((n, g) => n + g.bytes, 0) : undefined;
      const growth = before === undefined ? undefined : pinned - before;
      if ((sparse.length && pinned >= wasteFloorBytes) || (growth !== undefined && growth >= pinnedBytesThreshold)) {
        const messages = sparse.reduce((n, g) => n + g.messages, 0);
        const buffers = sparse.reduce((n, g) => n + g.buffers, 0);
        const locations = jvmOwnerLocations(sparse);
        const unlocated = jvmUnlocated(locations.length > 0);
        findings.push({
          messageId: 'jvmPinned' as const,
          data: {
            pinned: mib(pinned),
            pinnedBytes: pinned,
            share: Math.round((jvm.totalBytes ? pinned / jvm.totalBytes : 0) * 100),
            heap: mib(jvm.totalBytes),
            messages,
            covered: sizeText(sparse.reduce((n, g) => n + g.coveredBytes, 0)),
            coveredBytes: sparse.reduce((n, g) => n + g.coveredBytes, 0),
            perBuffer: (messages / Math.max(1, buffers)).toFixed(1),
            typicalBuffer: mib(sparse[0]!.typicalBufferBytes),
            sinceBaseline: growth !== undefined ? `; ${growth >= 0 ? '+' : ''}${mib(growth)} since the baseline` : '',
          },
          confidence: growth !== undefined && growth >= pinnedBytesThreshold ? ('confirmed' as const) : ('likely' as const),
          library: 'kafka-clients' as const,
          locations,
          ...(unlocated ? { unlocated } : {}),
          evidence: sparse.slice(0, 5).map((g) => ({
            source: 'jvmHeap' as const,
            description: `${g.path}: ${g.messages} records, ${g.buffers} buffers, ${mib(g.bytes)} (their keys and values cover ${sizeText(g.coveredBytes)})`,
            data: { ...g },
          })),
        });
      }
    }
    const heap = evidence.v8Heap as typeof evidence.v8Heap | undefined;
    if (heap) {
      const sparse = heap.pinned.groups.filter((g) => !isKeptData(g));
      const pinned = sparse.reduce((n, g) => n + g.bytes, 0);
      const messages = sparse.reduce((n, g) => n + g.messages, 0);
      const buffers = sparse.reduce((n, g) => n + g.buffers, 0);
      const before = heap.baseline?.pinned.groups.filter((g) => !isKeptData(g)).reduce((n, g) => n + g.bytes, 0);
      const growth = before === undefined ? undefined : pinned - before;
      const share = heap.totalBytes ? pinned / heap.totalBytes : 0;
      if ((sparse.length && pinned >= wasteFloorBytes) || (growth !== undefined && growth >= pinnedBytesThreshold)) {
        const top = sparse[0]!;
        findings.push({
          messageId: 'nodePinned' as const,
          data: {
            pinned: mib(pinned),
            pinnedBytes: pinned,
            share: Math.round(share * 100),
            heap: mib(heap.totalBytes),
            messages,
            perBuffer: (messages / Math.max(1, buffers)).toFixed(1),
            typicalBuffer: mib(top.typicalBufferBytes),
            sinceBaseline: growth !== undefined ? `; ${growth >= 0 ? '+' : ''}${mib(growth)} since the baseline` : '',
          },
          confidence: growth !== undefined && growth >= pinnedBytesThreshold ? ('confirmed' as const) : ('likely' as const),
          library: 'kafkajs' as const,
          locations: ownerLocations(sparse),
          evidence: sparse.slice(0, 5).map((g) => ({
            source: 'v8Heap' as const,
            description: `${g.path}: ${g.messages} messages, ${g.buffers} buffers, ${mib(g.bytes)}`,
            data: { ...g },
          })),
        });
      }
    }
    const goHeap = evidence.goHeap as typeof evidence.goHeap | undefined;
    if (!goHeap) return findings;
    const pinning = (s: KafkaHeapSite) => s.site === 'decompression' || s.site === 'record-slab';
    for (const library of new Set(goHeap.sites.map((s) => s.library))) {
      const sites = goHeap.sites.filter((s) => s.library === library);
      const pinned = sites.filter(pinning).reduce((n, s) => n + s.inuseBytes, 0);
      const responses = sites.filter((s) => s.site === 'response-buffer').reduce((n, s) => n + s.inuseBytes, 0);
      const before = goHeap.baseline?.sites.filter((s) => s.library === library && pinning(s)).reduce((n, s) => n + s.inuseBytes, 0);
      const growth = before === undefined ? undefined : pinned - before;
      const share = goHeap.inuseBytes ? pinned / goHeap.inuseBytes : 0;
      const large = pinned >= pinnedBytesThreshold && share >= pinnedShareThreshold;
      const growing = growth !== undefined && growth >= pinnedBytesThreshold;
      const hugeResponses = responses >= responseBufferThreshold;
      if (!large && !growing && !hugeResponses) continue;
      findings.push({
        messageId: 'goPinned' as const,
        data: {
          pinned: mib(pinned),
          pinnedBytes: pinned,
          share: Math.round(share * 100),
          heap: mib(goHeap.inuseBytes),
          library: goLibraryNames[library],
          sinceBaseline: growth !== undefined ? `, ${growth >= 0 ? '+' : ''}${mib(growth)} since the baseline` : '',
          responses: hugeResponses ? `; ${mib(responses)} in fetch response buffers` : '',
        },
        confidence: growing ? ('confirmed' as const) : ('likely' as const),
        library: findingLibrary(library),
        // the service's frames on the allocating stacks, where the profile shows any (grouped, most bytes first)
        locations: sites
          .filter(pinning)
          .flatMap((s) => s.keepers)
          .sort((a, b) => b.inuseBytes - a.inuseBytes)
          .slice(0, 5)
          .map((k) => ({ file: k.file, line: k.line, function: `${k.function} (${mib(k.inuseBytes)} in use)`, from: 'runtime' as const })),
        unlocated: `the buffers were allocated in ${goLibraryNames[library]}'s own fetch goroutine (${
          sites.find(pinning)?.topStacks[0]?.frames.find((f) => f.includes('(*source)') || f.includes('Broker') || f.includes('consumer')) ??
          'no frame of the service on the stacks'
        }): a heap profile shows where memory was allocated, not what keeps it — \`kleak scan\` (or diagnose --source DIR) finds the code that stores records`,
        evidence: sites.map((s) => ({
          source: 'goHeap' as const,
          description: `${s.site}: ${mib(s.inuseBytes)} in ${s.inuseObjects} objects (${(s.share * 100).toFixed(1)}%); top stack ${s.topStacks[0]?.frames.slice(0, 3).join(' ← ') ?? ''}`,
          data: { site: s.site, inuseBytes: s.inuseBytes, share: s.share },
        })),
      });
    }
    return findings;
  },
});
