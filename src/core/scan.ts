// kleak scan, as a core function: the source tree's facts, the scan's rules, then the in-code
// suppressions (`// kleak-ignore <rule>: reason`) and, for a pull request, only the changed files.
import { collect } from '../collectors/types.js';
import { scanSource, type ScanOptions } from '../collectors/source/index.js';
import type { SourceEvidence } from '../collectors/source/types.js';
import { scanRules } from '../scan/rules/index.js';
import type { Finding } from '../types.js';
import { version } from '../version.js';
import { evaluate, gather, type Run } from './evaluate.js';
import { errorOf } from '../collectors/types.js';

export interface SuppressedFinding {
  finding: Finding;
  reason?: string;
}

export interface ScanRun extends Run {
  suppressed: SuppressedFinding[];
  /** findings outside --changed-since's files, left out */
  outsideChanges: number;
}

/** Splits findings into kept and suppressed by the source's own `kleak-ignore` comments. */
export function applySuppressions(findings: readonly Finding[], source: SourceEvidence): { kept: Finding[]; suppressed: SuppressedFinding[] } {
  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const f of findings) {
    const l = f.locations[0];
    const s = l && source.suppressions.find((x) => x.file === l.file && x.line === l.line && (!x.ruleId || x.ruleId === f.ruleId));
    if (s) suppressed.push({ finding: f, ...(s.reason ? { reason: s.reason } : {}) });
    else kept.push(f);
  }
  return { kept, suppressed };
}

/** the findings in the files the scan reports on: those --changed-since names, or the one file given as its root */
export function inScope<F extends { locations: Array<{ file: string }> }>(findings: F[], source: SourceEvidence): F[] {
  const changed = source.changed ? new Set(source.changed.files) : undefined;
  const only = source.only ? new Set(source.only) : undefined;
  return findings.filter((f) => {
    const file = f.locations[0]?.file ?? '';
    return (!changed || changed.has(file)) && (!only || only.has(file));
  });
}

export async function scan(options: ScanOptions): Promise<ScanRun> {
  const startedAt = Date.now();
  const result = await collect(() => scanSource(options));
  if (result.status === 'failed') throw errorOf(result);
  if (result.status !== 'ok') throw new Error('the scan collector cannot be skipped');
  const source = result.evidence;
  const problems = source.parseProblems.map((p) => `${p.file}:${p.line}: ${p.message}`);
  const { evidence, reports } = gather({
    source: {
      status: 'ok',
      evidence: source,
      warnings: problems.slice(0, 20).concat(problems.length > 20 ? [`…and ${problems.length - 20} more files with syntax errors`] : []),
    },
  });
  const diagnosis = evaluate(evidence, reports, {
    target: { pids: [], description: `source tree ${source.root}` },
    startedAt,
    finishedAt: Date.now(),
    version,
    rules: scanRules,
  });
  const { kept, suppressed } = applySuppressions(diagnosis.findings, source);
  const inChanges = inScope(kept, source);
  return { evidence, diagnosis: { ...diagnosis, findings: inChanges }, suppressed, outsideChanges: kept.length - inChanges.length };
}
