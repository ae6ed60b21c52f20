// The shapes every layer shares: findings, rules' verdicts and the diagnosis a command returns.
// Imports nothing: collectors, rules and reporters all build on it.

/** Every kind of evidence a collector can gather; `source` is the static scan's. */
export const evidenceKinds = ['sockets', 'watch', 'goroutines', 'goHeap', 'v8Heap', 'jvmHeap', 'cluster', 'shutdown', 'source'] as const;
export type EvidenceKind = (typeof evidenceKinds)[number];
export type CollectorStatus = 'ok' | 'skipped' | 'failed';

export const severities = ['error', 'warning', 'info'] as const;
export type Severity = (typeof severities)[number];
export type Confidence = 'confirmed' | 'likely' | 'possible';
/** The libraries the runtime rules tell apart, each with its own fix text. */
export const coreLibraries = ['sarama', 'franz-go', 'kafkajs', 'unknown'] as const;
/** …and those the static scan also recognises (their fixes fall back to the `unknown` text where a rule has none). */
export type Library =
  | (typeof coreLibraries)[number]
  | 'kafka-go'
  | 'confluent-kafka-go'
  | 'confluent-kafka-javascript'
  | 'node-rdkafka'
  | 'kafka-clients'
  | 'spring-kafka'
  | 'confluent-kafka-python'
  | 'kafka-python'
  | 'aiokafka';

export interface EvidenceItem {
  source: EvidenceKind;
  description: string;
  data?: Record<string, unknown>;
}

/** Where in the service's code a finding comes from, and how kleak knows it. */
export interface SourceLocation {
  /** relative to the source root when it lies under it (forward slashes), else as the runtime recorded it */
  file: string;
  line?: number;
  column?: number;
  function?: string;
  /** the samples, live clients or matches behind this location */
  count?: number;
  /** what count counts, when not heap-profile samples: "goroutines", "messages", "live connections" */
  countOf?: string;
  /**
   * a name declared in the file whose line the runtime cannot give (an HPROF names a class's field, not its line):
   * placed at its declaration when the source tree is at hand (--source-root)
   */
  declares?: string;
  from: 'runtime' | 'scan' | 'manifest';
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  confidence: Confidence;
  title: string;
  /** rendered from the rule's message template `messageId` and `data` */
  summary: string;
  messageId?: string;
  data?: Record<string, string | number>;
  library: Library;
  evidence: EvidenceItem[];
  fix: string;
  docsUrl: string;
  /** the lines that cause it, most evidence first; empty when kleak cannot tell (the report says why) */
  locations: SourceLocation[];
  /** with no location: why the evidence cannot name a line, and what would */
  unlocated?: string;
  /** the scan's stable identity for a finding (rule, file, function, the line's text): SARIF and --baseline use it */
  fingerprint?: string;
}

export interface CollectorReport {
  kind: EvidenceKind;
  status: CollectorStatus;
  reason?: string;
  error?: { message: string; hint?: string };
  /** ok, with something the report should say (a broker that did not answer, a fallback taken) */
  warnings?: string[];
}

export interface NotEvaluated {
  ruleId: string;
  missing: EvidenceKind[];
}

export interface Diagnosis {
  schemaVersion: 1;
  tool: { name: 'kleak'; version: string };
  target: { pids: number[]; description?: string };
  startedAt: string;
  durationMs: number;
  collectors: CollectorReport[];
  findings: Finding[];
  notEvaluated: NotEvaluated[];
  /** where the service's sources are (--source-root) and its manifests there: locations are relative to root */
  source?: SourceTree;
  /** what was measured, beside the findings: broker settings, per-request growth, live clients — a clean run's proof */
  context?: ContextFact[];
  /** what was measured over time or divided among owners, for the charts of the HTML and Markdown reports */
  charts?: Charts;
}

/** The series behind the charts, kept in the saved JSON so that `kleak report --format html` can draw them later. */
export interface Charts {
  watch?: WatchChart;
  shutdown?: ShutdownChart;
  heap?: HeapChart;
}

export interface WatchChart {
  intervalMs: number;
  /** milliseconds since the first sample, per sample */
  atMs: number[];
  /** per sample: the phase (watch, warm-up, baseline, driving, settling, after) */
  phase: string[];
  /** with --drive: requests answered since the baseline, per sample (negative during the warm-up) */
  requests?: number[];
  drive?: { url: string; method: string; requests: number; warmup: number };
  /** one column per measured series, each with the per-request slope the drive measured for it */
  series: Array<{ key: string; label: string; values: number[]; perRequest?: number }>;
}

export interface ShutdownChart {
  signal: string;
  graceMs: number;
  /** signal → exit, when it exited */
  exitAfterMs?: number;
  /** milliseconds after the signal */
  events: Array<{ kind: string; atMs: number; detail: string }>;
}

export interface HeapChart {
  runtime: 'node' | 'jvm' | 'go';
  totalBytes: number;
  /** who keeps the memory: the kept records' owners (Node, JVM) or the Kafka allocation sites (Go), most bytes first */
  owners: Array<{ name: string; bytes: number; messages?: number }>;
}

/** A measured fact that is not a problem: findings are problems, these are their context. */
export interface ContextFact {
  source: EvidenceKind;
  name: string;
  value: string;
  meaning?: string;
}

export interface SourceTree {
  root: string;
  /** go.mod and package.json found under the root, relative to it: where a finding without a line is anchored */
  manifests: { go?: string; node?: string };
}

const severityRank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const confidenceRank: Record<Confidence, number> = { confirmed: 0, likely: 1, possible: 2 };

/** Orders findings by severity, then confidence, then rule id: the order every report uses. */
export function compareFindings(a: Finding, b: Finding): number {
  return severityRank[a.severity] - severityRank[b.severity] || confidenceRank[a.confidence] - confidenceRank[b.confidence] || a.ruleId.localeCompare(b.ruleId);
}

/** True when `severity` is at least as serious as `threshold`. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return severityRank[severity] <= severityRank[threshold];
}
