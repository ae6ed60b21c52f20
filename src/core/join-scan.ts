// diagnose --source: the static scan's findings joined to the runtime's. A runtime finding is
// confirmed by a scan finding of the pattern that causes it (same library; same function, or same
// file and line, where the runtime named one): the scan's line is added to its locations and the
// finding says the code confirms it — the strongest statement kleak makes. Scan findings that no
// runtime finding matched are reported beside them, as the code's own problems.
import { isAbsolute, resolve } from 'node:path';
import { compareFindings, type Diagnosis, type Finding, type SourceLocation } from '../types.js';

/** The scan rules whose pattern causes what each runtime rule measures. */
export const confirmedBy: Record<string, readonly string[]> = {
  'client-per-request': ['client-per-request'],
  'connections-growing': ['client-per-request', 'client-not-closed'],
  'close-wait-sockets': ['client-per-request', 'client-not-closed'],
  'client-not-closed': ['client-not-closed', 'client-per-request'],
  'producer-closed-client-open': ['producer-closed-client-open'],
  'records-pin-buffers': ['records-pin-buffers'],
  'stuck-sync-producer': ['shared-producer-message'],
};

/** Same file: equal, or one path ends with the other (a binary built elsewhere records its own absolute path). */
function sameFile(a: string, b: string): boolean {
  if (a === b) return true;
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  return (
    long.endsWith(`/${short.replace(/^\/+/, '')}`) || (isAbsolute(short) && long.endsWith(short.slice(short.lastIndexOf('/', short.lastIndexOf('/') - 1))))
  );
}

function matches(runtime: SourceLocation[], scan: SourceLocation): boolean {
  // the same file, and there the same function or the same line (a function name alone, main.main.func1, is not enough)
  return runtime.some(
    (r) => sameFile(r.file, scan.file) && ((r.function !== undefined && r.function === scan.function) || (r.line !== undefined && r.line === scan.line)),
  );
}

export function joinScan(diagnosis: Diagnosis, scanFindings: readonly Finding[], scanRoot: string): Diagnosis {
  const absolute = (l: SourceLocation): SourceLocation => (isAbsolute(l.file) ? l : { ...l, file: resolve(scanRoot, l.file) });
  // locations become absolute (the report makes them relative to the source root); the text keeps the scan's own paths
  const remaining = scanFindings.map((f) => ({ ...f, locations: f.locations.map(absolute), place: `${f.locations[0]!.file}:${f.locations[0]!.line}` }));
  const used = new Set<Finding>();
  const findings = diagnosis.findings.map((f) => {
    const patterns = confirmedBy[f.ruleId];
    if (!patterns) return f;
    const candidates = remaining.filter((s) => patterns.includes(s.ruleId) && (f.library === 'unknown' || s.library === f.library));
    const runtimeLocations = f.locations.filter((l) => l.from === 'runtime');
    const confirming = runtimeLocations.length ? candidates.filter((s) => matches(runtimeLocations, s.locations[0]!)) : candidates;
    if (!confirming.length) return f;
    confirming.forEach((s) => used.add(s));
    const at = confirming.map((s) => s.locations[0]!);
    const where = confirming.map((s) => s.place).join(', ');
    return {
      ...f,
      confidence: 'confirmed' as const,
      summary: `${f.summary} — confirmed in the code by the scan (${confirming[0]!.ruleId}) at ${where}`,
      locations: [...f.locations, ...at],
      evidence: [...f.evidence, ...confirming.map((s) => ({ source: 'source' as const, description: `${s.place}: ${s.ruleId}: ${s.summary}` }))],
    };
  });
  // a library version the runtime rule already placed on its manifest line (it reads the scan's evidence too): said once
  for (const s of remaining)
    if (
      s.ruleId === 'known-library-bug' &&
      findings.some((f) => f.ruleId === s.ruleId && f.messageId === s.messageId && f.locations.some((l) => matches([l], s.locations[0]!)))
    )
      used.add(s);
  const codeOnly: Finding[] = remaining.filter((s) => !used.has(s)).map(({ place: _place, ...f }) => f);
  return { ...diagnosis, findings: [...findings, ...codeOnly].sort(compareFindings) };
}
