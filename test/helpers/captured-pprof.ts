// Profiles captured from the Go fixtures by fixtures/generate/capture-pprof.mjs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/local-kafka/launch-kafka.js';

export const pprofDir = (scenario: string) => join(repoRoot, 'fixtures/captured/pprof', scenario);
export const capturedText = (scenario: string, debug: 1 | 2) => readFileSync(join(pprofDir(scenario), `goroutine-debug${debug}.txt`), 'utf8');
export const capturedHeap = (scenario: string) => readFileSync(join(pprofDir(scenario), 'heap.pb.gz'));
