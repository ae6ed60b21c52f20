// The Go scan's second engine: kleak's go/analysis analyzer (analyzers/go), run by `go vet -vettool` (or, on a
// module with many packages to analyse, on its own: the go/packages driver, one process) on the packages of each
// module that use a Kafka library (and the module's packages that import those), when a Go toolchain is on PATH
// and the module type-checks. It knows what a per-file syntax tree cannot: types, calls
// across files and packages at any depth, interface methods, who finally owns a client a factory returns. Its
// constructions are added where the tree-sitter scan has none at that line, and give a tree-sitter construction
// the request scope it could not see; where it cannot run, the tree-sitter scan stands alone and says why.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { repoRoot } from '../../../repo-root.js';
import type { Library } from '../../../types.js';
import type { ClientKind, Construction, Fate, Scope, ShutdownGap, SourceEvidence } from '../types.js';

/** Which engine scanned a module's Go packages, on how many packages, and why the tree-sitter scan ran alone. */
export interface ScanEngine {
  language: 'go';
  engine: 'go/analysis' | 'tree-sitter';
  /** the module's directory relative to the scan root ('.' for the root itself) */
  root: string;
  packages: number;
  /** why the tree-sitter scan ran alone */
  reason?: string;
  /** the module's Go files are as they were at the last scan: the analyzer's result then, reused */
  reused?: boolean;
}
import type { Text } from '../batch.js';

/** The record each analyzer diagnostic carries (kleak-vet -payload: a line "kleak:{…}" after the message). */
interface VetRecord {
  rule: string;
  file: string;
  line: number;
  column: number;
  function: string;
  snippet: string;
  kind: ClientKind;
  library: Library;
  callee: string;
  binding?: string;
  scope?: Scope;
  fate: Fate;
  /**
   * a leak the tree-sitter scan cannot see: "error-path" (a return after the construction succeeded leaves it open),
   * "owner-forgets" (the Close or Stop of what keeps it never closes it)
   */
  gap?: 'error-path' | 'owner-forgets';
}

/** The analyzer's constructions, and which of them are leaks the tree-sitter scan cannot see at their line. */
const gaps = new WeakSet<Construction>();

export interface GoAnalysis {
  constructions: Construction[];
  /** no-graceful-shutdown across packages: a client main gets from another package's factory, at its constructor */
  shutdown: ShutdownGap[];
  engines: ScanEngine[];
}

/** How long the analyzer may take on one module (it type-checks the module's dependencies from source). */
const vetTimeoutMs = Number(process.env.KLEAK_SCAN_GO_TIMEOUT_MS) || 120_000;
const buildTimeoutMs = 180_000;
const goBudgetMs = Number(process.env.KLEAK_SCAN_GO_BUDGET_MS) || 300_000;
/** From this many packages to analyse in one module, kleak-vet runs on its own rather than under go vet (measured: see analyse). */
const standaloneFrom = 150;

/** fn over items, at most n at a time, results in the items' order. */
async function inTurn<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
  return out;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  error?: string;
}

function runTool(cmd: string, args: string[], cwd: string, timeout: number, env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, timeout, env, maxBuffer: 256 * 1024 * 1024, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const e = error as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
      done({
        code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
        stdout: String(stdout),
        stderr: String(stderr),
        timedOut: !!e?.killed,
        ...(e && typeof e.code === 'string' ? { error: e.code } : {}),
      });
    });
  });
}

const analyzerDir = () => process.env.KLEAK_GO_ANALYZER_DIR ?? join(repoRoot, 'analyzers/go');

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'kleak');
}

/** The analyzer's sources (not its tests), hashed with the Go version: the cached binary's key. */
function analyzerKey(dir: string, goVersion: string): string {
  const hash = createHash('sha256').update(goVersion);
  const visit = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const abs = join(d, name);
      if (name === 'testdata') continue;
      if (statSync(abs).isDirectory()) visit(abs);
      else if (/(\.go|go\.mod|go\.sum)$/.test(name) && !name.endsWith('_test.go')) hash.update(relative(dir, abs)).update('\0').update(readFileSync(abs));
    }
  };
  visit(dir);
  return hash.digest('hex').slice(0, 16);
}

let built: Promise<{ bin?: string; reason?: string }> | undefined;

