// The scan's work on a share of the files: the same functions run in the main thread (small trees) or
// in worker threads (a share each), so both give the same facts. Go: whole packages (a directory's
// files). Java: whole packages (the files with one package clause, wherever they are). Python: whole
// directories (a package's modules). JS/TS: parse first and say which modules export a Kafka instance, then,
// with every share's exports known, analyse.
import { parseSync } from 'oxc-parser';
import type { Library } from '../../types.js';
import { analyzeGoPackage, type GoFile } from './go/analyze.js';
import { firstError, goParser, loadedGoParser, parseGo } from './go/tree.js';
import { analyzeJavaPackage, type JavaFile } from './java/analyze.js';
import { javaParser } from './java/tree.js';
import { analyzePythonPackage, type PyFile } from './python/analyze.js';
import { pythonParser } from './python/tree.js';
import { analyzeJsFile, exportsOf, lineStarts, type JsFile } from './js/analyze.js';
import type { Construction, MessageResend, ParseProblem, RecordStore, ShutdownGap, Suppression } from './types.js';

export interface Text {
  path: string;
  source: string;
}

export interface Signal {
  file: string;
  handles: boolean;
  exitsFirst?: number;
}

export interface BatchFacts {
  constructions: Construction[];
  stores: RecordStore[];
  resends: MessageResend[];
  shutdown: ShutdownGap[];
  signals: Signal[];
  parseProblems: ParseProblem[];
  suppressions: Suppression[];
}

export const emptyFacts = (): BatchFacts => ({ constructions: [], stores: [], resends: [], shutdown: [], signals: [], parseProblems: [], suppressions: [] });

export function mergeFacts(into: BatchFacts, from: BatchFacts): BatchFacts {
  for (const k of Object.keys(into) as (keyof BatchFacts)[]) (into[k] as unknown[]).push(...(from[k] as unknown[]));
  return into;
}

/** Lines longer than this are not hand-written (minified or generated code, a data blob): such a file is not parsed. */
const maxLineLength = 10_000;

/** The longest line's length, when over the bound (parsers' error reports quote whole lines, per error). */
function overlongLine(source: string): number | undefined {
  let start = 0;
  for (let end = source.indexOf('\n'); ; end = source.indexOf('\n', start)) {
    const length = (end === -1 ? source.length : end) - start;
    if (length > maxLineLength) return length;
    if (end === -1) return undefined;
    start = end + 1;
  }
}

function tooLong(text: Text, facts: BatchFacts): boolean {
  const length = overlongLine(text.source);
  if (length === undefined) return false;
  facts.parseProblems.push({ file: text.path, line: 1, message: `not parsed: a line of ${length} characters (minified or generated code)` });
  return true;
}

/** Runs an analysis; a file nested too deeply for the stack is a problem to report, not a failed scan. */
function tooDeep<T>(analyse: () => T, file: string, facts: BatchFacts): T | undefined {
  try {
    return analyse();
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    facts.parseProblems.push({ file, line: 1, message: `not analysed: nested too deeply (${error.message})` });
    return undefined;
  }
}

const suppression = /\/\/\s*kleak-ignore(-next-line)?(?:\s+([a-z]+(?:-[a-z]+)*))?(?:\s*:\s*(.*\S))?\s*$/;
/** Python's comments: `# kleak-ignore <rule>: reason` */
const hashSuppression = /#\s*kleak-ignore(-next-line)?(?:\s+([a-z]+(?:-[a-z]+)*))?(?:\s*:\s*(.*\S))?\s*$/;

function suppressionsOf(file: string, source: string, pattern = suppression): Suppression[] {
  if (!source.includes('kleak-ignore')) return [];
  const out: Suppression[] = [];
  source.split('\n').forEach((text, i) => {
    const m = pattern.exec(text);
    if (!m) return;
    out.push({ file, line: i + (m[1] ? 2 : 1), ...(m[2] ? { ruleId: m[2] } : {}), ...(m[3] ? { reason: m[3] } : {}) });
  });
  return out;
}

/** Parses and analyses Go packages (each a directory's files, split by package clause). */
export async function goBatch(dirs: Text[][]): Promise<BatchFacts> {
  if (dirs.length) await goParser();
  return goBatchSync(dirs);
}

/** goBatch once the grammar is loaded (goParser() resolved): the same work, synchronously. */
export function goBatchSync(dirs: Text[][]): BatchFacts {
  const facts = emptyFacts();
  if (!dirs.length) return facts;
  const parser = loadedGoParser();
  for (const group of dirs) {
    const byPackage = new Map<string, GoFile[]>();
    for (const g of group) {
      if (tooLong(g, facts)) continue;
      let root: GoFile['root'];
      try {
        root = parseGo(parser, g.source);
      } catch (cause) {
        facts.parseProblems.push({ file: g.path, line: 1, message: `not parsed: ${String(cause)}` });
        continue;
      }
      const err = firstError(root);
      if (err) facts.parseProblems.push({ file: g.path, line: err.line, message: 'syntax error: the rest of the file was read as far as the parser could' });
      const pkg = /^\s*package\s+(\w+)/m.exec(g.source)?.[1] ?? '';
      byPackage.set(pkg, [...(byPackage.get(pkg) ?? []), { path: g.path, source: g.source, root }]);
      facts.suppressions.push(...suppressionsOf(g.path, g.source));
    }
    for (const pkgFiles of byPackage.values()) {
      const f = tooDeep(() => analyzeGoPackage(pkgFiles), pkgFiles[0]!.path, facts);
      if (!f) continue;
      facts.constructions.push(...f.constructions);
      facts.stores.push(...f.stores);
      facts.resends.push(...f.resends);
      facts.shutdown.push(...f.shutdown);
    }
  }
  return facts;
}

