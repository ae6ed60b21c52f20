// What collectors hand to rules: one evidence kind each, and a result that never throws.
// Types only from each collector's own types.ts, so rules can import this without any collector code.
import { describeCause, isKleakError, KleakError } from '../errors.js';
import type { EvidenceKind } from '../types.js';
import type { ClusterEvidence } from './cluster/types.js';
import type { GoHeapEvidence, GoroutineEvidence } from './goruntime/types.js';
import type { SocketInventory } from './process/types.js';
import type { JvmHeapEvidence } from './jvmheap/types.js';
import type { V8HeapEvidence } from './v8heap/types.js';
import type { WatchResult } from './watch/types.js';
import type { SourceEvidence } from './source/types.js';
import type { ShutdownEvidence } from './shutdown/types.js';

/** Each evidence kind and the type its collector produces. */
export interface EvidenceMap {
  sockets: SocketInventory;
  watch: WatchResult;
  goroutines: GoroutineEvidence;
  goHeap: GoHeapEvidence;
  cluster: ClusterEvidence;
  v8Heap: V8HeapEvidence;
  jvmHeap: JvmHeapEvidence;
  shutdown: ShutdownEvidence;
  source: SourceEvidence;
}

// Every key of the map is a declared evidence kind (compile-time check).
type Unknown<K> = Exclude<K, EvidenceKind>;
const noUnknownKinds: Unknown<keyof EvidenceMap> extends never ? true : never = true;
void noUnknownKinds;

export type Evidence = Partial<EvidenceMap>;

/** A collector that could not do its part; `isBug` when the cause was not an expected KleakError. */
export class CollectorError extends KleakError {
  readonly isBug: boolean;
  constructor(message: string, options: { cause?: unknown; hint?: string; isBug?: boolean } = {}) {
    super(message, options);
    this.isBug = options.isBug ?? false;
  }
}

export type CollectorResult<T> =
  | { status: 'ok'; evidence: T; warnings: string[] }
  | { status: 'skipped'; reason: string }
  /** `partial`: what was gathered before the failure (a watch whose target exited), still used by rules */
  | { status: 'failed'; error: KleakError; partial?: T };

export function ok<T>(evidence: T, warnings: string[] = []): CollectorResult<T> {
  return { status: 'ok', evidence, warnings };
}

export function skipped<T>(reason: string): CollectorResult<T> {
  return { status: 'skipped', reason };
}

/** Turns a thrown error into a failed result; a missing source weakens a diagnosis, it does not stop it. */
export function failed<T>(error: unknown, partial?: T): CollectorResult<T> {
  const kleakError = isKleakError(error) ? error : new CollectorError(describeCause(error) ?? 'unknown error', { cause: error, isBug: true });
  return { status: 'failed', error: kleakError, ...(partial === undefined ? {} : { partial }) };
}

/** Runs a collector's gathering and turns any throw into a failed result. */
export async function collect<T>(gather: () => Promise<T>): Promise<CollectorResult<T>> {
  try {
    return ok(await gather());
  } catch (error) {
    return failed(error);
  }
}

/** The error a command rethrows when the one collector it depends on failed: a bug stays a bug (exit 3). */
export function errorOf(result: { status: 'failed'; error: KleakError }): unknown {
  return result.error instanceof CollectorError && result.error.isBug ? result.error.cause : result.error;
}