/** kleak-vet, built once per analyzer version and Go version into the user's cache. */
export function analyzerBinary(goVersion: string): Promise<{ bin?: string; reason?: string }> {
  built ??= (async () => {
    const dir = analyzerDir();
    if (!existsSync(join(dir, 'go.mod'))) return { reason: `the analyzer's sources are not installed (${dir})` };
    const key = analyzerKey(dir, goVersion);
    const bin = join(cacheDir(), `kleak-vet-${key}`);
    if (existsSync(bin)) return { bin };
    mkdirSync(cacheDir(), { recursive: true });
    const tmp = `${bin}.${process.pid}.tmp`;
    const ran = await runTool('go', ['build', '-o', tmp, './cmd/kleak-vet'], dir, buildTimeoutMs, { ...process.env, GOWORK: 'off', GOFLAGS: '' });
    if (ran.code !== 0)
      return { reason: `the analyzer did not build: ${firstLine(ran.stderr) || ran.error || (ran.timedOut ? 'timed out' : 'go build failed')}` };
    renameSync(tmp, bin);
    return { bin };
  })();
  return built;
}

const firstLine = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !/^go: downloading/.test(l))[0]
    ?.slice(0, 300) ?? '';

let goVersion: Promise<string | undefined> | undefined;
function goToolchain(): Promise<string | undefined> {
  goVersion ??= runTool('go', ['env', 'GOVERSION'], process.cwd(), 20_000).then((r) => (r.code === 0 ? r.stdout.trim() : undefined));
  return goVersion;
}

/** The nearest directory at or above dir with a go.mod, and its module path. */
function moduleOf(dir: string, memo: Map<string, { dir: string; path: string } | null>): { dir: string; path: string } | null {
  const hit = memo.get(dir);
  if (hit !== undefined) return hit;
  let found: { dir: string; path: string } | null = null;
  const mod = join(dir, 'go.mod');
  if (existsSync(mod)) {
    const path = /^\s*module\s+"?([^\s"]+)"?/m.exec(readFileSync(mod, 'utf8'))?.[1];
    if (path) found = { dir, path };
  } else {
    const up = dirname(dir);
    if (up !== dir) found = moduleOf(up, memo);
  }
  memo.set(dir, found);
  return found;
}

/** The import paths a Go file imports. */
function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/^import\s*(?:[\w.]+\s+)?"([^"]+)"|^import\s*\(([\s\S]*?)^\)/gm)) {
    if (m[1]) out.push(m[1]);
    else for (const s of m[2]!.matchAll(/"([^"]+)"/g)) out.push(s[1]!);
  }
  return out;
}

/**
 * Runs the analyzer on each module that holds Go packages using a Kafka library. goDirs: every Go package
 * directory read (relative to root), goWork: those that use a Kafka library.
 */
export async function goAnalysis(root: string, goDirs: Map<string, Text[]>, goWork: Text[][]): Promise<GoAnalysis> {
  try {
    return await analyse(root, goDirs, goWork);
  } catch (e) {
    const reason = `the analyzer failed: ${(e as Error).message.split('\n')[0]}`;
    return { constructions: [], shutdown: [], engines: [{ language: 'go', engine: 'tree-sitter', root: '.', packages: goWork.length, reason }] };
  }
}

