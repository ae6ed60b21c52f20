// A rule: metadata with all its human text, the evidence it needs, and a pure check.
import type { EvidenceKind, EvidenceMap } from '../collectors/types.js';
import type { Confidence, EvidenceItem, Library, Severity, SourceLocation } from '../types.js';

export type Evidence = Partial<EvidenceMap>;
type Needed<N extends keyof EvidenceMap> = Pick<EvidenceMap, N>;

export interface RuleMeta {
  title: string;
  description: string;
  severity: Severity;
  /** Fix text per library; `unknown` covers a service whose library kleak could not tell. */
  fix: Record<Library, string>;
}

export interface FindingDraft {
  summary: string;
  confidence: Confidence;
  library: Library;
  evidence: EvidenceItem[];
  /** Overrides meta.severity for this finding (e.g. a warning that becomes an error near a limit). */
  severity?: Severity;
  location?: SourceLocation;
}

export interface Rule<N extends keyof EvidenceMap = keyof EvidenceMap> {
  id: string;
  meta: RuleMeta;
  needs: readonly N[];
  /** runs when any one of `needs` is there (a rule with a Go and a Node view); check gets what there is */
  needsAny?: boolean;
  check(evidence: Needed<N>): FindingDraft[];
}

export const docsBaseUrl = 'docs/rules';

export function defineRule<N extends keyof EvidenceMap>(rule: Rule<N>): Rule<N> {
  if (!/^[a-z]+(-[a-z]+)*$/.test(rule.id)) throw new Error(`rule id must be kebab-case: ${rule.id}`);
  return rule;
}

export type AnyRule = Rule<keyof EvidenceMap>;
export type { EvidenceKind };
