// kleak's advisory database: one OSV file per known leak bug of a Kafka client library (advisories/*.json,
// built from the reference list by scripts/build-advisories.mjs), and the matching of a library version
// against their ranges. The OSV fields are the standard ones; kleak's own (the library, the symptom, the
// runtime signature that shows the bug biting) are under database_specific.kleak.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../repo-root.js';
import type { AdvisoryRef, AdvisorySignature, ClientVersion, Ecosystem } from '../signatures/types.js';
import { compareVersions } from './compare-versions.js';

export type RangeEvent = { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };

export interface OsvRange {
  type: 'SEMVER' | 'ECOSYSTEM' | 'GIT';
  events: RangeEvent[];
}

export interface Advisory {
  id: string;
  summary: string;
  details: string;
  affected: Array<{ package: { ecosystem: Ecosystem; name: string }; ranges: OsvRange[] }>;
  references: Array<{ type: string; url: string }>;
  database_specific: {
    kleak: {
      library: string;
      confidence: string;
      fixed: string | null;
      symptom: string;
      observe: string;
      signature: AdvisorySignature;
      observable?: boolean;
    };
  };
}

let loaded: Advisory[] | undefined;

/** Every advisory of the database (read once). */
export function loadAdvisories(dir: string = join(repoRoot, 'advisories')): Advisory[] {
  if (loaded && dir === join(repoRoot, 'advisories')) return loaded;
  const out = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'index.json')
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Advisory);
  if (dir === join(repoRoot, 'advisories')) loaded = out;
  return out;
}

const eventVersion = (e: RangeEvent): string => Object.values(e)[0] as string;

/** OSV's evaluation of one range: walk the events in version order; introduced opens, fixed closes, last_affected closes after it. */
export function inRange(range: OsvRange, version: string): boolean {
  if (range.type === 'GIT') return false;
  const events = [...range.events].sort((a, b) => {
    const x = eventVersion(a);
    const y = eventVersion(b);
    if (x === '0') return y === '0' ? 0 : -1;
    if (y === '0') return 1;
    return compareVersions(x, y);
  });
  let affected = false;
  for (const e of events) {
    const v = eventVersion(e);
    if ('introduced' in e) {
      if (v === '0' || compareVersions(version, v) >= 0) affected = true;
    } else if ('fixed' in e || 'limit' in e) {
      if (compareVersions(version, v) >= 0) affected = false;
    } else if ('last_affected' in e) {
      if (compareVersions(version, v) > 0) affected = false;
    }
  }
  return affected;
}

/** The advisories whose affected ranges hold this package at this version. */
export function advisoriesFor(
  version: Pick<ClientVersion, 'ecosystem' | 'package' | 'version'>,
  advisories: readonly Advisory[] = loadAdvisories(),
): Advisory[] {
  return advisories.filter((a) =>
    a.affected.some(
      (x) => x.package.ecosystem === version.ecosystem && x.package.name === version.package && x.ranges.some((r) => inRange(r, version.version)),
    ),
  );
}

/** The lowest version that fixes every one of these advisories that has a fix (undefined when none has). */
export function upgradeTarget(advisories: readonly Advisory[]): string | undefined {
  const fixes = advisories.map((a) => a.database_specific.kleak.fixed).filter((f): f is string => Boolean(f));
  return fixes.sort(compareVersions).at(-1);
}

/** An advisory as findings carry it. */
export function refOf(advisory: Advisory): AdvisoryRef {
  const k = advisory.database_specific.kleak;
  const url = advisory.references.find((r) => r.type === 'FIX')?.url ?? advisory.references[0]?.url;
  return {
    id: advisory.id.replace(/^(x_)?KLEAK-/i, ''),
    summary: advisory.summary,
    fixed: k.fixed,
    confidence: k.confidence,
    signature: k.observable === false ? {} : k.signature,
    ...(url ? { url } : {}),
  };
}

/** The versions with their advisories attached (those without a known leak bug get none). */
export function withAdvisories<V extends ClientVersion>(versions: readonly V[], advisories: readonly Advisory[] = loadAdvisories()): V[] {
  return versions.map((v) => {
    const found = advisoriesFor(v, advisories);
    return found.length ? { ...v, advisories: found.map(refOf) } : v;
  });
}
