// messages-kept (Node): a container that keeps most messages of each batch it consumed — kept data, not
// waste: the batch buffers are covered by the messages kept. Not a leak by itself (a cache can be meant), but
// an unbounded one is how a consumer runs out of memory; said with the container, its count and bytes.
// Severity: info; a warning when it grew between two snapshots (--compare) by ≥ 16 MiB, or holds more than
// 100,000 messages or 256 MiB. Groups below 1 MiB are left alone. Waste (few messages per buffer) is
// records-pin-buffers'.
// JVM (HPROF): a field of the service keeping ConsumerRecords whose keys and values cover most of the arrays
// behind them (their own copies: ByteArrayDeserializer, or buffers mostly theirs), the same bounds.
import { defineRule } from './define-rule.js';
import { isKeptData, jvmOwnerLocations, jvmUnlocated, mib, sizeText, wasteFloorBytes } from './helpers.js';
import type { Evidence } from '../collectors/types.js';
import type { JvmRecordGroup } from '../collectors/jvmheap/types.js';
import type { PinnedGroup } from '../collectors/v8heap/types.js';

const MiB = 1048576;
export const growthBound = 16 * MiB;
export const messageBound = 100_000;
export const bytesBound = 256 * MiB;

/** "Map `cache` (held by makeStore at store.js:12)", or the retainer path when no variable holds it */
function ownerName(g: PinnedGroup): string {
  if (!g.owner) return g.path.replace(/ → Object\.value → Buffer → ArrayBuffer$/, '');
  const at = `${g.owner.file.replace(/^file:\/\//, '')}:${g.owner.line}`;
  return `${g.owner.container} \`${g.owner.variable}\` (held by ${g.owner.function || '(top level)'} at ${at})`;
}

/** kafkajs's own fetched batches, not yet handed to eachMessage/eachBatch (it prefetches): in flight, not kept */
const inFlight = (g: PinnedGroup) => /\bBatch \(object\) → (rawMessages|messages)\b/.test(g.path);

/** what both runtimes say of a kept group: its growth since the older heap, or that it passed a bound; the severity that follows */
function bounds(g: { messages: number; bytes: number }, was: { messages: number; bytes: number } | undefined, compared: boolean, noun: string, older: string) {
  const grew = compared ? g.bytes - (was?.bytes ?? 0) : undefined;
  const large = g.messages > messageBound || g.bytes > bytesBound;
  const growing = grew !== undefined && grew >= growthBound;
  const more = g.messages - (was?.messages ?? 0);
  return {
    severity: growing || large ? ('warning' as const) : ('info' as const),
    confidence: growing ? ('confirmed' as const) : ('likely' as const),
    growth:
      grew !== undefined
        ? `; ${grew >= 0 ? '+' : ''}${mib(grew)} and ${more >= 0 ? '+' : ''}${more} ${noun} since the older ${older}`
        : large
          ? ` (more than ${messageBound.toLocaleString('en-US')} ${noun} or ${mib(bytesBound)})`
          : '',
  };
}

type JvmHeap = NonNullable<Evidence['jvmHeap']>;
const jvmKey = (g: JvmRecordGroup) => (g.owner ? `${g.owner.className}.${g.owner.field}` : g.path);

function jvmKept(jvm: JvmHeap) {
  const before = new Map((jvm.baseline?.records.groups ?? []).filter(isKeptData).map((g) => [jvmKey(g), g]));
  return jvm.records.groups
    .filter((g) => isKeptData(g) && g.bytes >= wasteFloorBytes && !g.inFlight)
    .slice(0, 5)
    .map((g) => {
      const was = before.get(jvmKey(g));
      const b = bounds(g, was, jvm.baseline !== undefined, 'records', 'dump');
      const locations = jvmOwnerLocations([g]);
      const unlocated = jvmUnlocated(locations.length > 0);
      const owner = g.owner ? `${g.owner.container} \`${g.owner.className}.${g.owner.field}\`` : g.path;
      return {
        messageId: 'jvmKept' as const,
        severity: b.severity,
        data: {
          owner,
          messages: g.messages,
          buffers: g.buffers,
          bytes: mib(g.bytes),
          keptBytes: g.bytes,
          growth: b.growth,
        },
        confidence: b.confidence,
        library: 'kafka-clients' as const,
        locations,
        ...(unlocated ? { unlocated } : {}),
        evidence: [
          {
            source: 'jvmHeap' as const,
            description: `${g.path}: ${g.messages} records, ${g.buffers} arrays, ${mib(g.bytes)} (their keys and values cover ${sizeText(g.coveredBytes)})`,
            data: { ...g },
          },
        ],
      };
    });
}