/** A tree-sitter language's packages: each file parsed (a syntax error noted), its suppressions read, the package analysed. */
function treeSitterBatch<F extends { path: string; source: string; root: ReturnType<typeof parseGo> }>(
  packages: Text[][],
  parser: Parameters<typeof parseGo>[0],
  analyze: (files: F[]) => { constructions: Construction[]; shutdown: ShutdownGap[] },
  suppression?: Parameters<typeof suppressionsOf>[2],
): BatchFacts {
  const facts = emptyFacts();
  for (const group of packages) {
    const files: F[] = [];
    for (const g of group) {
      if (tooLong(g, facts)) continue;
      let root: F['root'];
      try {
        root = parseGo(parser, g.source);
      } catch (cause) {
        facts.parseProblems.push({ file: g.path, line: 1, message: `not parsed: ${String(cause)}` });
        continue;
      }
      const err = firstError(root);
      if (err) facts.parseProblems.push({ file: g.path, line: err.line, message: 'syntax error: the rest of the file was read as far as the parser could' });
      files.push({ path: g.path, source: g.source, root } as F);
      facts.suppressions.push(...suppressionsOf(g.path, g.source, suppression));
    }
    if (!files.length) continue;
    const f = tooDeep(() => analyze(files), files[0]!.path, facts);
    if (!f) continue;
    facts.constructions.push(...f.constructions);
    facts.shutdown.push(...f.shutdown);
  }
  return facts;
}

/** Parses and analyses Java packages (each the files of one package clause). */
export async function javaBatch(packages: Text[][]): Promise<BatchFacts> {
  return packages.length ? treeSitterBatch<JavaFile>(packages, await javaParser(), analyzeJavaPackage) : emptyFacts();
}

/** Parses and analyses Python packages (each a directory's modules); `# kleak-ignore` comments. */
export async function pythonBatch(packages: Text[][]): Promise<BatchFacts> {
  return packages.length ? treeSitterBatch<PyFile>(packages, await pythonParser(), analyzePythonPackage, hashSuppression) : emptyFacts();
}

const tsExt = /\.(ts|mts|cts|tsx)$/;

/** A share of the JS/TS files: parsed once, kept until analysed. */
export class JsBatch {
  private files: JsFile[] = [];
  private readonly facts = emptyFacts();

  /** Parses the files; returns, per module, the Kafka instances it exports. */
  parse(texts: Text[]): [string, [string, Library][]][] {
    const exports: [string, [string, Library][]][] = [];
    for (const { path, source } of texts) {
      if (tooLong({ path, source }, this.facts)) continue;
      const lang = /\.tsx$/.test(path) ? 'tsx' : tsExt.test(path) ? 'ts' : 'jsx';
      let parsed: ReturnType<typeof parseSync>;
      try {
        parsed = parseSync(path, source, { lang });
      } catch (cause) {
        this.facts.parseProblems.push({ file: path, line: 1, message: `not parsed: ${String(cause)}` });
        continue;
      }
      const lines = lineStarts(source);
      if (parsed.errors.length) {
        const at = parsed.errors[0]!.labels?.[0]?.start ?? 0;
        this.facts.parseProblems.push({ file: path, line: lines.filter((s) => s <= at).length, message: parsed.errors[0]!.message });
      }
      const file: JsFile = { path, source, program: parsed.program, lines };
      this.files.push(file);
      this.facts.suppressions.push(...suppressionsOf(path, source));
      if (/kafka/i.test(source)) {
        const e = exportsOf(file);
        if (e.size) exports.push([path, [...e]]);
      }
    }
    return exports;
  }

  /** Analyses what was parsed, with every module's exports and the set of files scanned. */
  analyze(exported: [string, [string, Library][]][], known: string[]): BatchFacts {
    const exportedMap = new Map(exported.map(([p, e]) => [p, new Map(e)]));
    const knownSet = new Set(known);
    for (const f of this.files) {
      const r = tooDeep(() => analyzeJsFile(f, exportedMap, knownSet), f.path, this.facts);
      if (!r) continue;
      this.facts.constructions.push(...r.constructions);
      this.facts.stores.push(...r.stores);
      this.facts.signals.push(...r.signals);
    }
    this.files = [];
    return this.facts;
  }
}