async function analyse(root: string, goDirs: Map<string, Text[]>, goWork: Text[][]): Promise<GoAnalysis> {
  const out: GoAnalysis = { constructions: [], shutdown: [], engines: [] };
  if (!goWork.length) return out;
  const workDirs = new Set(goWork.map((g) => posix.dirname(g[0]!.path)));
  const memo = new Map<string, { dir: string; path: string } | null>();
  // the packages of each module: the ones that use Kafka, and the module's packages that import them
  const modules = new Map<string, { dir: string; path: string; work: Set<string> }>();
  const outside: string[] = [];
  for (const d of workDirs) {
    const mod = moduleOf(resolve(root, d), memo);
    if (!mod) outside.push(d);
    else {
      const m = modules.get(mod.dir) ?? { ...mod, work: new Set<string>() };
      m.work.add(d);
      modules.set(mod.dir, m);
    }
  }
  if (outside.length)
    out.engines.push({
      language: 'go',
      engine: 'tree-sitter',
      root: '.',
      packages: outside.length,
      reason: 'not in a Go module (no go.mod above the packages)',
    });
  if (!modules.size) return out;
  const forced = process.env.KLEAK_SCAN_GO_ENGINE;
  const fallback = (reason: string) => {
    for (const m of modules.values()) out.engines.push({ language: 'go', engine: 'tree-sitter', root: relRoot(root, m.dir), packages: m.work.size, reason });
    return out;
  };
  if (forced === 'tree-sitter') return fallback('KLEAK_SCAN_GO_ENGINE=tree-sitter');
  const version = await goToolchain();
  if (!version) return fallback('no Go toolchain on PATH');
  const { bin, reason } = await analyzerBinary(version);
  if (!bin) return fallback(reason!);
  const scanned = new Set([...goDirs.values()].flatMap((g) => g.map((t) => t.path)));
  // go vet runs its packages in parallel itself: two modules at a time at most (a repository of 30 example
  // modules must not start 30 builds), and one budget for the whole tree; modules past it keep the tree-sitter scan
  const deadline = performance.now() + goBudgetMs;
  const results = await inTurn([...modules.values()], Math.min(2, availableParallelism()), async (m) => {
    const left = Math.round(deadline - performance.now());
    if (left < 1000)
      return {
        engine: tsEngine(
          relRoot(root, m.dir),
          m.work.size,
          `the scan's Go budget (${goBudgetMs / 1000} s, KLEAK_SCAN_GO_BUDGET_MS) was spent on other modules`,
        ),
      };
    const importPath = (d: string) => {
      const rel = relative(m.dir, resolve(root, d)).split(sep).join('/');
      return rel ? `${m.path}/${rel}` : m.path;
    };
    // the module's packages that import one in the set, to a fixed point: a handler package that reaches Kafka only through a repository package
    const inModule = [...goDirs.keys()].filter((d) => moduleOf(resolve(root, d), memo)?.dir === m.dir);
    const imports = new Map(inModule.map((d) => [d, new Set(goDirs.get(d)!.flatMap((t) => importsOf(t.source)))]));
    const set = new Set(m.work);
    const paths = new Set([...set].map(importPath));
    for (let changed = true; changed;) {
      changed = false;
      for (const d of inModule) {
        if (set.has(d) || ![...imports.get(d)!].some((p) => paths.has(p))) continue;
        set.add(d);
        paths.add(importPath(d));
        changed = true;
      }
    }
    const patterns = [...set].map((d) => {
      const rel = relative(m.dir, resolve(root, d)).split(sep).join('/');
      return rel ? `./${rel}` : '.';
    });
    const timeout = Math.min(vetTimeoutMs, left);
    const started = performance.now();
    // Two drivers, by the number of packages. Under `go vet -vettool` each package is a process that reads its
    // dependencies' export data and facts from go's build cache, kept across modules and runs; kleak-vet on its own
    // (go/packages) is one process that type-checks the dependencies from source every time and passes facts in
    // memory. Measured on the scan benchmark's module (touched packages, warm build cache): 10 packages 0.37 s
    // against 1.86 s, 100: 2.11 against 2.76, 200: 4.17 against 3.48; on franz-go's 32 example modules 11.5 s
    // against 48 s. So go vet, except from standaloneFrom packages in one module.
    const forcedDriver = process.env.KLEAK_SCAN_GO_DRIVER;
    const driver = forcedDriver === 'vet' || forcedDriver === 'standalone' ? forcedDriver : patterns.length >= standaloneFrom ? 'standalone' : 'vet';
    // on its own the tests are left out (a finding in a _test.go file is not reported, and a test that does not
    // compile must not stop the analysis of the code it tests); go vet always type-checks them
    const alone = (pats: string[], ms: number) => runTool(bin, ['-test=false', '-json', '-payload', ...pats.sort()], m.dir, ms, vetEnv());
    const analyzer = (pats: string[], ms: number) =>
      driver === 'vet' ? runTool('go', ['vet', `-vettool=${bin}`, '-json', '-payload', ...pats.sort()], m.dir, ms, vetEnv()) : alone(pats, ms);
    const key = resultKey(m.dir, patterns, bin);
    const cached = key ? reuse(m.dir, key) : undefined;
    let ran = cached ?? (await analyzer(patterns, timeout));
    // a directory whose files build constraints all exclude (//go:build ignore examples, another OS): left out, once
    const excluded = new Set(
      [...ran.stderr.matchAll(/(?:build constraints exclude all Go files in|no Go files in) (\S+)/g)].map((x) => {
        const rel = relative(m.dir, x[1]!).split(sep).join('/');
        return rel ? `./${rel}` : '.';
      }),
    );
    const kept = patterns.filter((p) => !excluded.has(p));
    if (ran.code !== 0 && !ran.timedOut && excluded.size && kept.length && kept.length < patterns.length) {
      const rest = Math.round(timeout - (performance.now() - started));
      if (rest > 1000) {
        patterns.splice(0, patterns.length, ...kept);
        ran = await analyzer(patterns, rest);
      }
    }
    // go vet type-checks the packages with their tests, and has no flag to leave them out: when only a _test.go
    // file does not compile, the analyzer runs on its own without the tests
    if (driver === 'vet' && ran.code !== 0 && !ran.timedOut && /_test\.go:\d+/.test(firstLine(ran.stderr))) {
      const rest = Math.round(timeout - (performance.now() - started));
      if (rest > 1000) ran = await alone(patterns, rest);
    }
    if (key && !cached && ran.code === 0) keep(m.dir, key, ran);
    const where = relRoot(root, m.dir);
    if (ran.timedOut) return { engine: tsEngine(where, set.size, `the analyzer took longer than ${Math.round(timeout / 1000)} s`) };
    if (ran.code === null && !ran.error)
      return { engine: tsEngine(where, set.size, 'the analyzer was stopped by a signal (out of memory? it holds the module and its dependencies at once)') };
    if (ran.code !== 0)
      return {
        engine: tsEngine(
          where,
          set.size,
          `the module does not build or type-check: ${firstLine(ran.stderr) || ran.error || `the analyzer exited ${ran.code}`}`,
        ),
      };
    const records = parseVet(ran.stderr + ran.stdout);
    const constructions: Construction[] = [];
    const shutdown: ShutdownGap[] = [];
    for (const r of records) {
      const file = relative(root, r.file).split(sep).join('/');
      if (file.startsWith('../') || !scanned.has(file)) continue; // outside the tree, a test file, generated code
      if (r.rule === 'no-graceful-shutdown') shutdown.push(toShutdownGap(r, file));
      else constructions.push(toConstruction(r, file));
    }
    const engine: ScanEngine = { language: 'go', engine: 'go/analysis', root: where, packages: patterns.length, ...(cached ? { reused: true } : {}) };
    return { engine, constructions, shutdown };
  });
  for (const r of results) {
    out.engines.push(r.engine);
    out.constructions.push(...(r.constructions ?? []));
    for (const g of r.shutdown ?? []) if (!out.shutdown.some((x) => x.file === g.file && x.line === g.line)) out.shutdown.push(g);
  }
  out.constructions = dedupe(out.constructions);
  return out;
}