const ownerKey = (g: PinnedGroup) => (g.owner ? `${g.owner.file}:${g.owner.line}:${g.owner.variable}` : g.path);

export default defineRule({
  id: 'messages-kept',
  meta: {
    title: 'A container keeps consumed messages',
    description:
      'Most messages of each consumed batch are kept in one container (an array, a Map, an object): the batch buffers are data the service holds, not waste — a cache of messages, which grows without bound unless something evicts.',
    severity: 'info',
    messages: {
      kept: '{owner} keeps {messages} messages → {buffers} decompressed batch buffers, {bytes}{growth}',
      jvmKept: '{owner} keeps {messages} ConsumerRecords → {buffers} arrays, {bytes}{growth}',
    },
    fix: {
      kafkajs: `Keep what you need from a message, not the message: parse it (JSON.parse(message.value)) or copy the bytes
(Buffer.from(message.value)), and bound the container (an LRU with a maximum size, a TTL, or a store outside
the process). Each kept message keeps its whole decompressed batch alive until the last one of it goes.`,
      sarama: 'Not evaluated for Go: a Go heap profile shows where buffers were allocated, not who keeps them (see records-pin-buffers).',
      'franz-go': 'Not evaluated for Go: a Go heap profile shows where buffers were allocated, not who keeps them (see records-pin-buffers).',
      'kafka-clients': `Keep what you need from a record, not the ConsumerRecord: its parsed value, or a copy of its bytes,
and bound the container (an LRU with a maximum size such as Caffeine's maximumSize, a TTL, or a store outside
the JVM).`,
      unknown: 'Keep parsed values or copies instead of messages, and bound the container (a maximum size, a TTL, or a store outside the process).',
    },
  },
  needs: ['v8Heap', 'jvmHeap'],
  needsAny: true,
  check(evidence) {
    const jvm = evidence.jvmHeap as typeof evidence.jvmHeap | undefined;
    const jvmFindings = jvm ? jvmKept(jvm) : [];
    const heap = evidence.v8Heap as typeof evidence.v8Heap | undefined;
    if (!heap) return jvmFindings;
    const before = new Map((heap.baseline?.pinned.groups ?? []).filter(isKeptData).map((g) => [ownerKey(g), g]));
    const v8Findings = heap.pinned.groups
      .filter((g) => isKeptData(g) && g.bytes >= wasteFloorBytes && !inFlight(g))
      .slice(0, 5)
      .map((g) => {
        const was = before.get(ownerKey(g));
        const b = bounds(g, was, heap.baseline !== undefined, 'messages', 'snapshot');
        return {
          messageId: 'kept' as const,
          severity: b.severity,
          data: {
            owner: ownerName(g),
            messages: g.messages,
            buffers: g.buffers,
            bytes: mib(g.bytes),
            keptBytes: g.bytes,
            growth: b.growth,
          },
          confidence: b.confidence,
          library: 'kafkajs' as const,
          locations: g.owner
            ? [
                {
                  file: g.owner.file,
                  line: g.owner.line,
                  column: g.owner.column,
                  function: `${g.owner.function} (holding ${g.owner.variable}: ${g.owner.container})`,
                  count: g.messages,
                  countOf: 'messages',
                  from: 'runtime' as const,
                },
              ]
            : [],
          ...(g.owner
            ? {}
            : { unlocated: 'no variable of a function scope holds the container on its shortest retainer path (a global, or a library object)' }),
          evidence: [
            {
              source: 'v8Heap' as const,
              description: `${g.path}: ${g.messages} messages, ${g.buffers} buffers (${(g.messages / g.buffers).toFixed(0)} messages each), ${mib(g.bytes)}`,
              data: { ...g },
            },
          ],
        };
      });
    return [...jvmFindings, ...v8Findings];
  },
});
