// The Go runtime collector: goroutine and heap profiles → evidence classified by Kafka library and role.
import { classifyGoroutines, classifyHeap, constructorSites, libraryFrames, libraryHeapFunctions } from './classify.js';
import { readGoProfiles, type GoProfiles } from './fetch-profile.js';
import { fetchGoroutineCount } from './fetch-goroutines.js';
import { collect, type CollectorResult } from '../types.js';
import type { GoEvidence } from './types.js';

/**
 * `baseline` is an older profile to compare with (`kleak pprof --compare`); `before` one taken just before kleak
 * drove requests, which only the advisories' signatures compare with (the other rules keep their single view).
 */
export function toGoEvidence(current: GoProfiles, baseline?: GoProfiles, before?: GoProfiles): GoEvidence {
  const older = baseline ?? before;
  const out: GoEvidence = {};
  if (current.goroutines) {
    out.goroutines = {
      source: current.goroutines.source,
      format: current.goroutines.dump.format,
      classification: classifyGoroutines(current.goroutines.dump),
      ...(baseline?.goroutines ? { baseline: classifyGoroutines(baseline.goroutines.dump) } : {}),
      frames: libraryFrames(current.goroutines.dump),
      ...(older?.goroutines
        ? { framesBefore: libraryFrames(older.goroutines.dump), librariesBefore: classifyGoroutines(older.goroutines.dump).libraries }
        : {}),
      warnings: current.goroutines.dump.warnings,
    };
  }
  if (current.heap) {
    const p = current.heap.profile;
    out.goHeap = {
      source: current.heap.source,
      inuseBytes: p.inuseBytes,
      inuseObjects: p.inuseObjects,
      sites: classifyHeap(p),
      constructors: constructorSites(p),
      ...(baseline?.heap ? { baseline: { inuseBytes: baseline.heap.profile.inuseBytes, sites: classifyHeap(baseline.heap.profile) } } : {}),
      functions: libraryHeapFunctions(p),
      ...(older?.heap ? { functionsBefore: libraryHeapFunctions(older.heap.profile) } : {}),
    };
  }
  return out;
}

/** Profiles from URLs or files (and an older set to compare with), read and classified; never throws. */
export function collectGoProfiles(
  sources: string[],
  options: { compare?: string[]; timeoutMs?: number; before?: GoProfiles; preDrive?: GoProfiles } = {},
): Promise<CollectorResult<GoEvidence>> {
  return collect(async () => {
    const baseline = options.before ?? (options.compare?.length ? await readGoProfiles(options.compare, options.timeoutMs) : undefined);
    return toGoEvidence(await readGoProfiles(sources, options.timeoutMs), baseline, options.preDrive);
  });
}

/** Finds a net/http/pprof endpoint among the ports a process listens on (short, bounded probes). */
export async function findPprofEndpoint(ports: number[], timeoutMs = 1000): Promise<string | undefined> {
  for (const port of ports) {
    const base = `http://127.0.0.1:${port}`;
    try {
      const r = await fetch(`${base}/debug/pprof/goroutine?debug=1`, { signal: AbortSignal.timeout(timeoutMs) });
      if (r.ok && (await r.text()).startsWith('goroutine profile:')) return base;
    } catch {
      // not HTTP, or not pprof
    }
  }
  return undefined;
}

/** One goroutine fetch, to learn whether the endpoint answers before a watch depends on it. */
export function checkPprofEndpoint(url: string): Promise<CollectorResult<string>> {
  return collect(async () => {
    await fetchGoroutineCount(url);
    return url;
  });
}

export { readGoProfiles, type GoProfiles };
