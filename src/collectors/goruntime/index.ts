// The Go runtime collector: goroutine and heap profiles → evidence classified by Kafka library and role.
import { classifyGoroutines, classifyHeap, type GoroutineClassification, type KafkaHeapSite } from './classify.js';
import { readGoProfiles, type GoProfiles } from './fetch-profile.js';

export interface GoroutineEvidence {
  source: string;
  format: 'debug=1' | 'debug=2';
  classification: GoroutineClassification;
  /** with --compare: the older profile */
  baseline?: GoroutineClassification;
  warnings: string[];
}

export interface GoHeapEvidence {
  source: string;
  inuseBytes: number;
  inuseObjects: number;
  sites: KafkaHeapSite[];
  baseline?: { inuseBytes: number; sites: KafkaHeapSite[] };
}

export interface GoEvidence {
  goroutines?: GoroutineEvidence;
  goHeap?: GoHeapEvidence;
}

export function toGoEvidence(current: GoProfiles, baseline?: GoProfiles): GoEvidence {
  const out: GoEvidence = {};
  if (current.goroutines) {
    out.goroutines = {
      source: current.goroutines.source,
      format: current.goroutines.dump.format,
      classification: classifyGoroutines(current.goroutines.dump),
      ...(baseline?.goroutines ? { baseline: classifyGoroutines(baseline.goroutines.dump) } : {}),
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
      ...(baseline?.heap ? { baseline: { inuseBytes: baseline.heap.profile.inuseBytes, sites: classifyHeap(baseline.heap.profile) } } : {}),
    };
  }
  return out;
}

export async function collectGoEvidence(sources: string[], compare?: string[], timeoutMs?: number): Promise<GoEvidence> {
  const baseline = compare?.length ? await readGoProfiles(compare, timeoutMs) : undefined;
  return toGoEvidence(await readGoProfiles(sources, timeoutMs), baseline);
}

export { readGoProfiles };
