// The one step every command shares after collecting: rules over the evidence, into one Diagnosis.
// Pure: the same evidence and reports give the same diagnosis (times come in, they are not read).
import type { CollectorResult, Evidence, EvidenceMap } from '../collectors/types.js';
import { rules as allRules } from '../rules/index.js';
import { runRules } from '../rules/run-rules.js';
import { chartsOf } from './charts.js';
import { contextFacts } from './context.js';
import type { AnyRule } from '../rules/define-rule.js';
import { evidenceKinds, type CollectorReport, type Diagnosis, type EvidenceKind } from '../types.js';

export interface Run {
  diagnosis: Diagnosis;
  evidence: Evidence;
}

export interface EvaluateContext {
  target: Diagnosis['target'];
  startedAt: number;
  finishedAt: number;
  version: string;
  rules?: readonly AnyRule[];
}

/** What a collector's result says about its kind, for the report (the error's text, never its stack). */
export function toReport(kind: EvidenceKind, result: CollectorResult<unknown>): CollectorReport {
  if (result.status === 'ok') return result.warnings.length ? { kind, status: 'ok', warnings: result.warnings } : { kind, status: 'ok' };
  if (result.status === 'skipped') return { kind, status: 'skipped', reason: result.reason };
  return { kind, status: 'failed', error: { message: result.error.message, ...(result.error.hint ? { hint: result.error.hint } : {}) } };
}

/** Evidence and reports from the collectors' results; a failed collector's partial evidence is still used. */
export function gather(results: { [K in keyof EvidenceMap]?: CollectorResult<EvidenceMap[K]> }): { evidence: Evidence; reports: CollectorReport[] } {
  const evidence: Record<string, unknown> = {};
  const reports: CollectorReport[] = [];
  for (const kind of evidenceKinds) {
    const result = results[kind] as CollectorResult<unknown> | undefined;
    if (!result) continue;
    reports.push(toReport(kind, result));
    if (result.status === 'ok') evidence[kind] = result.evidence;
    if (result.status === 'failed' && result.partial !== undefined) evidence[kind] = result.partial;
  }
  return { evidence: evidence, reports };
}

/**
 * Runs the rules in scope: those that need a kind some collector was asked for (ok, skipped or failed).
 * A rule in scope whose evidence is missing is listed as not evaluated, with the kinds it lacks.
 */
export function evaluate(evidence: Evidence, reports: readonly CollectorReport[], context: EvaluateContext): Diagnosis {
  const asked = new Set(reports.map((r) => r.kind));
  const inScope = (context.rules ?? allRules).filter((rule) => rule.needs.some((kind) => asked.has(kind)));
  const { findings, notEvaluated } = runRules(inScope, evidence);
  const order = evidenceKinds as readonly EvidenceKind[];
  return {
    schemaVersion: 1,
    tool: { name: 'kleak', version: context.version },
    target: context.target,
    startedAt: new Date(context.startedAt).toISOString(),
    durationMs: context.finishedAt - context.startedAt,
    collectors: [...reports].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind)),
    findings,
    notEvaluated: notEvaluated.map((n) => ({ ...n, missing: n.missing.filter((kind) => asked.has(kind)) })),
    context: contextFacts(evidence),
    ...withCharts(chartsOf(evidence)),
  };
}

const withCharts = (charts: Diagnosis['charts']) => (charts ? { charts } : {});
