// The V8 heap collector: a snapshot file → Kafka-aware evidence.
import { analyzeHeap, type HeapAnalysis } from './analyze-heap.js';
import { HeapGraph } from './heap-graph.js';
import { readHeapSnapshot } from './read-heap-snapshot.js';

export interface V8HeapEvidence extends HeapAnalysis {
  source: string;
  /** with --compare: the older snapshot */
  baseline?: HeapAnalysis;
}

export async function analyzeSnapshotFile(file: string, onProgress?: (fraction: number) => void): Promise<HeapAnalysis> {
  const snapshot = await readHeapSnapshot(file, onProgress);
  return analyzeHeap(new HeapGraph(snapshot), snapshot.fileBytes);
}

export async function collectV8Heap(file: string, compare?: string, onProgress?: (fraction: number) => void): Promise<V8HeapEvidence> {
  const baseline = compare ? await analyzeSnapshotFile(compare, onProgress) : undefined;
  return { source: file, ...(await analyzeSnapshotFile(file, onProgress)), ...(baseline ? { baseline } : {}) };
}
