// Offsets the shutdown check records with kafkajs's admin: a group's committed offsets, the topics'
// end offsets, and the read-back of what was produced between two sets of end offsets.
import type { Admin, Kafka } from 'kafkajs';
import { withTimeout } from '../cluster/kafkajs-calls.js';
import { idsIn } from './drive-ids.js';

export type Offsets = Record<string, number>;
const key = (topic: string, partition: number) => `${topic}/${partition}`;

/** Committed offsets of a group, every topic it committed for ("topic/partition" → offset; -1 never committed). */
export async function committedOffsets(admin: Admin, groupId: string, topics?: string[]): Promise<Offsets> {
  const answer = await withTimeout(admin.fetchOffsets({ groupId, ...(topics?.length ? { topics } : {}) }), 5000, `OffsetFetch ${groupId}`);
  const out: Offsets = {};
  for (const t of answer) for (const p of t.partitions) out[key(t.topic, p.partition)] = Number(p.offset);
  return out;
}

export async function endOffsets(admin: Admin, topics: readonly string[]): Promise<Offsets> {
  const out: Offsets = {};
  for (const topic of topics) {
    const answer = await withTimeout(admin.fetchTopicOffsets(topic), 5000, `ListOffsets ${topic}`);
    for (const p of answer) out[key(topic, p.partition)] = Number(p.high);
  }
  return out;
}

/** Partitions whose committed offset moved forward between two readings. */
export function movedPartitions(before: Offsets, after: Offsets): number {
  return Object.entries(after).filter(([k, v]) => v >= 0 && v > (before[k] ?? -1)).length;
}

/** end − committed, over partitions with a commit. */
export function uncommitted(end: Offsets, committed: Offsets): number {
  let sum = 0;
  for (const [k, c] of Object.entries(committed)) if (c >= 0 && end[k] !== undefined) sum += Math.max(0, end[k] - c);
  return sum;
}

export interface ReadBack {
  /** id → times found */
  found: Map<string, number>;
  scanned: number;
  complete: boolean;
}

/**
 * Reads the topics from `from` to `to` (per partition) and counts this run's ids. A consumer group of
 * kleak's own reads them (kafkajs needs one): it commits nothing and is deleted after.
 */
export async function readIds(kafka: Kafka, admin: Admin, from: Offsets, to: Offsets, runId: string, timeoutMs = 20_000): Promise<ReadBack> {
  const found = new Map<string, number>();
  const wanted = Object.entries(to).filter(([k, end]) => end > (from[k] ?? 0));
  if (wanted.length === 0) return { found, scanned: 0, complete: true };
  const groupId = `kleak-shutdown-check-${runId}`;
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 200 });
  const remaining = new Map(wanted.map(([k, end]) => [k, end]));
  let scanned = 0;
  const seen = new Set<string>();
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  try {
    await consumer.connect();
    const topics = [...new Set(wanted.map(([k]) => k.slice(0, k.lastIndexOf('/'))))];
    await consumer.subscribe({ topics, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: ({ batch }) => {
        const k = key(batch.topic, batch.partition);
        const start = from[k] ?? 0;
        const end = remaining.get(k);
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (end === undefined || offset < start || offset >= end || seen.has(`${k}@${offset}`)) continue;
          seen.add(`${k}@${offset}`);
          scanned++;
          const text = [m.key?.toString('latin1') ?? '', m.value?.toString('latin1') ?? '', ...Object.values(m.headers ?? {}).map((h) => String(h))].join(' ');
          for (const id of new Set(idsIn(text, runId))) found.set(id, (found.get(id) ?? 0) + 1);
          if (offset >= end - 1) remaining.delete(k);
        }
        if (remaining.size === 0) done();
        return Promise.resolve();
      },
    });
    for (const [k] of wanted) {
      const slash = k.lastIndexOf('/');
      consumer.seek({ topic: k.slice(0, slash), partition: Number(k.slice(slash + 1)), offset: String(from[k] ?? 0) });
    }
    const timer = setTimeout(done, timeoutMs);
    await finished;
    clearTimeout(timer);
  } finally {
    await consumer.disconnect().catch(() => {});
    await admin.deleteGroups([groupId]).catch(() => {});
  }
  return { found, scanned, complete: remaining.size === 0 };
}
