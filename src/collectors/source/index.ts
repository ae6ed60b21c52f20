// The static scan's collector: lists the tree's Go and JS/TS files (git's view when it is a work tree,
// so .gitignore holds; vendor/, node_modules/, generated files and tests skipped; no symlinks), reads
// only the packages that import a Kafka library (a text check first), parses them and gathers the facts.
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import { parseSync } from 'oxc-parser';
import { KleakError } from '../../errors.js';
import type { Library } from '../../types.js';
import { analyzeGoPackage, kafkaImportPaths, type GoFile } from './go/analyze.js';
import { firstError, goParser, parseGo } from './go/tree.js';
import { analyzeJsFile, exportsOf, lineStarts, type JsFile } from './js/analyze.js';
import type { ShutdownGap, SourceEvidence, Suppression } from './types.js';

export interface ScanOptions {
  root: string;
  includeTests?: boolean;
  /** a git ref: report only findings in files changed since it */
  changedSince?: string;
}

const goExt = /\.go$/;
const jsExt = /\.(js|mjs|cjs|jsx)$/;
const tsExt = /\.(ts|mts|cts|tsx)$/;
const skippedDirs = /(^|\/)(vendor|node_modules|\.git|testdata|dist|build|coverage|\.next)\//;
const testFile = /(_test\.go$|\.(test|spec)\.[cm]?[jt]sx?$|(^|\/)(__tests__|__mocks__|tests?|spec)\/)/;
const declarationFile = /\.d\.[cm]?ts$|\.min\.js$/;

export class ScanError extends KleakError {}

function git(root: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  } catch {
    return undefined;
  }
}

/** Every file under root, relative, forward slashes: git's list (tracked and untracked, not ignored) or a walk. */
export function listFiles(root: string): string[] {
  const fromGit = git(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  if (fromGit !== undefined && git(root, ['rev-parse', '--is-inside-work-tree'])?.trim() === 'true') return [...new Set(fromGit.split('\0').filter(Boolean))];
  const out: string[] = [];
  const ignored = readIgnore(root);
  const visit = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const abs = join(dir, name);
      const rel = relative(root, abs).split(sep).join('/');
      if (ignored.some((re) => re.test(rel))) continue;
      const st = lstatSync(abs);
      if (st.isSymbolicLink()) continue;
      if (st.isDirectory()) {
        if (!skippedDirs.test(`${rel}/`)) visit(abs);
      } else if (st.isFile()) out.push(rel);
    }
  };
  visit(root);
  return out;
}