/** The report's line for an engine: "Go: types and calls across packages (go/analysis) on 3 packages in ." */
export function engineText(e: NonNullable<SourceEvidence['engines']>[number]): string {
  // a module above the scanned directory (kleak scan services/orders in a repository-wide module) is named as such
  const where = !e.root || e.root === '.' ? '' : e.root.startsWith('..') ? ` (the module at ${e.root})` : ` in ${e.root}`;
  const count = e.packages ?? e.files ?? 0;
  const n = e.packages !== undefined ? `${count} package${count === 1 ? '' : 's'}` : `${count} file${count === 1 ? '' : 's'}`;
  if (e.language !== 'go') return `${e.language}: ${e.engine} on ${n}${where}${e.reason ? `: ${e.reason}` : ''}`;
  return e.engine === 'go/analysis'
    ? `Go: types and calls across packages (go/analysis) on ${n}${where}${e.reused ? ' (unchanged since the last scan: its result reused)' : ''}`
    : `Go: syntax only (tree-sitter) on ${n}${where}: ${e.reason ?? 'the analyzer did not run'}`;
}

/**
 * The analyzer's environment (go list's, under go/packages): the user's, except that a module asking for a newer Go
 * does not make the scan download a toolchain (GOTOOLCHAIN=local unless the user set it): it falls back to the
 * tree-sitter scan and says so.
 */
