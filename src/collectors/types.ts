// What collectors hand to rules: one evidence kind each, and a result that never throws.
import { describeCause, isKleakError } from '../errors.js';

/** Each evidence kind and the type its collector produces; later collectors add theirs here. */
export interface EvidenceMap {
  sockets: import('./process/types.js').SocketInventory;
  watch: import('./watch/index.js').WatchResult;
  goroutines: import('./goruntime/index.js').GoroutineEvidence;
  goHeap: import('./goruntime/index.js').GoHeapEvidence;
  cluster: import('./cluster/index.js').ClusterEvidence;
  v8Heap: import('./v8heap/index.js').V8HeapEvidence;
}

export type EvidenceKind = keyof EvidenceMap | 'source';
export type CollectorStatus = 'ok' | 'skipped' | 'failed';

export type CollectorResult<T> =
  | { status: 'ok'; evidence: T; warnings: string[] }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; error: { message: string; hint?: string } };

export function ok<T>(evidence: T, warnings: string[] = []): CollectorResult<T> {
  return { status: 'ok', evidence, warnings };
}

export function skipped<T>(reason: string): CollectorResult<T> {
  return { status: 'skipped', reason };
}

/** Turns a thrown error into a failed result; a missing source weakens a diagnosis, it does not stop it. */
export function failed<T>(error: unknown): CollectorResult<T> {
  if (isKleakError(error)) return { status: 'failed', error: { message: error.message, hint: error.hint } };
  return { status: 'failed', error: { message: describeCause(error) ?? 'unknown error' } };
}
