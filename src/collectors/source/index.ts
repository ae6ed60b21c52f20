// The static scan's collector: lists the tree's Go, Java, Python and JS/TS files (git's view when it is a work
// tree, so .gitignore holds; vendor/, node_modules/, virtualenvs, generated files and tests skipped; no
// symlinks), reads only the packages that import a Kafka library (a text check first), parses them and gathers
// the facts.
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative, resolve, sep } from 'node:path';
import { KleakError } from '../../errors.js';
import type { Library } from '../../types.js';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { emptyFacts, goBatch, javaBatch, mergeFacts, pythonBatch, type BatchFacts, type Text } from './batch.js';
import { kafkaImportPaths } from './go/analyze.js';
import { goAnalysis, mergeGoAnalysis } from './go/vet.js';
import { javaKafkaPackages } from './java/analyze.js';
import { pythonKafkaImport } from './python/analyze.js';
import { jsShutdownGaps } from './js/shutdown.js';
import { crossModule } from './js/program.js';
import type { Site, SourceEvidence } from './types.js';
import { readDeclaredDependenciesWithWarnings } from './manifests/index.js';
import { kafkaPackages } from '../../signatures/packages.js';
import { withAdvisories } from '../../advisories/index.js';
import type { DeclaredClientVersion } from './types.js';

export interface ScanOptions {
  root: string;
  includeTests?: boolean;
  /** a git ref: report only findings in files changed since it */
  changedSince?: string;
}

const goExt = /\.go$/;
const javaExt = /\.java$/;
const pyExt = /\.py$/;
const jsExt = /\.(js|mjs|cjs|jsx)$/;
const tsExt = /\.(ts|mts|cts|tsx)$/;
const skippedDirs = /(^|\/)(vendor|node_modules|\.git|testdata|dist|build|coverage|\.next|\.?venv|site-packages|__pycache__|\.tox|\.nox)\//;
const testFile =
  /(_test\.go$|(Test|Tests|IT)\.java$|\.(test|spec)\.[cm]?[jt]sx?$|(^|\/)(__tests__|__mocks__|tests?|spec)\/|(^|\/)(test_[^/]*|[^/]*_test|conftest)\.py$)/;
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
  // a tree that an enclosing repository ignores (a vendored copy, a download cache) was named on purpose: walk it
  const fromGit = git(root, ['check-ignore', '.']) === undefined ? git(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']) : undefined;
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
  // what this branch changed since it left REF (a pull request's view), not what REF gained since
  const base = git(root, ['merge-base', ref, 'HEAD'])?.trim() || ref;
  const diff = git(root, ['diff', '--name-only', '--relative', '-z', base, '--']) ?? '';
  const untracked = git(root, ['ls-files', '-z', '--others', '--exclude-standard']) ?? '';
  return [...new Set([...diff.split('\0'), ...untracked.split('\0')].filter(Boolean))];
}

const generated = (source: string) => /^\/\/ Code generated .* DO NOT EDIT\.$/m.test(source.slice(0, 2000)) || /@generated\b/.test(source.slice(0, 500));

