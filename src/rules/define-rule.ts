// A rule: metadata with all its human text (titles, message templates, fixes), the evidence it needs,
// and a pure check that returns data. The engine renders each summary from its template and data, so
// every format says the same thing and JSON carries the numbers (ESLint's messageId + data).
import type { Evidence, EvidenceMap } from '../collectors/types.js';
import type { Confidence, coreLibraries, EvidenceItem, Library, Severity, SourceLocation } from '../types.js';

type CoreLibrary = (typeof coreLibraries)[number];

type Needed<N extends keyof EvidenceMap> = Pick<EvidenceMap, N>;

/** Values a message template can name: numbers are printed as they are, unless the template gives decimals. */
export type MessageData = Record<string, string | number>;

export interface RuleMeta<M extends string = string> {
  title: string;
  description: string;
  severity: Severity;
  /** summary templates: `{name}` is replaced by data.name, `{name:1}` by data.name with 1 decimal */
  messages: Record<M, string>;
  /** Fix text per library; `unknown` covers a service whose library kleak could not tell. */
  fix: Record<CoreLibrary, string> & Partial<Record<Library, string>>;
}

export interface FindingDraft<M extends string = string> {
  messageId: M;
  data: MessageData;
  confidence: Confidence;
  library: Library;
  evidence: EvidenceItem[];
  /** Overrides meta.severity for this finding (e.g. a warning that becomes an error near a limit). */
  severity?: Severity;
  /** the service's lines behind the finding, when the evidence names them */
  locations?: SourceLocation[];
  /** when there are none: why the evidence cannot name a line, and what would */
  unlocated?: string;
  /** stable identity across runs and unrelated edits (the scan's rule + file + function + line text) */
  fingerprint?: string;
  /** a fix this finding's data decides (the upgrade line for the version found); otherwise the meta's per library */
  fix?: string;
}

export interface Rule<N extends keyof EvidenceMap = keyof EvidenceMap, M extends string = string, U extends keyof EvidenceMap = never> {
  id: string;
  meta: RuleMeta<M>;
  needs: readonly N[];
  /** evidence the check reads when it is there (e.g. heap profiles for locations), never required */
  uses?: readonly U[];
  /** runs when any one of `needs` is there (a rule with a Go and a Node view); check gets what there is */
  needsAny?: boolean;
  check(evidence: Needed<N> & Partial<Pick<EvidenceMap, U>>): FindingDraft<M>[];
}

export const docsBaseUrl = 'docs/rules';

export function defineRule<N extends keyof EvidenceMap, M extends string, U extends keyof EvidenceMap = never>(rule: Rule<N, M, U>): Rule<N, M, U> {
  if (!/^[a-z]+(-[a-z]+)*$/.test(rule.id)) throw new Error(`rule id must be kebab-case: ${rule.id}`);
  return rule;
}

/** Fills a template from data; a name the data lacks is a bug in the rule, not a blank in the report. */
export function formatMessage(template: string, data: MessageData): string {
  return template.replace(/\{(\w+)(?::(\d))?\}/g, (_, name: string, digits?: string) => {
    const value = data[name];
    if (value === undefined) throw new Error(`message data has no "${name}" for template "${template}"`);
    if (digits === undefined || typeof value !== 'number') return String(value);
    const d = Number(digits);
    return (Math.round(value * 10 ** d) / 10 ** d).toFixed(d);
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry of rules over different evidence and messages
export type AnyRule = Rule<keyof EvidenceMap, any, any>;
export type { Evidence };
