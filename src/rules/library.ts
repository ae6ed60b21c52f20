// Which Kafka library a finding is about, from what the evidence can tell.
import type { Runtime } from '../collectors/process/types.js';
import type { Library } from '../types.js';

/** Goroutine frames name the Go library; a Node process is taken to use kafkajs (the one kleak knows). */
export function libraryFor(runtime: Runtime, libraries: readonly Library[] = []): Library {
  if (libraries.length === 1) return libraries[0]!;
  if (runtime === 'node') return 'kafkajs';
  return 'unknown';
}

export const fmt = (n: number, digits = 1) => (Math.round(n * 10 ** digits) / 10 ** digits).toFixed(digits);
