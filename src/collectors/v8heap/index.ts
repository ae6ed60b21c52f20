// The V8 heap collector: a snapshot file (or one taken from a live Node process) → Kafka-aware evidence.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeHeap } from './analyze-heap.js';
import { HeapGraph } from './heap-graph.js';
import { readHeapSnapshot } from './read-heap-snapshot.js';
import { snapshotViaInspector } from './take-snapshot.js';
import { collect, type CollectorResult } from '../types.js';
import type { HeapAnalysis, V8HeapEvidence } from './types.js';

export async function analyzeSnapshotFile(file: string, onProgress?: (fraction: number) => void): Promise<HeapAnalysis> {
  const snapshot = await readHeapSnapshot(file, onProgress);
  return analyzeHeap(new HeapGraph(snapshot), snapshot.fileBytes);
}

export async function readV8Heap(file: string, compare?: string, onProgress?: (fraction: number) => void): Promise<V8HeapEvidence> {
  const baseline = compare ? await analyzeSnapshotFile(compare, onProgress) : undefined;
  return { source: file, ...(await analyzeSnapshotFile(file, onProgress)), ...(baseline ? { baseline } : {}) };
}

/** A snapshot file read and analysed; never throws. */
export function collectV8Heap(
  file: string,
  options: { compare?: string; onProgress?: (fraction: number) => void } = {},
): Promise<CollectorResult<V8HeapEvidence>> {
  return collect(() => readV8Heap(file, options.compare, options.onProgress));
}

/** A snapshot of a live Node process through its inspector (the caller has the user's consent), read, then removed. */
export async function collectV8HeapOfProcess(pid: number): Promise<CollectorResult<V8HeapEvidence>> {
  const file = join(tmpdir(), `kleak-${pid}-${Date.now()}.heapsnapshot`);
  try {
    return await collect(async () => {
      await snapshotViaInspector(pid, file);
      return readV8Heap(file);
    });
  } finally {
    rmSync(file, { force: true });
  }
}
