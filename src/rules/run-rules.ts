// Runs rules over the evidence that was gathered; rules whose evidence is missing are listed, not run.
import type { EvidenceMap } from '../collectors/types.js';
import { compareFindings, type Finding, type NotEvaluated } from '../types.js';
import { docsBaseUrl, formatMessage, type AnyRule, type Evidence } from './define-rule.js';

export function runRules(rules: readonly AnyRule[], evidence: Evidence): { findings: Finding[]; notEvaluated: NotEvaluated[] } {
  const findings: Finding[] = [];
  const notEvaluated: NotEvaluated[] = [];
  for (const rule of rules) {
    const missing = rule.needs.filter((kind) => evidence[kind] === undefined);
    if (rule.needsAny ? missing.length === rule.needs.length : missing.length > 0) {
      notEvaluated.push({ ruleId: rule.id, missing });
      continue;
    }
    for (const draft of rule.check(evidence as EvidenceMap)) {
      const messageId = draft.messageId as string;
      const template = (rule.meta.messages as Record<string, string>)[messageId];
      if (template === undefined) throw new Error(`rule ${rule.id} has no message "${messageId}"`);
      findings.push({
        ruleId: rule.id,
        severity: draft.severity ?? rule.meta.severity,
        confidence: draft.confidence,
        title: rule.meta.title,
        summary: formatMessage(template, draft.data),
        messageId,
        data: draft.data,
        library: draft.library,
        evidence: draft.evidence,
        fix: draft.fix ?? (rule.meta.fix as Partial<Record<string, string>>)[draft.library] ?? rule.meta.fix.unknown,
        docsUrl: `${docsBaseUrl}/${rule.id}.md`,
        locations: draft.locations ?? [],
        ...(!draft.locations?.length && draft.unlocated ? { unlocated: draft.unlocated } : {}),
        ...(draft.fingerprint ? { fingerprint: draft.fingerprint } : {}),
      });
    }
  }
  return { findings: findings.sort(compareFindings), notEvaluated };
}
