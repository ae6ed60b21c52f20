// The JS/TS scan across modules: one TypeScript program per project (a tsconfig.json, jsconfig.json or
// package.json root, allowJs), holding only the files that mention Kafka and the files that import them,
// transitively. The checker resolves what a per-file syntax tree cannot: imported functions and re-exports,
// methods through class instances and injected services (this.orders.publish()), handlers exported from one
// module and registered in a router file. Each function gets a summary — the clients it builds per call and does
// not keep, and whether it returns a new client (a factory) — propagated through its callees at any depth; each
// request or per-message scope then reaches the constructions it runs, and those get the scope with the chain
// (routes.ts POST /orders → OrderService.create → createTopic). What becomes of a client is judged by the
// per-file analysis (js/analyze.ts), the same way for a construction and for a factory's result. Monorepos: imports
// resolve through the `paths` of every config of the project (extends chains followed: an Nx tsconfig.base.json) and
// workspace packages by name; a method called through an interface, an abstract class or a NestJS token reaches
// every implementation; a field initialiser builds per instance, as a constructor does. For no-graceful-shutdown
// (js/shutdown.ts), the pass also records which entry modules load each file and the signal handlers whose path
// runs into another module.
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import ts from 'typescript';
import { parseSync } from 'oxc-parser';
import type { Library } from '../../../types.js';
import type { ClientKind, Construction, Scope } from '../types.js';
import { fateJudge, lineStarts, type JsFile } from './analyze.js';

export interface ProgramText {
  /** relative to the scan root, forward slashes */
  path: string;
  source: string;
}

export interface EngineRecord {
  language: string;
  engine: string;
  root?: string;
  files?: number;
  reason?: string;
}

export interface ProgramResult {
  /** constructions the per-file pass could not see or could not scope, each with its request scope */
  added: Construction[];
  engines: EngineRecord[];
}

/**
 * What the programs know about shutdown, for no-graceful-shutdown (js/shutdown.ts), per scan root: the entry modules
 * each file of an import closure is loaded by (files nothing in the project imports: main.ts, a server), so that a
 * SIGTERM handler counts for a client when one program loads both, and the signal handlers whose shutdown path
 * runs into another module (doTerminationCleanup() in a shared library that calls process.exit).
 */
export interface ProgramShutdownFacts {
  /** file → the entry modules that load it (itself when nothing imports it); files outside every closure are absent */
  entries: Map<string, Set<string>>;
  /** `file:line` of a process.on(signal, …) → what its path does across modules */
  handlers: Map<string, CrossHandler>;
}

export interface CrossHandler {
  /** what it disconnects or closes, as written, across the modules it calls; '*' a call kleak cannot follow */
  closes: string[];
  /** process.exit reached before any disconnect: where, and through which functions */
  exit?: { file: string; line: number; via: string[] };
}

const shutdownFacts = new Map<string, ProgramShutdownFacts>();

/** The shutdown facts the last cross-module pass over this root found (none with KLEAK_SCAN_JS_ENGINE=oxc). */
export function programShutdownFacts(root: string): ProgramShutdownFacts | undefined {
  return shutdownFacts.get(root);
}

/** Above this many files in one project's closure, no program is built (the per-file scan stands). */
const maxProgramFiles = 5000;

const configNames = ['tsconfig.json', 'jsconfig.json', 'package.json'];
const kafkaModule = /['"](kafkajs|@confluentinc\/kafka-javascript|node-rdkafka)(\/[^'"]*)?['"]/;
const kafkaTypesPath = /\/node_modules\/(kafkajs|@confluentinc\/kafka-javascript)\//;
const closeMethods = new Set(['disconnect', 'close', 'stop']);
const clientFactories = new Map<string, ClientKind>([
  ['producer', 'producer'],
  ['consumer', 'consumer'],
  ['admin', 'admin'],
]);
const httpVerbs = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'head', 'options']);
const routeDecorators = new Set(['Get', 'Post', 'Put', 'Patch', 'Delete', 'All', 'Head', 'Options']);
const messageDecorators = new Set(['MessagePattern', 'EventPattern']);

/**
 * The project a file belongs to: the highest directory (up to the scan root) above it with a tsconfig, jsconfig or
 * package.json — one program for a repository whose packages import each other by relative paths.
 */
function projectOf(root: string, path: string, cache: Map<string, string | null>): string | null {
  const dir = posix.dirname(path);
  const cached = cache.get(dir);
  if (cached !== undefined) return cached;
  const own = configNames.some((n) => existsSync(posix.join(root, dir, n))) ? dir : null;
  const above = dir === '.' ? null : projectOf(root, `${posix.dirname(dir)}/x`, cache);
  const found = above ?? own;
  cache.set(dir, found);
  return found;
}

/** What a file that declares a request or per-message entry has in its text (a cheap test before the program is built). */
const handlerHint =
  /\.(get|post|put|patch|delete|del|all|head|options)\s*\(\s*['"`[]|\.route\s*\(|@(Get|Post|Put|Patch|Delete|All|MessagePattern|EventPattern)\s*\(|\beach(Message|Batch)\b|createServer|Handler\b|:\s*(express\.)?(Request|FastifyRequest|NextApiRequest|NextRequest|IncomingMessage)\b|\bfunction\s+(GET|POST|PUT|PATCH|DELETE)\b/;

/** A signal handler installed in a file: its shutdown path may run into another module. */
const signalHint = /process\.(on|once|addListener|prependListener)\s*\(\s*['"]SIG(TERM|INT)['"]/;

/** The module specifiers a file imports, re-exports or requires. */
function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"\s]+)['"]/g)) out.push(m[1]!);
  return out;
}

const extensions = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.jsx'];

/** The file a path (relative to the scan root, no extension or a .js one) names: itself, with an extension, or its index. */
function fileAt(base: string, known: Set<string>): string | undefined {
  const stem = base.replace(/\.(js|mjs|cjs|jsx)$/, '');
  const candidates = [
    base,
    ...extensions.map((e) => stem + e),
    ...(/\.d\.ts$/.test(base) ? [base.replace(/\.d\.ts$/, '.ts')] : []),
    ...['index.ts', 'index.tsx', 'index.js', 'index.mjs'].map((i) => `${base}/${i}`),
  ];
  return candidates.find((c) => known.has(c));
}

function resolveRelative(from: string, spec: string, known: Set<string>): string | undefined {
  return fileAt(posix.normalize(posix.join(posix.dirname(from), spec)), known);
}

/**
 * How a project's non-relative imports reach its own files: the tsconfig/jsconfig `paths` of every config in the
 * project (their `extends` chains followed, a base config in a parent directory or a package such as
 * @tsconfig/node20 when it is installed; an Nx tsconfig.base.json), and the workspace packages (npm, yarn, pnpm)
 * by their package.json name, their entry (types, exports, module, main) mapped back from dist to src when only the
 * sources are there. `paths` holds absolute targets (TypeScript joins them to baseUrl, which leaves them as they are).
 */
interface Aliases {
  paths: ts.MapLike<string[]>;
  baseUrl?: string;
  rootDirs?: string[];
  /** the file a specifier names from a file (relative to the scan root) */
  resolve: (from: string, spec: string) => string | undefined;
}

/** A config's compiler options with its extends chain applied (no file listing: readDirectory finds nothing). */
function readConfig(file: string): ts.CompilerOptions | undefined {
  const read = ts.readConfigFile(file, (p) => readFileSync(p, 'utf8'));
  if (read.error || !read.config || typeof read.config !== 'object') return undefined;
  const host: ts.ParseConfigHost = {
    useCaseSensitiveFileNames: true,
    readDirectory: () => [],
    fileExists: (f) => ts.sys.fileExists(f),
    readFile: (f) => ts.sys.readFile(f),
  };
  try {
    return ts.parseJsonConfigFileContent(read.config, host, posix.dirname(file), undefined, file).options;
  } catch {
    return undefined;
  }
}

interface Manifest {
  name?: unknown;
  main?: unknown;
  module?: unknown;
  types?: unknown;
  typings?: unknown;
  exports?: unknown;
}

