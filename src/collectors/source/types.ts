// What the static scan hands to its rules: facts about the service's code, each at a file, line and
// column (1-based, relative to the scanned root, forward slashes). The parsers and the analysis that
// finds them are in go/, js/, java/ and python/; the rules in src/scan/rules decide what is a finding.
import type { Library } from '../../types.js';
import type { ClientVersion } from '../../signatures/types.js';

/** A Kafka client library the tree's manifests declare, at the line one edits to upgrade it (with the lock file that resolved it). */
export interface DeclaredClientVersion extends ClientVersion {
  file: string;
  line: number;
  lockFile?: string;
  direct: boolean;
}

export type ScanLanguage = 'go' | 'js' | 'java' | 'python';

/** how a kafkajs consumer escapes when it is started: the rules treat it as kept until disconnected */
export const runsInBackground = 'started with run(): it runs in the background until disconnected';
export type ClientKind = 'client' | 'producer' | 'consumer' | 'admin' | 'connection';

export interface Site {
  file: string;
  line: number;
  column: number;
  /** the enclosing function, named as the Go runtime names it (main.main.func1) or as written in JS */
  function: string;
  /** the line's text, trimmed: what a fingerprint is made of */
  snippet: string;
  language: ScanLanguage;
  library: Library;
}

/** A request or per-message scope a site was found in, and how kleak knows it is one. */
export interface Scope {
  kind: 'request' | 'per-message';
  /** the handler, consumer callback or loop */
  entry: string;
  /** why it is one: "signature (http.ResponseWriter, *http.Request)", "registered with app.post", "eachMessage callback" */
  how: string;
  /** entry → helper → … → constructor, when the construction is in a helper the entry calls */
  chain: string[];
}

/**
 * What becomes of a constructed client in the function that builds it (or, when a helper returns it, in
 * the caller): closed on every path, escaping (returned, stored, passed on, captured), leaking (a path to a
 * return or the end of its scope with neither), or discarded.
 */
export interface Fate {
  status: 'closed' | 'escapes' | 'leaks' | 'discarded';
  /** how it escapes or is closed ("defer p.Close()", "returned", "stored in s.producer") */
  how?: string;
  /** where the path without Close leaves: a return or the end of the variable's scope */
  leakLine?: number;
  /** why it leaks, in words, when it is more than a path without close (Python: "keeps it in kept, which outlives the request…", "starts it and never stops it…") */
  reason?: string;
}

export interface Construction extends Site {
  kind: ClientKind;
  /** the constructor as written, with the package: sarama.NewSyncProducer, kafka.producer */
  callee: string;
  /** the variable it is bound to, when it is bound to a local */
  binding?: string;
  scope?: Scope;
  fate: Fate;
  /** why it is a lazy singleton (built once, kept): such a construction is not per-request */
  singleton?: string;
  /** built in a program's entry (Go: package main's main, directly or through a helper it calls) */
  inMain?: boolean;
  /** Sarama New…FromClient: the client it wraps, and whether this function closes it */
  fromClient?: { client: string; clientClosed: boolean; closesClient: boolean; producerClosed: boolean };
}

/** A consumed record, or a slice of its value or key, kept where it outlives the loop iteration. */
export interface RecordStore extends Site {
  /** what is kept, as written: msg.Value[:16], message.value, msg */
  value: string;
  /** where: "append to kept", "map seen[…]", "field s.last", "channel out", "module-level cache" */
  into: string;
}

/** One Sarama ProducerMessage sent twice: to two producers, or again after an error. */
export interface MessageResend extends Site {
  message: string;
  how: 'two-producers' | 'retry' | 'listed-twice';
  /** the line of the first send */
  firstLine: number;
}

/** A program that builds a producer or consumer but has no path from SIGTERM to closing it. */
export interface ShutdownGap extends Site {
  kind: ClientKind;
  reason: 'no-signal-handler' | 'not-closed' | 'close-without-flush' | 'exit-before-disconnect';
  /** the constructor as written, when no construction of the scan is at that line (the Go analyzer's) */
  callee?: string;
  /** the program's entry (main, index.js) and what was looked for */
  detail: string;
}

/** `// kleak-ignore <rule>: reason` (same line) or `// kleak-ignore-next-line <rule>: reason`. */
export interface Suppression {
  file: string;
  /** the line it applies to */
  line: number;
  /** undefined: every rule */
  ruleId?: string;
  reason?: string;
}

export interface ParseProblem {
  file: string;
  line: number;
  message: string;
}

export interface SourceEvidence {
  root: string;
  /** python: only when the tree has Python files */
  files: { go: number; js: number; ts: number; java: number; python?: number };
  /** files read but not analysed further: no Kafka library is imported in their package */
  prefiltered: number;
  bytes: number;
  durationMs: number;
  parseProblems: ParseProblem[];
  constructions: Construction[];
  stores: RecordStore[];
  resends: MessageResend[];
  shutdown: ShutdownGap[];
  suppressions: Suppression[];
  /** --changed-since: only findings in these files are reported (the analysis still reads the whole tree) */
  changed?: { ref: string; files: string[] };
  /** a file given as the scan's root: its directory is read (for the package around it), findings only in it */
  only?: string[];
  /** the Kafka client libraries the manifests declare, at a version a lock file or the manifest fixes, with their known leak bugs */
  dependencies?: DeclaredClientVersion[];
  /** which analysis ran per language: a type-checked program (TypeScript checker, go/analysis) or the per-file parse, and why not the former */
  engines?: { language: string; engine: string; root?: string; files?: number; packages?: number; reason?: string; reused?: boolean }[];
}

/** A shutdown gap at a construction's site. */
export function shutdownGap(c: Construction, reason: ShutdownGap['reason'], detail: string): ShutdownGap {
  return {
    file: c.file,
    line: c.line,
    column: c.column,
    function: c.function,
    snippet: c.snippet,
    language: c.language,
    library: c.library,
    kind: c.kind,
    reason,
    detail,
  };
}