/** The root .gitignore's simple patterns (names and globs), for a tree that is not a git work tree. */
function readIgnore(root: string): RegExp[] {
  let text: string;
  try {
    text = readFileSync(join(root, '.gitignore'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'))
    .map((p) => {
      const anchored = p.startsWith('/');
      const body = p
        .replace(/^\//, '')
        .replace(/\/$/, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*/g, '\uE000')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replace(/\uE000/g, '.*');
      return new RegExp(`${anchored ? '^' : '(^|/)'}${body}(/|$)`);
    });
}

function changedFiles(root: string, ref: string): string[] {
  if (git(root, ['rev-parse', '--is-inside-work-tree'])?.trim() !== 'true')
    throw new ScanError(`--changed-since ${ref} needs a git work tree, and ${root} is not in one.`, {
      hint: 'Run kleak scan inside the repository, or drop --changed-since.',
    });
  if (git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]) === undefined)
    throw new ScanError(`--changed-since ${ref}: git knows no such commit in ${root}.`, {
      hint: 'Give a branch, tag or commit that exists here (fetch it first in CI: git fetch origin main).',
    });
  const diff = git(root, ['diff', '--name-only', '--relative', '-z', ref, '--']) ?? '';
  const untracked = git(root, ['ls-files', '-z', '--others', '--exclude-standard']) ?? '';
  return [...new Set([...diff.split('\0'), ...untracked.split('\0')].filter(Boolean))];
}

const suppression = /\/\/\s*kleak-ignore(-next-line)?(?:\s+([a-z]+(?:-[a-z]+)*))?(?:\s*:\s*(.*\S))?\s*$/;

function suppressionsOf(file: string, source: string): Suppression[] {
  if (!source.includes('kleak-ignore')) return [];
  const out: Suppression[] = [];
  source.split('\n').forEach((text, i) => {
    const m = suppression.exec(text);
    if (!m) return;
    out.push({ file, line: i + (m[1] ? 2 : 1), ...(m[2] ? { ruleId: m[2] } : {}), ...(m[3] ? { reason: m[3] } : {}) });
  });
  return out;
}

const generated = (source: string) => /^\/\/ Code generated .* DO NOT EDIT\.$/m.test(source.slice(0, 2000)) || /@generated\b/.test(source.slice(0, 500));

export async function scanSource(options: ScanOptions): Promise<SourceEvidence> {
  const started = performance.now();
  const root = resolve(options.root);
  let isDir = false;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new ScanError(`${options.root} is not a directory kleak can read.`, { hint: "Give the service's source tree: kleak scan ./service" });
  const changed = options.changedSince ? changedFiles(root, options.changedSince) : undefined;
  const files = listFiles(root).filter((p) => !skippedDirs.test(p) && (options.includeTests || !testFile.test(p)) && !declarationFile.test(p));
  const evidence: SourceEvidence = {
    root,
    files: { go: 0, js: 0, ts: 0 },
    prefiltered: 0,
    bytes: 0,
    durationMs: 0,
    parseProblems: [],
    constructions: [],
    stores: [],
    resends: [],
    shutdown: [],
    suppressions: [],
    ...(changed ? { changed: { ref: options.changedSince!, files: changed } } : {}),
  };
  const read = (rel: string): string | undefined => {
    try {
      const abs = join(root, rel);
      if (lstatSync(abs).isSymbolicLink()) return undefined;
      const text = readFileSync(abs, 'utf8');
      evidence.bytes += text.length;
      return generated(text) ? undefined : text;
    } catch {
      return undefined;
    }
  };

  // Go: by directory; a package is parsed only when one of its files imports a Kafka library
  const goDirs = new Map<string, { path: string; source: string }[]>();
  for (const p of files.filter((x) => goExt.test(x))) {
    const source = read(p);
    if (source === undefined) continue;
    evidence.files.go++;
    const dir = posix.dirname(p);
    goDirs.set(dir, [...(goDirs.get(dir) ?? []), { path: p, source }]);
  }
  const parser = goDirs.size ? await goParser() : undefined;
  for (const group of goDirs.values()) {
    if (!group.some((g) => kafkaImportPaths.some((path) => g.source.includes(`"${path}"`)))) {
      evidence.prefiltered += group.length;
      continue;
    }
    const byPackage = new Map<string, GoFile[]>();
    for (const g of group) {
      let root: GoFile['root'];
      try {
        root = parseGo(parser!, g.source);
      } catch (cause) {
        evidence.parseProblems.push({ file: g.path, line: 1, message: `not parsed: ${String(cause)}` });
        continue;
      }
      const err = firstError(root);
      if (err) evidence.parseProblems.push({ file: g.path, line: err.line, message: 'syntax error: the rest of the file was read as far as the parser could' });
      const pkg = /^\s*package\s+(\w+)/m.exec(g.source)?.[1] ?? '';
      byPackage.set(pkg, [...(byPackage.get(pkg) ?? []), { path: g.path, source: g.source, root }]);
      evidence.suppressions.push(...suppressionsOf(g.path, g.source));
    }
    for (const pkgFiles of byPackage.values()) {
      const facts = analyzeGoPackage(pkgFiles);
      evidence.constructions.push(...facts.constructions);
      evidence.stores.push(...facts.stores);
      evidence.resends.push(...facts.resends);
      evidence.shutdown.push(...facts.shutdown);
    }
  }

  // JS/TS: files that mention Kafka or build a client, plus the modules that export an instance
  const jsFiles: JsFile[] = [];
  for (const p of files.filter((x) => jsExt.test(x) || tsExt.test(x))) {
    const source = read(p);
    if (source === undefined) continue;
    if (tsExt.test(p)) evidence.files.ts++;
    else evidence.files.js++;
    if (!/kafka/i.test(source) && !/\.(producer|consumer|admin)\s*\(/.test(source) && !/SIG(TERM|INT)/.test(source)) {
      evidence.prefiltered++;
      continue;
    }
    const lang = /\.tsx$/.test(p) ? 'tsx' : tsExt.test(p) ? 'ts' : 'jsx';
    let parsed: ReturnType<typeof parseSync>;
    try {
      parsed = parseSync(p, source, { lang });
    } catch (cause) {
      evidence.parseProblems.push({ file: p, line: 1, message: `not parsed: ${String(cause)}` });
      continue;
    }
    const lines = lineStarts(source);
    if (parsed.errors.length) {
      const first = parsed.errors[0]!;
      const at = first.labels?.[0]?.start ?? 0;
      evidence.parseProblems.push({ file: p, line: lines.filter((s) => s <= at).length, message: first.message });
    }
    jsFiles.push({ path: p, source, program: parsed.program, lines });
    evidence.suppressions.push(...suppressionsOf(p, source));
  }
  const known = new Set(jsFiles.map((f) => f.path));
  const exported = new Map<string, Map<string, Library>>();
  for (const f of jsFiles) {
    if (!/kafka/i.test(f.source)) continue;
    const e = exportsOf(f);
    if (e.size) exported.set(f.path, e);
  }
  const signals: { file: string; handles: boolean; exitsFirst?: number }[] = [];
  for (const f of jsFiles) {
    const facts = analyzeJsFile(f, exported, known);
    evidence.constructions.push(...facts.constructions);
    evidence.stores.push(...facts.stores);
    signals.push(...facts.signals);
  }
  evidence.shutdown.push(...jsShutdownGaps(root, evidence, signals));
  evidence.durationMs = Math.round(performance.now() - started);
  return evidence;
}

/** The package a JS file belongs to: the nearest directory (within root) with a package.json. */
function packageDir(root: string, file: string): string {
  for (let d = posix.dirname(file); ; d = posix.dirname(d)) {
    try {
      statSync(join(root, d, 'package.json'));
      return d;
    } catch {
      if (d === '.' || d === '/' || d === '') return '.';
    }
  }
}

function jsShutdownGaps(root: string, evidence: SourceEvidence, signals: { file: string; handles: boolean; exitsFirst?: number }[]): ShutdownGap[] {
  const gaps: ShutdownGap[] = [];
  const byPackage = new Map<string, typeof signals>();
  for (const s of signals) {
    const d = packageDir(root, s.file);
    byPackage.set(d, [...(byPackage.get(d) ?? []), s]);
  }
  const candidates = evidence.constructions.filter(
    (c) =>
      c.language === 'js' &&
      !c.scope &&
      (c.kind === 'producer' || c.kind === 'consumer') &&
      c.fate.status !== 'closed' &&
      !/disconnect|close/i.test(c.fate.how ?? ''),
  );
  const reported = new Set<string>();
  for (const c of candidates) {
    const pkg = packageDir(root, c.file);
    if (reported.has(pkg)) continue;
    // the owner has a disconnect path somewhere in the file: how SIGTERM reaches it is not visible here
    const source = readFileSync(join(root, c.file), 'utf8');
    if (c.binding && new RegExp(`\\b${c.binding}\\??\\.disconnect\\s*\\(`).test(source)) continue;
    if (/\.disconnect\s*\(/.test(source) && !c.binding) continue;
    const pkgSignals = byPackage.get(pkg) ?? [];
    const base = {
      file: c.file,
      line: c.line,
      column: c.column,
      function: c.function,
      snippet: c.snippet,
      language: c.language,
      library: c.library,
      kind: c.kind,
    };
    if (!pkgSignals.length) {
      gaps.push({
        ...base,
        reason: 'no-signal-handler',
        detail: `no process.on('SIGTERM') in ${pkg === '.' ? 'the project' : pkg}: on SIGTERM Node exits without disconnecting it`,
      });
      reported.add(pkg);
    } else {
      const exits = pkgSignals.find((s) => s.exitsFirst);
      if (exits) {
        gaps.push({
          ...base,
          reason: 'exit-before-disconnect',
          detail: `the SIGTERM handler in ${exits.file} calls process.exit (line ${exits.exitsFirst}) before disconnecting`,
        });
        reported.add(pkg);
      }
    }
  }
  return gaps;
}