export async function scanSource(options: ScanOptions): Promise<SourceEvidence> {
  const started = performance.now();
  let root = resolve(options.root);
  let isDir = false;
  let only: string[] | undefined;
  try {
    const stat = statSync(root);
    isDir = stat.isDirectory();
    // one source file: the package around it is read, and only its findings are reported
    if (stat.isFile() && (goExt.test(root) || javaExt.test(root) || pyExt.test(root) || /\.(m?js|cjs|jsx|m?ts|cts|tsx)$/.test(root))) {
      only = [basename(root)];
      root = dirname(root);
      isDir = true;
    }
  } catch {
    // reported below
  }
  if (!isDir) throw new ScanError(`${options.root} is not a directory kleak can read.`, { hint: "Give the service's source tree: kleak scan ./service" });
  const changed = options.changedSince ? changedFiles(root, options.changedSince) : undefined;
  const files = listFiles(root).filter((p) => !skippedDirs.test(p) && (options.includeTests || !testFile.test(p)) && !declarationFile.test(p));
  const evidence: SourceEvidence = {
    root,
    files: { go: 0, js: 0, ts: 0, java: 0 },
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
    ...(only ? { only } : {}),
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
  const goDirs = new Map<string, Text[]>();
  for (const p of files.filter((x) => goExt.test(x))) {
    const source = read(p);
    if (source === undefined) continue;
    evidence.files.go++;
    const dir = posix.dirname(p);
    goDirs.set(dir, [...(goDirs.get(dir) ?? []), { path: p, source }]);
  }
  const goWork: Text[][] = [];
  for (const group of goDirs.values()) {
    if (group.some((g) => kafkaImportPaths.some((path) => g.source.includes(`"${path}"`)))) goWork.push(group);
    else evidence.prefiltered += group.length;
  }
  // the Go analyzer (go vet -vettool, types and calls across packages) runs beside the tree-sitter scan where it can
  const goAnalysed = goAnalysis(root, goDirs, goWork);
  // Java: by package clause (a package may span source roots); parsed only when one of its files names a Kafka package
  const javaPackages = new Map<string, Text[]>();
  for (const p of files.filter((x) => javaExt.test(x))) {
    const source = read(p);
    if (source === undefined) continue;
    evidence.files.java++;
    const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(source)?.[1] ?? `(default) ${posix.dirname(p)}`;
    javaPackages.set(pkg, [...(javaPackages.get(pkg) ?? []), { path: p, source }]);
  }
  const javaWork: Text[][] = [];
  for (const group of javaPackages.values()) {
    if (group.some((g) => javaKafkaPackages.test(g.source))) javaWork.push(group);
    else evidence.prefiltered += group.length;
  }
  // Python: by directory (a package's modules; helpers and shutdown handlers are often in a sibling module); parsed
  // only when one of its files imports a Kafka library
  const pyDirs = new Map<string, Text[]>();
  let pyFiles = 0;
  for (const p of files.filter((x) => pyExt.test(x))) {
    const source = read(p);
    if (source === undefined) continue;
    pyFiles++;
    const dir = posix.dirname(p);
    pyDirs.set(dir, [...(pyDirs.get(dir) ?? []), { path: p, source }]);
  }
  if (pyFiles) evidence.files.python = pyFiles;
  const pyWork: Text[][] = [];
  for (const group of pyDirs.values()) {
    if (group.some((g) => pythonKafkaImport.test(g.source))) pyWork.push(group);
    else evidence.prefiltered += group.length;
  }
  // JS/TS: files that mention Kafka, build a client or handle SIGTERM (or enable a framework's shutdown hooks)
  const jsWork: Text[] = [];
  // every JS/TS file: the program across modules also reads the ones that call into the Kafka code
  const jsAll: Text[] = [];
  for (const p of files.filter((x) => jsExt.test(x) || tsExt.test(x))) {
    const source = read(p);
    if (source === undefined) continue;
    if (source.length <= maxJsBytes) jsAll.push({ path: p, source });
    if (tsExt.test(p)) evidence.files.ts++;
    else evidence.files.js++;
    if (
      !/kafka/i.test(source) &&
      !/\.(producer|consumer|admin)\s*\(/.test(source) &&
      !/SIG(TERM|INT)|enableShutdownHooks|createTerminus|closeWithGrace/.test(source)
    )
      evidence.prefiltered++;
    else if (source.length > maxJsBytes)
      evidence.parseProblems.push({
        file: p,
        line: 1,
        message: `${(source.length / 1048576).toFixed(1)} MB: not parsed (larger than hand-written source; bundled or generated?)`,
      });
    else jsWork.push({ path: p, source });
  }
  const work = [...goWork, ...javaWork, ...pyWork].reduce((n, g) => n + g.length, 0) + jsWork.length;
  const threads = Number(process.env.KLEAK_SCAN_THREADS) || (work >= workerThreshold ? Math.min(availableParallelism(), 4) : 1);
  // JS/TS is always parsed in a worker thread with a large stack: oxc recurses natively and a deeply nested file
  // would crash the process on the main thread's stack; Go, Java and Python (tree-sitter runs in wasm) share the
  // workers on a big tree
  const facts =
    threads > 1
      ? await inWorkers(threads, goWork, javaWork, pyWork, jsWork)
      : [
          await goBatch(goWork),
          await javaBatch(javaWork),
          await pythonBatch(pyWork),
          jsWork.length ? await inWorkers(1, [], [], [], jsWork) : emptyFacts(),
        ].reduce((all, f) => mergeFacts(all, f), emptyFacts());
  const go = await goAnalysed;
  facts.constructions = mergeGoAnalysis(facts.constructions, go.constructions);
  // no-graceful-shutdown across packages (the Go analyzer's): where the tree-sitter scan has no gap at that line
  for (const g of go.shutdown) if (!facts.shutdown.some((x) => x.file === g.file && x.line === g.line)) facts.shutdown.push(g);
  if (go.engines.length) evidence.engines = [...(evidence.engines ?? []), ...go.engines];
  // JS/TS across modules: the TypeScript checker where the files form a project, the per-file facts elsewhere
  if (jsWork.length) {
    const cross = crossModule(root, jsAll, facts.constructions);
    facts.constructions.push(...cross.added);
    evidence.engines = [...(evidence.engines ?? []), ...cross.engines];
  }
  const order = (a: Site, b: Site) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;
  evidence.constructions = facts.constructions.sort(order);
  evidence.stores = facts.stores.sort(order);
  evidence.resends = facts.resends.sort(order);
  evidence.shutdown = facts.shutdown.sort(order);
  evidence.parseProblems = facts.parseProblems.sort((a, b) => a.file.localeCompare(b.file));
  evidence.suppressions = facts.suppressions;
  const signals = facts.signals.sort((a, b) => a.file.localeCompare(b.file));
  evidence.shutdown.push(...jsShutdownGaps(root, evidence, signals));
  if (!only) declaredVersions(root, evidence);
  evidence.durationMs = Math.round(performance.now() - started);
  return evidence;
}

/** The Kafka client versions the tree's manifests and lock files declare, with their known leak bugs. */
function declaredVersions(root: string, evidence: SourceEvidence): void {
  const { dependencies, warnings } = readDeclaredDependenciesWithWarnings(root);
  const declared: DeclaredClientVersion[] = [];
  for (const d of dependencies) {
    const known = kafkaPackages.find((p) => p.ecosystem === d.ecosystem && p.name.toLowerCase() === d.name.toLowerCase());
    const version = (d.replacedBy?.version ?? d.version)?.replace(/^v/, '');
    if (!known || !version || !/^\d/.test(version)) continue;
    declared.push({
      library: known.library,
      ecosystem: known.ecosystem,
      package: known.name,
      version,
      from: 'manifest',
      file: d.file,
      line: d.line,
      direct: d.direct,
      ...(d.lockFile ? { lockFile: d.lockFile } : {}),
      ...(d.replacedBy ? { replacedBy: { path: d.replacedBy.name, ...(d.replacedBy.version ? { version: d.replacedBy.version } : {}) } } : {}),
    });
  }
  if (declared.length) evidence.dependencies = withAdvisories(declared);
  for (const w of warnings) evidence.parseProblems.push({ file: w.slice(0, Math.max(0, w.indexOf(':'))) || root, line: 1, message: w });
}

/** From this many files to parse, the work is shared among worker threads (one per core, at most 4). */
const workerThreshold = 300;

/** The native stack of a scan worker: oxc parses a 200,000-deep expression in 64 MiB; this leaves room (it is only reserved). */
const workerStackMb = 512;
/** Larger JS/TS files are not hand-written source (bundles, generated code): not parsed, and said so. */
const maxJsBytes = 4 << 20;

/** Splits items into n shares of about equal size (largest first onto the lightest share). */
function shares<T>(items: T[], n: number, size: (t: T) => number): T[][] {
  const out = Array.from({ length: n }, () => ({ items: [] as T[], size: 0 }));
  for (const item of [...items].sort((a, b) => size(b) - size(a))) {
    const lightest = out.reduce((a, b) => (b.size < a.size ? b : a));
    lightest.items.push(item);
    lightest.size += size(item);
  }
  return out.map((s) => s.items);
}

async function inWorkers(n: number, goWork: Text[][], javaWork: Text[][], pyWork: Text[][], jsWork: Text[]): Promise<BatchFacts> {
  const workers = Array.from({ length: n }, () => new Worker(new URL('./scan-worker.js', import.meta.url), { resourceLimits: { stackSizeMb: workerStackMb } }));
  const ask = <T>(w: Worker, message: unknown): Promise<T> =>
    new Promise((resolveAnswer, reject) => {
      const onMessage = (m: { ok?: T; error?: string }) => {
        w.off('error', onError);
        if (m.error !== undefined) reject(new Error(`a scan worker failed: ${m.error}`));
        else resolveAnswer(m.ok as T);
      };
      const onError = (e: Error) => {
        w.off('message', onMessage);
        reject(e);
      };
      w.once('message', onMessage);
      w.once('error', onError);
      w.postMessage(message);
    });
  try {
    const goShares = shares(goWork, n, (g) => g.reduce((a, t) => a + t.source.length, 0));
    const javaShares = shares(javaWork, n, (g) => g.reduce((a, t) => a + t.source.length, 0));
    const pyShares = shares(pyWork, n, (g) => g.reduce((a, t) => a + t.source.length, 0));
    const jsShares = shares(jsWork, n, (t) => t.source.length);
    // one request at a time per worker (each answer is the worker's next message); the workers run side by side
    const first = await Promise.all(
      workers.map(async (w, i) => ({
        go: await ask<BatchFacts>(w, { type: 'go', dirs: goShares[i] }),
        java: await ask<BatchFacts>(w, { type: 'java', packages: javaShares[i] }),
        python: await ask<BatchFacts>(w, { type: 'python', packages: pyShares[i] }),
        exports: await ask<[string, [string, Library][]][]>(w, { type: 'js-parse', files: jsShares[i] }),
      })),
    );
    const goFacts = first.flatMap((f) => [f.go, f.java, f.python]);
    const exported = first.flatMap((f) => f.exports);
    const known = jsWork.map((f) => f.path);
    const jsFacts = await Promise.all(workers.map((w) => ask<BatchFacts>(w, { type: 'js-analyze', exported, known })));
    return [...goFacts, ...jsFacts].reduce((all, f) => mergeFacts(all, f), emptyFacts());
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