const vetEnv = (): NodeJS.ProcessEnv => ({ ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN || 'local' });

/** What the analyzer's result on a module depends on, besides the dependencies go.sum pins. */
const envKeys = ['GOFLAGS', 'GOOS', 'GOARCH', 'CGO_ENABLED', 'GOTOOLCHAIN', 'GOEXPERIMENT', 'GOPATH', 'GOROOT', 'GOPROXY', 'GONOSUMDB', 'GOPRIVATE'];

/**
 * The key of the analyzer's result on a module: the analyzer, the packages asked, the environment, and the path,
 * size and modification time of every Go file, go.mod, go.sum and go.work in the module (generated files too: they
 * type-check with the rest). None (no reuse) where the result depends on files outside the module: a local replace
 * directive or a go.work workspace.
 */
function resultKey(dir: string, patterns: string[], bin: string): string | undefined {
  if (process.env.KLEAK_SCAN_GO_CACHE === 'off') return undefined;
  try {
    if (/=>\s*\.{0,2}\//m.test(readFileSync(join(dir, 'go.mod'), 'utf8')) || process.env.GOWORK) return undefined;
    for (let d = dir; ; d = dirname(d)) {
      if (existsSync(join(d, 'go.work'))) return undefined;
      if (dirname(d) === d) break;
    }
    const hash = createHash('sha256')
      .update(bin)
      .update('\0')
      .update([...patterns].sort().join('\0'));
    for (const k of envKeys) hash.update(`\0${k}=${process.env[k] ?? ''}`);
    const visit = (d: string, depth: number) => {
      if (depth > 40) return;
      for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const abs = join(d, e.name);
        if (e.isDirectory()) {
          if (e.name === '.git' || e.name === 'node_modules' || e.name === 'testdata' || e.name.startsWith('_') || e.name.startsWith('.')) continue;
          // a nested module is a module of its own
          if (!existsSync(join(abs, 'go.mod'))) visit(abs, depth + 1);
        } else if (e.isFile() && (/\.go$/.test(e.name) || /^go\.(mod|sum|work)$/.test(e.name))) {
          const st = statSync(abs);
          hash.update(`\0${relative(dir, abs)}\0${st.size}\0${st.mtimeMs}`);
        }
      }
    };
    visit(dir, 0);
    return hash.digest('hex');
  } catch {
    return undefined;
  }
}

/** One cached result per module directory (the last scan's), in the user's cache. */
export const goResultFile = (dir: string) => join(cacheDir(), 'go-results', `${createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 24)}.json`);

function reuse(dir: string, key: string): Ran | undefined {
  try {
    const had = JSON.parse(readFileSync(goResultFile(dir), 'utf8')) as { key: string; stdout: string };
    return had.key === key ? { code: 0, stdout: had.stdout, stderr: '', timedOut: false } : undefined;
  } catch {
    return undefined;
  }
}

function keep(dir: string, key: string, ran: Ran): void {
  try {
    const file = goResultFile(dir);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify({ key, stdout: ran.stdout }));
    renameSync(`${file}.${process.pid}.tmp`, file);
  } catch {
    // a cache that cannot be written is no cache
  }
}

const relRoot = (root: string, dir: string) => relative(root, dir).split(sep).join('/') || '.';
const tsEngine = (root: string, packages: number, reason: string): ScanEngine => ({ language: 'go', engine: 'tree-sitter', root, packages, reason });

/** The records in go vet -json's output (a JSON object per package, each diagnostic's message ending in "kleak:{…}"). */
export function parseVet(output: string): VetRecord[] {
  const out: VetRecord[] = [];
  for (const m of output.matchAll(/"message":\s*("(?:[^"\\]|\\.)*")/g)) {
    let message: string;
    try {
      message = JSON.parse(m[1]!) as string;
    } catch {
      continue;
    }
    const at = message.lastIndexOf('\nkleak:');
    if (at < 0) continue;
    try {
      out.push(JSON.parse(message.slice(at + '\nkleak:'.length)) as VetRecord);
    } catch {
      // not a record
    }
  }
  return out;
}