/** The entry paths a package.json declares, most source-like first: types, exports ('.'), module, main. */
function manifestEntries(m: Manifest): string[] {
  const out: string[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(add);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      // exports: { '.': …, './x': … } or conditions { types, import, require, default }
      if ('.' in o) add(o['.']);
      else for (const k of ['types', 'source', 'import', 'module', 'require', 'node', 'default']) if (k in o) add(o[k]);
    }
  };
  add(m.types);
  add(m.typings);
  add(m.exports);
  add(m.module);
  add(m.main);
  return out;
}

function aliasesOf(root: string, dir: string, texts: ProgramText[]): Aliases {
  const known = new Set(texts.map((t) => t.path));
  const paths: ts.MapLike<string[]> = {};
  let baseUrl: string | undefined;
  let rootDirs: string[] | undefined;
  // every directory of the project that holds one of its files, up to the project's own
  const dirs = new Set<string>();
  for (const t of texts)
    for (let d = posix.dirname(t.path); !dirs.has(d); d = posix.dirname(d)) {
      dirs.add(d);
      if (d === dir || d === '.' || !d.startsWith(dir === '.' ? '' : dir)) break;
    }
  const ordered = [...dirs].sort((a, b) => a.length - b.length || a.localeCompare(b));
  const configs = ordered.flatMap((d) => ['tsconfig.json', 'jsconfig.json', ...(d === dir ? ['tsconfig.base.json'] : [])].map((n) => posix.join(d, n)));
  for (const rel of configs) {
    const file = posix.join(root, rel);
    if (!existsSync(file)) continue;
    const options = readConfig(file);
    if (!options) continue;
    if (posix.dirname(rel) === dir && baseUrl === undefined) {
      if (options.baseUrl) baseUrl = options.baseUrl;
      if (options.rootDirs) rootDirs = options.rootDirs;
    }
    if (!options.paths) continue;
    const base = options.baseUrl ?? (options['pathsBasePath'] as string | undefined) ?? posix.dirname(file);
    for (const [key, targets] of Object.entries(options.paths)) if (!(key in paths)) paths[key] = targets.map((t) => posix.resolve(base, t));
  }
  // workspace packages by name (the nearest wins: the first one listed)
  for (const d of ordered) {
    const file = posix.join(root, d, 'package.json');
    if (!existsSync(file)) continue;
    let manifest: Manifest;
    try {
      manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    } catch {
      continue;
    }
    if (typeof manifest.name !== 'string' || !manifest.name || manifest.name in paths || d === dir) continue;
    const entry = [...manifestEntries(manifest), 'src/index', 'index', 'lib/index']
      .map((e) => posix.normalize(posix.join(d, e)))
      .flatMap((e) => [e, e.replace(/(^|\/)(dist|lib|build|out|esm|cjs)\//, '$1src/').replace(/\.d\.ts$/, '')])
      .map((e) => fileAt(e, known))
      .find(Boolean);
    if (entry) paths[manifest.name] = [posix.join(root, entry)];
    paths[`${manifest.name}/*`] = [posix.join(root, d, '*'), posix.join(root, d, 'src', '*')];
  }
  const patterns = Object.entries(paths);
  const resolve = (from: string, spec: string): string | undefined => {
    if (spec.startsWith('.')) return resolveRelative(from, spec, known);
    for (const [key, targets] of patterns) {
      const star = key.indexOf('*');
      let rest: string | undefined;
      if (star === -1) rest = key === spec ? '' : undefined;
      else if (spec.startsWith(key.slice(0, star)) && spec.endsWith(key.slice(star + 1)) && spec.length >= key.length - 1)
        rest = spec.slice(star, spec.length - (key.length - star - 1));
      if (rest === undefined) continue;
      for (const t of targets) {
        const found = fileAt(posix.relative(root, t.replace('*', rest)), known);
        if (found) return found;
      }
    }
    if (baseUrl) return fileAt(posix.relative(root, posix.join(baseUrl, spec)), known);
    return undefined;
  };
  return { paths, ...(baseUrl ? { baseUrl } : {}), ...(rootDirs ? { rootDirs } : {}), resolve };
}

/** The compiler options of the program: resolution (paths, baseUrl, rootDirs from the project's configs), decorators. */
function optionsOf(aliases: Aliases): ts.CompilerOptions {
  const options: ts.CompilerOptions = {
    allowJs: true,
    checkJs: false,
    noEmit: true,
    noLib: true,
    skipLibCheck: true,
    types: [],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    jsx: ts.JsxEmit.Preserve,
    experimentalDecorators: true,
    noResolve: false,
  };
  if (aliases.baseUrl) options.baseUrl = aliases.baseUrl;
  if (Object.keys(aliases.paths).length) options.paths = aliases.paths;
  if (aliases.rootDirs) options.rootDirs = aliases.rootDirs;
  return options;
}

interface FnInfo {
  node: ts.Node;
  name: string;
  file: string;
  /** calls made in the function's own body (and in the callbacks written inside it) */
  calls: ts.CallExpression[];
  /** new C(…): the constructor runs, and builds what it builds per instance */
  news: ts.NewExpression[];
  /** nested function expressions and arrows (not entries themselves): they run in this function's scope */
  inner: ts.Node[];
  entry?: { scope: Scope; label: string };
  /** a (non-static) field's initialiser: it runs once per instance, as a constructor's body does */
  field?: string;
}

interface Built {
  /** the construction (per-file fact, or found here) */
  construction: Construction;
  /** functions from the one that calls down to the construction's: names for the chain */
  chain: string[];
  /** a factory's result, judged where it is called: the factories it came through, which end the chain */
  via?: string[];
  /** built in a constructor or a field initialiser ("once per instance"): per request when the instance is */
  perInstance?: boolean;
  /** the class whose instances hold it */
  cls?: ts.ClassLikeDeclaration;
  /** the function it is built in (or the factory called in) */
  owner: FnInfo;
  /** built in a constructor, kept in the instance, and the instance is dropped: where */
  droppedIn?: string;
}

const isFunctionLike = (n: ts.Node): n is ts.FunctionLikeDeclaration =>
  ts.isFunctionDeclaration(n) ||
  ts.isMethodDeclaration(n) ||
  ts.isFunctionExpression(n) ||
  ts.isArrowFunction(n) ||
  ts.isConstructorDeclaration(n) ||
  ts.isGetAccessorDeclaration(n);

function unwrapExpression(e: ts.Expression): ts.Expression {
  let x = e;
  for (;;) {
    if (ts.isAwaitExpression(x) || ts.isParenthesizedExpression(x) || ts.isAsExpression(x) || ts.isNonNullExpression(x) || ts.isSatisfiesExpression(x))
      x = x.expression;
    else return x;
  }
}

/**
 * Runs the cross-module pass over the JS/TS files of the scan. `files`: every JS/TS file listed (not only those
 * the per-file pass read); `constructions`: the per-file facts, whose scopes this pass may set.
 */
export function crossModule(root: string, files: ProgramText[], constructions: Construction[]): ProgramResult {
  const result: ProgramResult = { added: [], engines: [] };
  shutdownFacts.delete(root);
  if (!files.length) return result;
  const cache = new Map<string, string | null>();
  const projects = new Map<string, ProgramText[]>();
  let outside = 0;
  for (const f of files) {
    const p = projectOf(root, f.path, cache);
    if (p === null) outside++;
    else {
      const list = projects.get(p);
      if (list) list.push(f);
      else projects.set(p, [f]);
    }
  }
  const engine = (files: number, reason?: string, at?: string): EngineRecord => ({
    language: 'js',
    engine: reason ? 'oxc' : 'typescript',
    ...(at !== undefined ? { root: at } : {}),
    files,
    ...(reason ? { reason } : {}),
  });
  if (outside) result.engines.push(engine(outside, 'outside a project (no tsconfig.json, jsconfig.json or package.json)'));
  // the per-file scan alone, on request (as KLEAK_SCAN_GO_ENGINE=tree-sitter for Go)
  if (process.env.KLEAK_SCAN_JS_ENGINE === 'oxc') {
    for (const [dir, texts] of projects) result.engines.push(engine(texts.length, 'KLEAK_SCAN_JS_ENGINE=oxc', dir));
    result.engines = combined(result.engines);
    return result;
  }
  const facts: ProgramShutdownFacts = { entries: new Map(), handlers: new Map() };
  shutdownFacts.set(root, facts);
  for (const [dir, texts] of projects) {
    const kafkaFiles = texts.filter((t) => kafkaModule.test(t.source) || /kafka/i.test(t.source));
    if (!kafkaFiles.length || !texts.some((t) => kafkaModule.test(t.source))) {
      result.engines.push(engine(texts.length, 'no Kafka library imported', dir));
      continue;
    }
    const byPath = new Map(texts.map((t) => [t.path, t.source]));
    const aliases = aliasesOf(root, dir, texts);
    // the reverse import closure of the Kafka files
    const importers = new Map<string, string[]>();
    let crossModuleImport = false;
    for (const t of texts)
      for (const spec of importsOf(t.source)) {
        const target = aliases.resolve(t.path, spec);
        if (!target || target === t.path) continue;
        const list = importers.get(target);
        if (list) list.push(t.path);
        else importers.set(target, [t.path]);
      }
    const closure = new Set(kafkaFiles.map((t) => t.path));
    // a Kafka file that implements an interface or binds a DI token: the modules it imports declare the interface or
    // the token, and their importers call it
    for (const t of kafkaFiles)
      if (/\bimplements\b|\bextends\b|\bprovide\s*:/.test(t.source))
        for (const spec of importsOf(t.source)) {
          const target = aliases.resolve(t.path, spec);
          if (target && !closure.has(target) && !kafkaModule.test(`'${spec}'`)) closure.add(target);
        }
    const queue = [...closure];
    while (queue.length) {
      const next = queue.pop()!;
      for (const by of importers.get(next) ?? []) {
        crossModuleImport = true;
        if (!closure.has(by)) {
          closure.add(by);
          queue.push(by);
        }
      }
    }
    entriesOf(closure, importers, facts.entries);
    if (!crossModuleImport) {
      result.engines.push(engine(texts.length, 'nothing to resolve across modules (no module imports a file that mentions Kafka)', dir));
      continue;
    }
    if (![...closure].some((path) => handlerHint.test(byPath.get(path) ?? '') || signalHint.test(byPath.get(path) ?? ''))) {
      result.engines.push(engine(texts.length, 'no request or per-message handler calls into the Kafka code', dir));
      continue;
    }
    if (closure.size > maxProgramFiles) {
      result.engines.push(engine(closure.size, `${closure.size} files import Kafka code, more than the ${maxProgramFiles} a program is built for`, dir));
      continue;
    }
    try {
      const added = analyseProject(root, dir, texts, [...closure], constructions, aliases, facts.handlers);
      result.added.push(...added.added);
      result.engines.push(engine(added.files, undefined, dir));
    } catch (error) {
      result.engines.push(engine(closure.size, `TypeScript could not build the program: ${String((error as Error)?.message ?? error).split('\n')[0]}`, dir));
    }
  }
  result.engines = combined(result.engines);
  return result;
}

/** For each file of a closure, the files that load it and nothing imports (in a cycle nothing outside imports: itself). */
function entriesOf(closure: Set<string>, importers: Map<string, string[]>, out: Map<string, Set<string>>): void {
  const imports = new Map<string, string[]>();
  for (const [target, by] of importers) for (const b of by) imports.set(b, [...(imports.get(b) ?? []), target]);
  const add = (file: string, entry: string) => {
    const had = out.get(file);
    if (had) had.add(entry);
    else out.set(file, new Set([entry]));
  };
  const reached = new Set<string>();
  for (const entry of closure) {
    if ((importers.get(entry) ?? []).length) continue;
    const seen = new Set([entry]);
    const queue = [entry];
    while (queue.length) {
      const f = queue.pop()!;
      if (closure.has(f)) {
        add(f, entry);
        reached.add(f);
      }
      for (const t of imports.get(f) ?? [])
        if (!seen.has(t)) {
          seen.add(t);
          queue.push(t);
        }
    }
  }
  for (const f of closure) if (!reached.has(f)) add(f, f);
}

/** One record per engine and reason (a monorepo's projects summed): the root only when it is one project's. */
function combined(records: EngineRecord[]): EngineRecord[] {
  const out = new Map<string, EngineRecord>();
  for (const r of records) {
    // the reasons that name a count or an error stay apart
    const key = `${r.engine}\0${r.reason ?? ''}`;
    const seen = out.get(key);
    if (!seen) out.set(key, { ...r });
    else {
      seen.files = (seen.files ?? 0) + (r.files ?? 0);
      if (seen.root !== r.root) delete seen.root;
    }
  }
  return [...out.values()];
}

/** The scan report's line for a JS/TS engine record. */
export function jsEngineText(e: EngineRecord): string {
  const n = `${e.files ?? 0} file${e.files === 1 ? '' : 's'}`;
  const where = !e.root || e.root === '.' ? '' : ` in ${e.root}`;
  return e.engine === 'typescript'
    ? `JS/TS: types and calls across modules (TypeScript checker) on ${n}${where}`
    : `JS/TS: per file (oxc) on ${n}${where}: ${e.reason ?? 'no program built'}`;
}

function analyseProject(
  root: string,
  dir: string,
  texts: ProgramText[],
  rootNames: string[],
  constructions: Construction[],
  aliases: Aliases,
  handlers: Map<string, CrossHandler>,
): { added: Construction[]; files: number } {
  const abs = (rel: string) => posix.join(root, rel);
  const rel = (absPath: string) => posix.relative(root, absPath);
  const byAbs = new Map(texts.map((t) => [abs(t.path), t.source]));
  const options = optionsOf(aliases);
  // only the project's own files and the Kafka libraries' declarations are read: the rest of node_modules is not
  const allowed = (f: string) => byAbs.has(f) || kafkaTypesPath.test(f);
  const host = ts.createCompilerHost(options, true);
  host.fileExists = (f) => byAbs.has(f) || (kafkaTypesPath.test(f) && ts.sys.fileExists(f));
  host.readFile = (f) => byAbs.get(f) ?? (allowed(f) ? ts.sys.readFile(f) : undefined);
  host.getSourceFile = (f, language) => {
    const text = byAbs.get(f) ?? (allowed(f) ? ts.sys.readFile(f) : undefined);
    return text === undefined ? undefined : ts.createSourceFile(f, text, language, true);
  };
  const program = ts.createProgram({ rootNames: rootNames.map(abs), options, host });
  const checker = program.getTypeChecker();
  const sources = program.getSourceFiles().filter((sf) => byAbs.has(sf.fileName) && !sf.isDeclarationFile);

  // the per-file constructions of these files, by position
  const perFile = new Map<string, Construction>();
  for (const c of constructions) if (c.language === 'js') perFile.set(`${c.file}:${c.line}:${c.column}`, c);

  // every function, its calls and nested callbacks; entries
  const fns = new Map<ts.Node, FnInfo>();
  const constructionCalls: { call: ts.CallExpression; sf: ts.SourceFile }[] = [];
  for (const sf of sources) {
    const file = rel(sf.fileName);
    const visit = (n: ts.Node, owner: FnInfo | undefined): void => {
      let here = owner;
      if (isFunctionLike(n)) {
        here = { node: n, name: functionName(n, sf), file, calls: [], news: [], inner: [] };
        fns.set(n, here);
        if (owner && (ts.isArrowFunction(n) || ts.isFunctionExpression(n))) owner.inner.push(n);
      } else if (
        ts.isPropertyDeclaration(n) &&
        n.initializer &&
        ts.isClassLike(n.parent) &&
        !n.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword) &&
        (ts.isIdentifier(n.name) || ts.isPrivateIdentifier(n.name)) &&
        !isFunctionLike(unwrapExpression(n.initializer))
      ) {
        // private producer = kafka.producer(): built with each instance
        here = { node: n, name: `${n.parent.name?.text ?? '(class)'}.${n.name.text}`, file, calls: [], news: [], inner: [], field: `this.${n.name.text}` };
        fns.set(n, here);
      }
      if (ts.isCallExpression(n)) {
        here?.calls.push(n);
        if (ts.isPropertyAccessExpression(n.expression) && clientFactories.has(n.expression.name.text)) constructionCalls.push({ call: n, sf });
      }
      if (ts.isNewExpression(n)) here?.news.push(n);
      ts.forEachChild(n, (c) => visit(c, here));
    };
    visit(sf, undefined);
  }
  const resolve = resolver(checker);
  for (const sf of sources) markEntries(sf, fns, resolve, rel(sf.fileName));

  // constructions: the per-file facts, and the calls the checker types as a Kafka instance's producer()/consumer()/admin()
  const lines = new Map<string, number[]>();
  const lineOf = (sf: ts.SourceFile, pos: number) => {
    const { line, character } = sf.getLineAndCharacterOfPosition(pos);
    return { line: line + 1, column: character + 1 };
  };
  const enclosing = (n: ts.Node): FnInfo | undefined => {
    for (let p = n.parent; p; p = p.parent) if (fns.has(p)) return fns.get(p);
    return undefined;
  };
  const textOf = (sf: ts.SourceFile, line: number) => {
    let starts = lines.get(sf.fileName);
    if (!starts) lines.set(sf.fileName, (starts = lineStarts(sf.text)));
    return sf.text.slice(starts[line - 1], starts[line] ?? sf.text.length).trim();
  };
  interface Candidate {
    call: ts.CallExpression;
    sf: ts.SourceFile;
    owner?: FnInfo;
    construction?: Construction;
    library: Library;
    kind: ClientKind;
    callee: string;
  }
  const candidates: Candidate[] = [];
  for (const { call, sf } of constructionCalls) {
    const { line, column } = lineOf(sf, call.getStart(sf));
    const known = perFile.get(`${rel(sf.fileName)}:${line}:${column}`);
    const method = (call.expression as ts.PropertyAccessExpression).name.text;
    const library = known?.library ?? kafkaInstance(checker, (call.expression as ts.PropertyAccessExpression).expression);
    if (!library) continue;
    const candidate: Candidate = {
      call,
      sf,
      library,
      kind: known?.kind ?? clientFactories.get(method)!,
      callee: known?.callee ?? `${(call.expression as ts.PropertyAccessExpression).expression.getText(sf)}.${method}`,
      ...(known ? { construction: known } : {}),
    };
    const owner = enclosing(call);
    if (owner) candidate.owner = owner;
    candidates.push(candidate);
  }
  // the calls to the project's functions, resolved once
  const callees = new Map<ts.CallExpression, FnInfo | undefined>();
  // a method call resolves (through the receiver's type, the costly part) only when a function of the project has its name
  const names = new Set([...fns.values()].map((fn) => fn.name.replace(/^.*\./, '')));
  const calleeOf = (call: ts.CallExpression) => {
    if (!callees.has(call)) {
      const e = unwrapExpression(call.expression);
      const target = ts.isPropertyAccessExpression(e) && !names.has(e.name.text) ? undefined : resolve(e);
      callees.set(call, target ? fns.get(target) : undefined);
    }
    return callees.get(call);
  };

  crossHandlers(sources, fns, calleeOf, resolve, rel, lineOf, handlers);
  const implementations = implementationsOf(checker, sources, fns, names, calleeOf);

  // factories: functions that return a new client (directly or from another factory), found to a fixpoint
  const factories = new Map<FnInfo, { kind: ClientKind; library: Library; via: string[] }>();
  // judged by the per-file analysis (each file parsed by oxc once, when one of its calls is first asked about)
  const judges = new Map<ts.SourceFile, ReturnType<typeof fateJudge> | undefined>();
  const judge = (sf: ts.SourceFile, call: ts.Node) => {
    if (!judges.has(sf)) judges.set(sf, judgeFile(sf));
    try {
      return judges.get(sf)?.(call.getStart(sf), call.getEnd());
    } catch (error) {
      if (error instanceof RangeError) return undefined;
      throw error;
    }
  };
  const returned = (fate: Construction['fate'] | undefined) => fate?.status === 'escapes' && fate.how === 'returned';
  for (const c of candidates) {
    if (!c.owner) continue;
    const fate = c.construction?.fate ?? judge(c.sf, c.call)?.fate;
    if (returned(fate) && !c.construction?.singleton) factories.set(c.owner, { kind: c.kind, library: c.library, via: [] });
  }
  for (let changed = factories.size > 0; changed;) {
    changed = false;
    for (const fn of fns.values()) {
      if (factories.has(fn)) continue;
      for (const call of fn.calls) {
        const target = calleeOf(call);
        const made = target && factories.get(target);
        if (!made || target === fn) continue;
        const sf = call.getSourceFile();
        if (returned(judge(sf, call)?.fate)) {
          factories.set(fn, { kind: made.kind, library: made.library, via: [target.name, ...made.via] });
          changed = true;
          break;
        }
      }
    }
  }

  // what each function builds per call (not kept, not returned): its own constructions, the factories' results it
  // does not keep, and what its callees build, at any depth
  const direct = new Map<FnInfo, Built[]>();
  const perInstance = new Map<ts.Node, Built[]>();
  const push = (fn: FnInfo, b: Built) => direct.set(fn, [...(direct.get(fn) ?? []), b]);
  const site = (sf: ts.SourceFile, call: ts.Node, fnName: string, library: Library) => {
    const { line, column } = lineOf(sf, call.getStart(sf));
    return { file: rel(sf.fileName), line, column, function: fnName, snippet: textOf(sf, line), language: 'js' as const, library };
  };
  for (const c of candidates) {
    if (!c.owner) continue;
    let construction = c.construction;
    if (!construction) {
      const judged = judge(c.sf, c.call);
      if (!judged) continue;
      const { function: fnName, ...own } = judged;
      construction = { ...site(c.sf, c.call, fnName, c.library), kind: c.kind, callee: c.callee, ...own };
    }
    // built in a constructor and kept in the instance: as long-lived as the instance (below: new C() per request)
    if (ts.isConstructorDeclaration(c.owner.node) && !construction.scope && !/module/.test(construction.fate.how ?? '')) {
      const cls = c.owner.node.parent;
      perInstance.set(cls, [...(perInstance.get(cls) ?? []), { construction, chain: [], perInstance: true, owner: c.owner, cls }]);
      continue;
    }
    // built in a field initialiser: the same (the per-file pass reads it as module code)
    if (c.owner.field && !construction.scope && c.call === unwrapExpression((c.owner.node as ts.PropertyDeclaration).initializer!)) {
      const cls = c.owner.node.parent as ts.ClassLikeDeclaration;
      perInstance.set(cls, [...(perInstance.get(cls) ?? []), { construction, chain: [], perInstance: true, owner: c.owner, cls }]);
      continue;
    }
    if (construction.singleton || construction.scope || returned(construction.fate) || kept(construction.fate)) continue;
    push(c.owner, { construction, chain: [], owner: c.owner });
  }
  if (factories.size)
    for (const fn of fns.values())
      for (const call of fn.calls) {
        const target = calleeOf(call);
        const made = target && factories.get(target);
        if (!made) continue;
        const sf = call.getSourceFile();
        const judged = judge(sf, call);
        // private producer = makeProducer(): per instance
        const inField = fn.field !== undefined && call === unwrapExpression((fn.node as ts.PropertyDeclaration).initializer!);
        if (!judged || (!inField && (judged.singleton || returned(judged.fate) || kept(judged.fate)))) continue;
        const { function: fnName, ...own } = judged;
        const construction: Construction = {
          ...site(sf, call, fnName, made.library),
          kind: made.kind,
          callee: target.name,
          ...own,
        };
        if (inField) {
          const cls = fn.node.parent as ts.ClassLikeDeclaration;
          perInstance.set(cls, [
            ...(perInstance.get(cls) ?? []),
            { construction, chain: [], via: [target.name, ...made.via], perInstance: true, owner: fn, cls },
          ]);
          continue;
        }
        // the factories it came through, for the chain
        push(fn, { construction, chain: [], via: [target.name, ...made.via], owner: fn });
      }
  const builds = new Map<FnInfo, Built[]>();
  const visiting = new Set<FnInfo>();
  const buildsOf = (fn: FnInfo): Built[] => {
    const memo = builds.get(fn);
    if (memo) return memo;
    if (visiting.has(fn)) return [];
    visiting.add(fn);
    const out: Built[] = [...(direct.get(fn) ?? [])];
    for (const inner of fn.inner) {
      const i = fns.get(inner);
      if (i && !i.entry) out.push(...buildsOf(i));
    }
    for (const call of fn.calls) {
      // a method called through an interface, an abstract class or a DI token: what every implementation builds
      for (const target of [calleeOf(call) ?? implementations(call)].flat()) {
        if (!target || target === fn || target.entry) continue;
        for (const b of buildsOf(target)) out.push({ ...b, chain: [target.name, ...b.chain] });
      }
    }
    // new C(…) in this function: what C's constructor builds, unless the instance is kept (a module variable, a field)
    if (perInstance.size)
      for (const n of fn.news) {
        const cls = classOf(checker, n);
        const built = cls && perInstance.get(cls);
        if (!built) continue;
        const judged = judge(n.getSourceFile(), n);
        if (!judged || judged.singleton || returned(judged.fate) || kept(judged.fate)) continue;
        const name = (cls as ts.ClassLikeDeclaration).name?.text ?? '(class)';
        const sf = n.getSourceFile();
        // the instance dropped (not closed, kept or handed on): what its constructor keeps in it stays open
        const dropped =
          judged.fate.status === 'leaks' || judged.fate.status === 'discarded'
            ? `the ${name} built per call at ${rel(sf.fileName)}:${lineOf(sf, n.getStart(sf)).line}`
            : undefined;
        for (const b of built) out.push({ ...b, chain: [`new ${name}`], ...(dropped ? { droppedIn: dropped } : {}) });
      }
    visiting.delete(fn);
    builds.set(fn, out);
    return out;
  };

  // "disconnects its parameter": the parameters a function disconnects, itself or through the functions it passes them to
  const disconnects = new Map<FnInfo, Set<number>>();
  const disconnectsParam = (fn: FnInfo): Set<number> => {
    const memo = disconnects.get(fn);
    if (memo) return memo;
    const out = new Set<number>();
    disconnects.set(fn, out);
    const params = new Map<string, number>();
    (fn.node as ts.FunctionLikeDeclaration).parameters.forEach((p, i) => {
      if (ts.isIdentifier(p.name)) params.set(p.name.text, i);
    });
    if (!params.size) return out;
    for (const call of fn.calls) {
      const callee = unwrapExpression(call.expression);
      if (ts.isPropertyAccessExpression(callee) && closeMethods.has(callee.name.text)) {
        const object = unwrapExpression(callee.expression);
        if (ts.isIdentifier(object) && params.has(object.text)) out.add(params.get(object.text)!);
        continue;
      }
      const target = call.arguments.some((a) => ts.isIdentifier(a) && params.has(a.text)) ? calleeOf(call) : undefined;
      if (!target || target === fn) continue;
      const inner = disconnectsParam(target);
      call.arguments.forEach((a, i) => {
        if (ts.isIdentifier(a) && params.has(a.text) && inner.has(i)) out.add(params.get(a.text)!);
      });
    }
    return out;
  };
  /** a client handed to a function that disconnects it (release(producer) in finally): closed, not handed on */
  const released = (b: Built) => {
    const c = b.construction;
    const m = /^passed to ([\w$.]+)( in finally)?$/.exec(c.fate.how ?? '');
    if (c.fate.status !== 'escapes' || !m || !c.binding) return;
    for (const call of b.owner.calls) {
      if (unwrapExpression(call.expression).getText() !== m[1]) continue;
      const i = call.arguments.findIndex((a) => ts.isIdentifier(a) && a.text === c.binding);
      const target = i >= 0 ? calleeOf(call) : undefined;
      if (target && disconnectsParam(target).has(i)) {
        c.fate = { status: 'closed', how: `${m[1]}(${c.binding}) disconnects it${m[2] ?? ''}` };
        return;
      }
    }
  };

  // each entry's constructions: a scope for those the per-file pass left unscoped, a new fact for the others
  const added: Construction[] = [];
  const known = new Set(constructions);
  const scoped = new Set(constructions.filter((c) => c.scope).map((c) => `${c.file}:${c.line}`));
  for (const fn of fns.values()) {
    if (!fn.entry) continue;
    for (const b of buildsOf(fn)) {
      const c = b.construction;
      const key = `${c.file}:${c.line}`;
      if (scoped.has(key)) continue;
      scoped.add(key);
      const chain = [...b.chain, ...(b.via ?? [])];
      if (b.perInstance) delete c.singleton;
      if (b.owner.field) {
        c.function = b.owner.name;
        if (c.fate.status === 'escapes') c.fate = { status: 'escapes', how: `stored in ${b.owner.field}` };
      }
      const field = /^stored in (this\.[\w$]+)$/.exec(c.fate.how ?? '')?.[1];
      // the class disconnects it in one of its methods (after each use): per request, not left open
      const closedByClass = field && b.cls && new RegExp(`${field.replace(/[.$]/g, '\\$&')}\\??\\.(disconnect|close|stop)\\s*\\(`).test(b.cls.getText());
      if (b.droppedIn && c.fate.status === 'escapes' && field && !closedByClass)
        c.fate = { status: 'leaks', how: c.fate.how!, reason: `keeps it in ${field} of ${b.droppedIn}, which is dropped without being closed` };
      released(b);
      c.scope = { ...fn.entry.scope, chain: chain.length ? [fn.entry.label, ...chain] : [] };
      if (!known.has(c)) {
        // a per-file construction on the same line (another column) is the same finding
        const same = constructions.find((o) => o.file === c.file && o.line === c.line && o.language === 'js');
        if (same) same.scope = c.scope;
        else added.push(c);
      }
    }
  }
  return { added, files: sources.length };
}

const closeCall = /^(disconnect|close|stop|shutdown|flush|destroy|end|terminate)$/;
const shutdownName = /shut|close|stop|clean|disconnect|teardown|graceful|terminat|dispose|exit|quit|drain/i;

/**
 * The signal handlers (process.on('SIGTERM' | 'SIGINT', …)) whose path runs into a function of another module: what
 * that path disconnects, and whether it reaches process.exit first (main.ts → doTerminationCleanup() in a shared
 * library that shuts the server down and exits). The per-file pass stops at the imported call.
 */
function crossHandlers(
  sources: readonly ts.SourceFile[],
  fns: Map<ts.Node, FnInfo>,
  calleeOf: (call: ts.CallExpression) => FnInfo | undefined,
  resolve: (e: ts.Expression) => ts.Node | undefined,
  rel: (abs: string) => string,
  lineOf: (sf: ts.SourceFile, pos: number) => { line: number; column: number },
  out: Map<string, CrossHandler>,
): void {
  for (const sf of sources) {
    if (!signalHint.test(sf.text)) continue;
    const visit = (n: ts.Node): void => {
      ts.forEachChild(n, visit);
      if (!ts.isCallExpression(n) || !ts.isPropertyAccessExpression(n.expression) || n.arguments.length < 2) return;
      const on = n.expression;
      if (!ts.isIdentifier(on.expression) || on.expression.text !== 'process' || !/^(on|once|addListener|prependListener)$/.test(on.name.text)) return;
      const signal = n.arguments[0]!;
      if (!ts.isStringLiteralLike(signal) || !/^SIG(TERM|INT)$/.test(signal.text)) return;
      const handler = unwrapExpression(n.arguments[1]!);
      const named = fns.get(handler) ? undefined : resolve(handler);
      const fn = fns.get(handler) ?? (named ? fns.get(named) : undefined);
      if (!fn) return;
      const closes: string[] = [];
      let exit: CrossHandler['exit'];
      // a disconnect, close or shutdown call before the exit (as the per-file pass reads a handler's body)
      let closedFirst = false;
      let elsewhere = false;
      let done = false;
      const seen = new Set<FnInfo>();
      const walk = (f: FnInfo, via: string[], depth: number): void => {
        if (seen.has(f)) return;
        seen.add(f);
        if (f.file !== fn.file) elsewhere = true;
        for (const call of f.calls) {
          if (done) return;
          const callee = unwrapExpression(call.expression);
          if (ts.isPropertyAccessExpression(callee) && callee.expression.getText() === 'process' && callee.name.text === 'exit') {
            if (!closedFirst) {
              const at = call.getSourceFile();
              exit = { file: rel(at.fileName), line: lineOf(at, call.getStart(at)).line, via };
            }
            done = true;
            return;
          }
          const method = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : undefined;
          if (ts.isPropertyAccessExpression(callee) && method && closeCall.test(method)) {
            // a parameter's (shutdown(consumer) → c.disconnect()): which client is not known here
            const receiver = unwrapExpression(callee.expression).getText();
            const params = (f.node as ts.FunctionLikeDeclaration).parameters ?? [];
            closes.push(params.some((p) => p.name.getText() === receiver.replace(/\..*$/, '')) ? '*' : receiver);
            if (/^(disconnect|close|stop|shutdown)$/.test(method)) closedFirst = true;
            continue;
          }
          const target = depth < 4 ? calleeOf(call) : undefined;
          if (target && target !== f) walk(target, [...via, target.name], depth + 1);
          else if (!target && method && shutdownName.test(method)) {
            closes.push('*');
            if (/^(shutdown|close|stop|cleanup|gracefulShutdown)/i.test(method)) closedFirst = true;
          }
        }
      };
      walk(fn, [], 0);
      if (elsewhere) out.set(`${rel(sf.fileName)}:${lineOf(sf, n.getStart(sf)).line}`, { closes: [...new Set(closes)], ...(exit ? { exit } : {}) });
    };
    visit(sf);
  }
}

/**
 * The methods a call may run when its receiver is typed by an interface or an abstract class (the classes that
 * implement or extend it, at any depth), or injected by a NestJS token ({ provide: TOKEN, useClass | useExisting |
 * useFactory | useValue } with @Inject(TOKEN), or an abstract class as its own token): as the Go analyzer does for an
 * interface call, the union of what they do. Nothing when the call resolves to one function.
 */
function implementationsOf(
  checker: ts.TypeChecker,
  sources: readonly ts.SourceFile[],
  fns: Map<ts.Node, FnInfo>,
  names: Set<string>,
  calleeOf: (call: ts.CallExpression) => FnInfo | undefined,
): (call: ts.CallExpression) => FnInfo[] {
  let heirs: Map<ts.Node, ts.ClassLikeDeclaration[]> | undefined;
  let tokens: Map<ts.Node | string, Set<ts.ClassLikeDeclaration>> | undefined;
  const declOf = (e: ts.Expression): ts.Node | undefined => {
    let s = checker.getSymbolAtLocation(ts.isPropertyAccessExpression(e) ? e.name : e);
    if (s && s.flags & ts.SymbolFlags.Alias) s = checker.getAliasedSymbol(s);
    return s?.getDeclarations()?.[0];
  };
  const tokenKey = (e: ts.Expression | undefined): ts.Node | string | undefined => {
    if (!e) return undefined;
    const x = unwrapExpression(e);
    if (ts.isStringLiteralLike(x)) return `'${x.text}'`;
    return ts.isIdentifier(x) || ts.isPropertyAccessExpression(x) ? declOf(x) : undefined;
  };
  const classAt = (e: ts.Expression): ts.ClassLikeDeclaration | undefined => {
    const d = declOf(unwrapExpression(e));
    return d && (ts.isClassDeclaration(d) || ts.isClassExpression(d)) ? d : undefined;
  };
  const scan = () => {
    heirs = new Map();
    tokens = new Map();
    const h = heirs;
    const t = tokens;
    const visit = (n: ts.Node): void => {
      if (ts.isClassLike(n))
        for (const clause of n.heritageClauses ?? [])
          for (const type of clause.types) {
            const d = declOf(type.expression);
            if (d) h.set(d, [...(h.get(d) ?? []), n]);
          }
      // { provide: TOKEN, useClass: KafkaBus } (a Nest provider, wherever it is written)
      if (ts.isObjectLiteralExpression(n)) {
        const prop = (name: string) =>
          n.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === name)?.initializer;
        const key = tokenKey(prop('provide'));
        if (key !== undefined) {
          const bound = new Set<ts.ClassLikeDeclaration>();
          for (const name of ['useClass', 'useExisting']) {
            const v = prop(name);
            const c = v && classAt(v);
            if (c) bound.add(c);
          }
          const value = prop('useValue');
          if (value && ts.isNewExpression(unwrapExpression(value))) {
            const c = classAt((unwrapExpression(value) as ts.NewExpression).expression);
            if (c) bound.add(c);
          }
          const factory = prop('useFactory');
          let body: ts.Node | undefined = factory && unwrapExpression(factory);
          if (body && !isFunctionLike(body) && (ts.isIdentifier(body) || ts.isPropertyAccessExpression(body))) body = declOf(body);
          if (body && ts.isVariableDeclaration(body)) body = body.initializer;
          if (body && isFunctionLike(body)) {
            const news = (x: ts.Node): void => {
              if (ts.isNewExpression(x)) {
                const c = classAt(x.expression);
                if (c) bound.add(c);
              }
              ts.forEachChild(x, news);
            };
            news(body);
          }
          if (bound.size) t.set(key, new Set([...(t.get(key) ?? []), ...bound]));
        }
      }
      ts.forEachChild(n, visit);
    };
    for (const sf of sources) if (/\b(implements|extends|abstract|provide)\b/.test(sf.text)) visit(sf);
  };
  const implementers = (d: ts.Node, seen = new Set<ts.Node>()): ts.ClassLikeDeclaration[] => {
    if (seen.has(d)) return [];
    seen.add(d);
    return (heirs!.get(d) ?? []).flatMap((c) => [c, ...implementers(c, seen)]);
  };
  /** the token a receiver (this.bus) was injected by: @Inject(TOKEN) on its parameter or property, or its abstract class type */
  const injected = (receiver: ts.Expression): ts.ClassLikeDeclaration[] => {
    const d = declOf(receiver);
    if (!d || !(ts.isParameter(d) || ts.isPropertyDeclaration(d))) return [];
    const out: ts.ClassLikeDeclaration[] = [];
    for (const dec of ts.getDecorators(d) ?? []) {
      const e = dec.expression;
      if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'Inject') {
        const key = tokenKey(e.arguments[0]);
        if (key !== undefined) out.push(...(tokens!.get(key) ?? []));
      }
    }
    if (d.type && ts.isTypeReferenceNode(d.type)) {
      const typeDecl = declOf(ts.isIdentifier(d.type.typeName) ? d.type.typeName : d.type.typeName.right);
      if (typeDecl) out.push(...(tokens!.get(typeDecl) ?? []));
    }
    return out;
  };
  const memo = new Map<ts.CallExpression, FnInfo[]>();
  return (call) => {
    const e = unwrapExpression(call.expression);
    if (!ts.isPropertyAccessExpression(e) || !names.has(e.name.text)) return [];
    const known = memo.get(call);
    if (known) return known;
    if (!heirs) scan();
    const method = e.name.text;
    const classes = new Set<ts.ClassLikeDeclaration>();
    let symbol = checker.getSymbolAtLocation(e.name);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    for (const d of symbol?.getDeclarations() ?? []) {
      const owner = d.parent;
      const abstract = ts.isMethodDeclaration(d) && ts.isClassLike(owner);
      if (((ts.isMethodSignature(d) || ts.isPropertySignature(d)) && ts.isInterfaceDeclaration(owner)) || abstract)
        for (const c of implementers(owner)) classes.add(c);
    }
    for (const c of injected(unwrapExpression(e.expression))) for (const x of [c, ...implementers(c)]) classes.add(x);
    const out: FnInfo[] = [];
    for (const c of classes) {
      const m = c.members.find((x) => ts.isMethodDeclaration(x) && x.body && x.name.getText() === method);
      const fn = m && fns.get(m);
      if (fn && fn !== calleeOf(call)) out.push(fn);
    }
    memo.set(call, out);
    return out;
  };
}

