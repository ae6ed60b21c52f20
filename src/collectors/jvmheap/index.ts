// The JVM heap collector: an HPROF file (or a dump a running JVM wrote through attach) → Kafka-aware evidence.
import { dumpJvmHeap } from '../jvm/take-heap-dump.js';
import { collect, type CollectorResult } from '../types.js';
import { analyzeHprof } from './analyze-hprof.js';
import { readHprof } from './read-hprof.js';
import type { JvmHeapAnalysis, JvmHeapEvidence } from './types.js';

export async function analyzeHprofFile(file: string, onProgress?: (fraction: number) => void): Promise<JvmHeapAnalysis> {
  const heap = await readHprof(file, onProgress);
  return analyzeHprof(heap, heap.fileBytes);
}

export async function readJvmHeap(file: string, compare?: string, onProgress?: (fraction: number) => void): Promise<JvmHeapEvidence> {
  const baseline = compare ? await analyzeHprofFile(compare, onProgress) : undefined;
  return { source: file, ...(await analyzeHprofFile(file, onProgress)), ...(baseline ? { baseline } : {}) };
}

/** An HPROF file read and analysed; never throws. */
export function collectJvmHeap(
  file: string,
  options: { compare?: string; onProgress?: (fraction: number) => void } = {},
): Promise<CollectorResult<JvmHeapEvidence>> {
  return collect(() => readJvmHeap(file, options.compare, options.onProgress));
}

/** A heap dump of a running JVM through attach (the caller has the user's consent), read, then removed from its /tmp. */
export function collectJvmHeapOfProcess(pid: number): Promise<CollectorResult<JvmHeapEvidence>> {
  return collect(async () => {
    const dump = await dumpJvmHeap(pid);
    try {
      return await readJvmHeap(dump.path);
    } finally {
      dump.remove();
    }
  });
}