/** Where a record's client is built, as the tree-sitter scan writes a site. */
const siteOf = (r: VetRecord, file: string) => ({
  file,
  line: r.line,
  column: r.column,
  function: r.function,
  snippet: r.snippet,
  language: 'go' as const,
  library: r.library,
  kind: r.kind,
  callee: r.callee,
});

function toConstruction(r: VetRecord, file: string): Construction {
  // a gap's client is followed past the point where the tree-sitter scan takes it as handed on (into a
  // New…FromClient that takes it over only when it succeeds): without its binding, no wrapper hides it
  const c: Construction = {
    ...siteOf(r, file),
    ...(r.binding && !r.gap ? { binding: r.binding } : {}),
    ...(r.scope ? { scope: r.scope } : {}),
    fate: r.fate,
  };
  if (r.gap) gaps.add(c);
  return c;
}

/** A client main gets from another package's factory, with no SIGTERM path: the gap at its constructor. */
function toShutdownGap(r: VetRecord, file: string): ShutdownGap {
  return {
    ...siteOf(r, file),
    reason: 'no-signal-handler',
    detail: r.fate.reason ?? 'main has no SIGTERM handler',
  };
}

const rank = (c: Construction) => (c.scope ? 0 : 2) + (c.fate.status === 'closed' ? 1 : 0);

/** One construction per line: a request scope first, a leak before a close (the worst of the handlers that reach it). */
function dedupe(cs: Construction[]): Construction[] {
  const best = new Map<string, Construction>();
  for (const c of cs) {
    const key = `${c.file}:${c.line}`;
    const had = best.get(key);
    if (!had || rank(c) < rank(had)) best.set(key, c);
  }
  return [...best.values()];
}

/**
 * Folds the analyzer's constructions into the tree-sitter scan's: added where the tree-sitter scan has none at
 * that line; where it has one without a request scope and the analyzer found the handler that reaches it (in
 * another file or package, or more than two calls deep), the scope and the handler's fate are the analyzer's.
 */
export function mergeGoAnalysis(constructions: Construction[], analyzed: Construction[]): Construction[] {
  const byLine = new Map<string, Construction[]>();
  for (const c of constructions) if (c.language === 'go') byLine.set(`${c.file}:${c.line}`, [...(byLine.get(`${c.file}:${c.line}`) ?? []), c]);
  const added: Construction[] = [];
  const wrapped = new Set(constructions.flatMap((t) => (t.fromClient ? [`${t.file}\0${t.function}\0${t.fromClient.client}`] : [])));
  const replaced = new Set<Construction>();
  for (const a of analyzed) {
    const same = byLine.get(`${a.file}:${a.line}`);
    if (gaps.has(a)) {
      // a leak on a path the tree-sitter scan does not follow: it takes the place of the tree-sitter construction
      // at that line, unless that one is reported already (or is main's own, kept for no-graceful-shutdown)
      const reported = (same ?? []).some((t) => t.scope || (!t.inMain && !t.singleton && (t.fate.status === 'leaks' || t.fate.status === 'discarded')));
      if (reported) continue;
      for (const t of same ?? []) if (!t.inMain && t.callee === a.callee) replaced.add(t);
      added.push(a);
      continue;
    }
    // a client the tree-sitter scan already follows into a New…FromClient wrapper in that function: producer-closed-client-open's, or the wrapper's
    const intoWrapper = !a.scope && !!a.binding && wrapped.has(`${a.file}\0${a.function}\0${a.binding}`);
    // a client built on a line where the tree-sitter scan found only another construction (the wrapper it goes into), which it does not report
    const beside = !!same && !a.scope && same.every((t) => t.callee !== a.callee && !t.scope && t.fate.status !== 'leaks' && t.fate.status !== 'discarded');
    if ((!same || beside) && !intoWrapper) {
      added.push(a);
      continue;
    }
    if (!same || !a.scope) continue;
    for (const t of same) {
      if (t.scope || t.singleton || t.kind !== a.kind) continue;
      t.scope = a.scope;
      if (t.fate.status === 'escapes') t.fate = a.fate;
    }
  }
  return [...constructions.filter((c) => !replaced.has(c)), ...added];
}