/** The class a new expression instantiates, through imports. */
function classOf(checker: ts.TypeChecker, n: ts.NewExpression): ts.Node | undefined {
  let s = checker.getSymbolAtLocation(ts.isPropertyAccessExpression(n.expression) ? n.expression.name : n.expression);
  if (s && s.flags & ts.SymbolFlags.Alias) s = checker.getAliasedSymbol(s);
  return s?.getDeclarations()?.find((d) => ts.isClassDeclaration(d) || ts.isClassExpression(d));
}

/** Kept where it outlives the call: stored in a field or module variable, or built once. */
const kept = (fate: Construction['fate']) => fate.status === 'escapes' && /^stored in |module(-level)? variable/.test(fate.how ?? '');

/** The per-file analysis of a file's calls (oxc, as the worker threads parse it; its offsets are UTF-16 code units, as TypeScript's are). */
function judgeFile(sf: ts.SourceFile): ReturnType<typeof fateJudge> | undefined {
  const lang = /\.tsx$/.test(sf.fileName) ? 'tsx' : /\.[cm]?ts$/.test(sf.fileName) ? 'ts' : 'jsx';
  const parsed = parseSync(sf.fileName, sf.text, { lang });
  const file: JsFile = { path: sf.fileName, source: sf.text, program: parsed.program, lines: lineStarts(sf.text) };
  try {
    return fateJudge(file);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** The Kafka library of an instance expression (kafka, this.kafka): by its type, else by the `new` it was built with. */
function kafkaInstance(checker: ts.TypeChecker, e: ts.Expression): Library | undefined {
  const fromPath = (file: string | undefined): Library | undefined =>
    !file
      ? undefined
      : /\/node_modules\/kafkajs\//.test(file)
        ? 'kafkajs'
        : /\/@confluentinc\/kafka-javascript\//.test(file)
          ? 'confluent-kafka-javascript'
          : undefined;
  const type = checker.getTypeAtLocation(e);
  const symbol = type.getSymbol() ?? type.aliasSymbol;
  if (symbol && /^Kafka$/.test(symbol.getName())) {
    const lib = fromPath(symbol.getDeclarations()?.[0]?.getSourceFile().fileName);
    if (lib) return lib;
  }
  // without the library's declarations (not installed): the variable's initializer, new X() with X imported from it
  let s = checker.getSymbolAtLocation(ts.isPropertyAccessExpression(e) ? e.name : e);
  if (s && s.flags & ts.SymbolFlags.Alias) s = checker.getAliasedSymbol(s);
  for (const d of s?.getDeclarations() ?? []) {
    const init =
      ts.isVariableDeclaration(d) || ts.isPropertyDeclaration(d) || ts.isPropertyAssignment(d)
        ? d.initializer
        : (ts.isPropertyAccessExpression(d) || ts.isElementAccessExpression(d)) && ts.isBinaryExpression(d.parent)
          ? d.parent.right
          : ts.isBinaryExpression(d)
            ? d.right
            : undefined;
    if (!init || !ts.isNewExpression(init)) continue;
    let cls = checker.getSymbolAtLocation(ts.isPropertyAccessExpression(init.expression) ? init.expression.name : init.expression);
    const alias = cls?.getDeclarations()?.[0];
    const importFrom = alias ? importedFrom(alias) : undefined;
    if (importFrom && /^kafkajs$/.test(importFrom)) return 'kafkajs';
    if (importFrom && /^@confluentinc\/kafka-javascript/.test(importFrom)) return 'confluent-kafka-javascript';
    if (cls && cls.flags & ts.SymbolFlags.Alias) cls = checker.getAliasedSymbol(cls);
    if (cls?.getName() === 'Kafka') {
      const lib = fromPath(cls.getDeclarations()?.[0]?.getSourceFile().fileName);
      if (lib) return lib;
    }
  }
  return undefined;
}

/** The module an import binding comes from: import { X } from 'm', import * as m, const { X } = require('m'). */
function importedFrom(d: ts.Node): string | undefined {
  for (let p: ts.Node | undefined = d; p; p = p.parent) {
    if (ts.isImportDeclaration(p) && ts.isStringLiteral(p.moduleSpecifier)) return p.moduleSpecifier.text;
    if (ts.isVariableDeclaration(p) && p.initializer) {
      const init = p.initializer;
      if (
        ts.isCallExpression(init) &&
        ts.isIdentifier(init.expression) &&
        init.expression.text === 'require' &&
        init.arguments[0] &&
        ts.isStringLiteral(init.arguments[0])
      )
        return init.arguments[0].text;
      return undefined;
    }
    if (ts.isSourceFile(p) || ts.isBlock(p)) return undefined;
  }
  return undefined;
}

/** How the scan names a function: Class.method, the variable or property it is assigned to, its own name. */
function functionName(n: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  const own = n.name && (ts.isIdentifier(n.name) || ts.isStringLiteral(n.name)) ? n.name.text : undefined;
  const cls = n.parent && (ts.isClassDeclaration(n.parent) || ts.isClassExpression(n.parent)) ? n.parent.name?.text : undefined;
  if (ts.isMethodDeclaration(n) || ts.isGetAccessorDeclaration(n)) return cls ? `${cls}.${own ?? '(computed)'}` : (own ?? '(computed)');
  if (ts.isConstructorDeclaration(n)) return `${cls ?? '(class)'}.constructor`;
  if (own && ts.isFunctionDeclaration(n)) return own;
  const p = n.parent;
  if (p && ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
  if (p && (ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) {
    const owner = ts.isPropertyDeclaration(p) && p.parent && ts.isClassLike(p.parent) ? p.parent.name?.text : undefined;
    return owner ? `${owner}.${p.name.text}` : p.name.text;
  }
  // exports.create = function …, module.exports.create = …
  if (p && ts.isBinaryExpression(p) && ts.isPropertyAccessExpression(p.left)) return p.left.name.text;
  if (p && ts.isCallExpression(p) && ts.isPropertyAccessExpression(p.expression)) {
    const path = p.arguments[0] && ts.isStringLiteralLike(p.arguments[0]) ? p.arguments[0].text : undefined;
    return path !== undefined ? `${p.expression.getText(sf)}('${path}')` : `(anonymous in ${p.expression.getText(sf)})`;
  }
  return own ?? '(anonymous)';
}

/** The function an expression names, through imports, re-exports, object properties, class members and `exports.x = …`. */
function resolver(checker: ts.TypeChecker): (e: ts.Expression) => ts.Node | undefined {
  const fromSymbol = (symbol: ts.Symbol | undefined, depth: number): ts.Node | undefined => {
    if (!symbol || depth > 8) return undefined;
    let s = symbol;
    if (s.flags & ts.SymbolFlags.Alias) {
      try {
        s = checker.getAliasedSymbol(s);
      } catch {
        return undefined;
      }
    }
    for (const d of s.getDeclarations() ?? []) {
      if (isFunctionLike(d) && (d.body || ts.isArrowFunction(d))) return d;
      if (ts.isShorthandPropertyAssignment(d)) return fromSymbol(checker.getShorthandAssignmentValueSymbol(d), depth + 1);
      const init =
        ts.isVariableDeclaration(d) || ts.isPropertyAssignment(d) || ts.isPropertyDeclaration(d)
          ? d.initializer
          : ts.isPropertyAccessExpression(d) && ts.isBinaryExpression(d.parent)
            ? d.parent.right
            : ts.isBinaryExpression(d)
              ? d.right
              : ts.isExportAssignment(d)
                ? d.expression
                : undefined;
      if (!init) continue;
      const x = unwrapExpression(init);
      if (isFunctionLike(x)) return x;
      if (ts.isIdentifier(x) || ts.isPropertyAccessExpression(x))
        return fromSymbol(checker.getSymbolAtLocation(ts.isPropertyAccessExpression(x) ? x.name : x), depth + 1);
      // asyncHandler(async (req, res) => …): the wrapped function
      if (ts.isCallExpression(x) && x.arguments.length === 1 && isFunctionLike(unwrapExpression(x.arguments[0]!))) return unwrapExpression(x.arguments[0]!);
    }
    return undefined;
  };
  return (e) => {
    const x = unwrapExpression(e);
    if (isFunctionLike(x)) return x;
    if (ts.isIdentifier(x)) return fromSymbol(checker.getSymbolAtLocation(x), 0);
    if (ts.isPropertyAccessExpression(x)) return fromSymbol(checker.getSymbolAtLocation(x.name), 0);
    return undefined;
  };
}

/** The request and per-message entries a file declares: route registrations (of functions written here or imported), NestJS decorators, Fastify route options, eachMessage. */
function markEntries(sf: ts.SourceFile, fns: Map<ts.Node, FnInfo>, resolve: (e: ts.Expression) => ts.Node | undefined, file: string): void {
  const base = posix.basename(file);
  const mark = (target: ts.Node | undefined, scope: Omit<Scope, 'entry' | 'chain'>, label: (fn: FnInfo) => string) => {
    const fn = target && fns.get(target);
    if (!fn || fn.entry) return;
    fn.entry = { scope: { ...scope, entry: fn.name, chain: [] }, label: label(fn) };
  };
  const handlerOf = (a: ts.Expression): ts.Node | undefined => {
    let x = unwrapExpression(a);
    // ctrl.create.bind(ctrl), asyncHandler(create)
    if (ts.isCallExpression(x) && ts.isPropertyAccessExpression(x.expression) && x.expression.name.text === 'bind') x = x.expression.expression;
    else if (ts.isCallExpression(x) && x.arguments.length === 1) x = unwrapExpression(x.arguments[0]!);
    return resolve(x);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
      const method = n.expression.name.text;
      const callee = n.expression.getText(sf);
      const first = n.arguments[0];
      const routed =
        ts.isCallExpression(n.expression.expression) &&
        ts.isPropertyAccessExpression(n.expression.expression.expression) &&
        n.expression.expression.expression.name.text === 'route';
      // a route's path ('/orders', '*'): not any string (cache.get('key', load) registers nothing)
      const literal = first && ts.isStringLiteralLike(first) && /^(\/|\*|$)/.test(first.text) ? first.text : undefined;
      const path = literal ?? (routed ? routePath(n.expression.expression) : undefined);
      if (httpVerbs.has(method) && (path !== undefined || (first && ts.isArrayLiteralExpression(first)))) {
        const args = (routed ? n.arguments : n.arguments.slice(1)).flatMap((a) => (ts.isArrayLiteralExpression(a) ? [...a.elements] : [a]));
        for (const a of args)
          mark(handlerOf(a), { kind: 'request', how: `registered with ${callee} in ${base}` }, () => `${base} ${method.toUpperCase()} ${path ?? ''}`.trim());
      }
      // fastify.route({ method, url, handler })
      if (method === 'route' && first && ts.isObjectLiteralExpression(first)) {
        const prop = (name: string) =>
          first.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === name)?.initializer;
        const handler = prop('handler');
        const url = prop('url') ?? prop('path');
        const verb = prop('method');
        const label = `${base} ${verb && ts.isStringLiteralLike(verb) ? verb.text : 'ROUTE'} ${url && ts.isStringLiteralLike(url) ? url.text : ''}`.trim();
        if (handler) mark(handlerOf(handler), { kind: 'request', how: `${callee} handler in ${base}` }, () => label);
      }
      if (/(^|\.)createServer$/.test(callee) && first)
        mark(handlerOf(first), { kind: 'request', how: `${callee} handler in ${base}` }, () => `${base} ${callee}`);
    }
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'createServer' && n.arguments[0])
      mark(handlerOf(n.arguments[0]), { kind: 'request', how: `createServer handler in ${base}` }, () => `${base} createServer`);
    // { eachMessage: async ({ message }) => … }
    if (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && (n.name.text === 'eachMessage' || n.name.text === 'eachBatch'))
      mark(
        resolve(n.initializer),
        { kind: 'per-message', how: `${n.name.text} callback in ${base}` },
        (fn) => `${base} ${(n.name as ts.Identifier).text}: ${fn.name}`,
      );
    if (ts.isMethodDeclaration(n))
      for (const d of ts.getDecorators(n) ?? []) {
        const e = ts.isCallExpression(d.expression) ? d.expression.expression : d.expression;
        const name = ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : '';
        if (routeDecorators.has(name)) mark(n, { kind: 'request', how: `@${name}() route` }, (fn) => `${base} ${fn.name}`);
        if (messageDecorators.has(name)) mark(n, { kind: 'per-message', how: `@${name}() handler` }, (fn) => `${base} ${fn.name}`);
      }
    // typed as a handler: export const create: RequestHandler = async (req, res) => …; static start: RequestHandler = …
    if ((ts.isVariableDeclaration(n) || ts.isPropertyDeclaration(n)) && n.type && n.initializer) {
      const typed = handlerTypeName(n.type);
      if (typed) mark(handlerOf(n.initializer), { kind: 'request', how: `typed ${typed}` }, (fn) => `${base} ${fn.name}`);
    }
    // taking (req: Request, res: Response)
    if (isFunctionLike(n) && n.parameters.length >= 2) {
      const [req, res] = n.parameters.map((p) => (p.type ? handlerTypeText(p.type) : undefined));
      if (req && res && requestType.test(req) && responseType.test(res))
        mark(n, { kind: 'request', how: `takes (${req}, ${res})` }, (fn) => `${base} ${fn.name}`);
    }
    // Next.js app router: export async function POST(req)
    if (
      ts.isFunctionDeclaration(n) &&
      n.name &&
      /^(GET|POST|PUT|PATCH|DELETE)$/.test(n.name.text) &&
      /(^|\/)route\.[cm]?[jt]sx?$/.test(file) &&
      n.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
    )
      mark(n, { kind: 'request', how: 'Next.js route handler' }, (fn) => `${base} ${fn.name}`);
    ts.forEachChild(n, visit);
  };
  visit(sf);
}

/** The handler types of Express, Next.js, AWS Lambda and the like: a value of one runs once per request. */
const handlerTypes = /^(RequestHandler|ErrorRequestHandler|NextApiHandler|RouteHandler(Method)?|Handler|APIGatewayProxyHandler(V2)?|Middleware)$/;
const requestType = /^((express|Express)\.)?(Request|FastifyRequest|NextApiRequest|NextRequest|IncomingMessage)$/;
const responseType = /^((express|Express)\.)?(Response|FastifyReply|NextApiResponse|ServerResponse)$/;

/** A type reference's name as written, its arguments dropped: RequestHandler, express.Response. */
function handlerTypeText(t: ts.TypeNode): string | undefined {
  return ts.isTypeReferenceNode(t) ? t.typeName.getText() : undefined;
}

function handlerTypeName(t: ts.TypeNode): string | undefined {
  const name = handlerTypeText(t);
  return name && handlerTypes.test(name.replace(/^.*\./, '')) ? name : undefined;
}

/** router.route('/p').post(…): the path is route's argument. */
function routePath(route: ts.CallExpression): string | undefined {
  const a = route.arguments[0];
  return a && ts.isStringLiteralLike(a) ? a.text : undefined;
}
