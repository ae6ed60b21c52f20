// Profiles captured from the Go fixtures by fixtures/generate/capture-pprof.mjs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toGoEvidence } from '../../src/collectors/goruntime/index.js';
import { parseGoroutineDump } from '../../src/collectors/goruntime/parse-goroutine-dump.js';
import { parseHeapProfile } from '../../src/collectors/goruntime/parse-heap-profile.js';
import type { GoEvidence } from '../../src/collectors/goruntime/types.js';
import { repoRoot } from '../../src/repo-root.js';

export const pprofDir = (scenario: string) => join(repoRoot, 'fixtures/captured/pprof', scenario);
export const capturedText = (scenario: string, debug: 1 | 2) => readFileSync(join(pprofDir(scenario), `goroutine-debug${debug}.txt`), 'utf8');
export const capturedHeap = (scenario: string) => readFileSync(join(pprofDir(scenario), 'heap.pb.gz'));

/** Go evidence from a captured scenario (debug=2 dump and heap profile), optionally against an older one. */
export function capturedGoEvidence(scenario: string, baseline?: string): GoEvidence {
  const profiles = (s: string) => ({
    sources: [s],
    goroutines: { source: s, dump: parseGoroutineDump(capturedText(s, 2)) },
    heap: { source: s, profile: parseHeapProfile(capturedHeap(s)) },
  });
  return toGoEvidence(profiles(scenario), baseline ? profiles(baseline) : undefined);
}
