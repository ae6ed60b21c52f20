// kleak pprof, as a core function: Go profiles from URLs or files (optionally twice, or against older
// ones), classified and evaluated.
import { collectGoProfiles, readGoProfiles } from '../collectors/goruntime/index.js';
import type { GoEvidence } from '../collectors/goruntime/types.js';
import { errorOf, ok, skipped, type CollectorResult } from '../collectors/types.js';
import { UsageError } from '../errors.js';
import { version } from '../version.js';
import { evaluate, gather, type Run } from './evaluate.js';

export interface PprofOptions {
  sources: string[];
  compare?: string[];
  /** with URLs: profile now and again after this long, and compare */
  afterMs?: number;
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function inspectPprof(options: PprofOptions): Promise<Run> {
  const startedAt = Date.now();
  let result: CollectorResult<GoEvidence>;
  if (options.afterMs !== undefined) {
    if (options.compare)
      throw new UsageError('--after and --compare cannot be combined.', { hint: 'Use --after with a URL, or --compare with an earlier profile.' });
    if (!options.sources.every((s) => /^https?:\/\//.test(s)))
      throw new UsageError('--after needs a URL to profile twice.', { hint: 'kleak pprof http://HOST:PORT --after 30s' });
    const before = await readGoProfiles(options.sources, options.timeoutMs);
    await sleep(options.afterMs);
    result = await collectGoProfiles(options.sources, { before, timeoutMs: options.timeoutMs });
  } else {
    result = await collectGoProfiles(options.sources, { compare: options.compare, timeoutMs: options.timeoutMs });
  }
  if (result.status !== 'ok') throw errorOf(result as Extract<typeof result, { status: 'failed' }>);
  const go = result.evidence;
  const { evidence, reports } = gather({
    goroutines: go.goroutines ? ok(go.goroutines) : skipped('no goroutine dump among the sources: give /debug/pprof/goroutine?debug=2 (or the base URL)'),
    goHeap: go.goHeap ? ok(go.goHeap) : skipped('no heap profile among the sources: give /debug/pprof/heap (or the base URL)'),
  });
  return {
    evidence,
    diagnosis: evaluate(evidence, reports, { target: { pids: [], description: options.sources.join(' ') }, startedAt, finishedAt: Date.now(), version }),
  };
}
