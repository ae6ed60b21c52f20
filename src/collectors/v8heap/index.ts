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

/**
 * With KLEAK_HEAP_TIMINGS=1 in the environment, each snapshot's steps are timed and printed to stderr
 * (one line: parse, graph, dominators, retained, kafka, each with the RSS at its end, the total and the process's peak RSS so far).
 */
function phaseTimer(file: string): { mark: (phase: string) => void; report: () => void } | undefined {
  if (!process.env.KLEAK_HEAP_TIMINGS || process.env.KLEAK_HEAP_TIMINGS === '0') return undefined;
  const started = performance.now();
  let last = started;
  const phases: string[] = [];
  return {
    mark(phase) {
      const now = performance.now();
      phases.push(`${phase} ${Math.round(now - last)} ms (RSS ${Math.round(process.memoryUsage.rss() / 2 ** 20)} MiB)`);
      last = now;
    },
    report() {
      const peak = Math.round(process.resourceUsage().maxRSS / 1024);
      process.stderr.write(`kleak heap timings: ${phases.join(', ')}, total ${Math.round(last - started)} ms, peak RSS ${peak} MiB (${file})\n`);
    },
  };
}

export async function analyzeSnapshotFile(file: string, onProgress?: (fraction: number) => void): Promise<HeapAnalysis> {
  const timer = phaseTimer(file);
  const snapshot = await readHeapSnapshot(file, onProgress);
  timer?.mark('parse');
  const graph = new HeapGraph(snapshot);
  if (timer) graph.onPhase = timer.mark;
  const analysis = analyzeHeap(graph, snapshot.fileBytes);
  timer?.mark('kafka');
  timer?.report();
  return analysis;
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
