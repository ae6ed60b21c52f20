// package.json's dependency sections, resolved by the nearest lock file that covers the package:
// package-lock.json / npm-shrinkwrap.json (v1's dependency tree; v2/v3's "packages"), yarn.lock (classic v1
// and berry), pnpm-lock.yaml (v5 to v9). A lock in a parent directory covers a workspace member only when it
// lists it. Packages a lock has that no package.json declares are reported from the lock (direct: false).
import { LineCounter, isMap, isScalar, parseDocument } from 'yaml';
import { type ReadContext, ManifestError, dirAndParents, dirOf, joinRel, lineOf, lineStarts, relativeTo } from './common.js';
import { type JsonNode, at, entriesOf, parseJson, stringAt } from './json.js';

const sections = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];
/** in one directory, the lock npm, pnpm or yarn would use (npm-shrinkwrap.json wins over package-lock.json) */
const lockNames = ['npm-shrinkwrap.json', 'package-lock.json', 'pnpm-lock.yaml', 'yarn.lock'];
const exactVersion = /^=?v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/;
const lockedVersion = /^\d+\.\d+\.\d+/;

interface LockedPackage {
  name: string;
  version: string;
  line: number;
}
interface NpmLock {
  file: string;
  /** whether it resolves the package.json at rel (relative to the lock's directory, '.' the same) */
  covers(rel: string, lockDirHasWorkspaces: boolean): boolean;
  /** the locked version of key (the package.json key) declared with range by the package.json at rel */
  resolve(rel: string, key: string, range: string): string | undefined;
  packages: LockedPackage[];
}

export function readNpm(ctx: ReadContext, packageJsons: string[]) {
  const locks = new Map<string, NpmLock | undefined>();
  const used = new Map<NpmLock, Set<string>>();
  const lockAt = (file: string) => {
    if (!locks.has(file)) locks.set(file, readLock(ctx, file));
    return locks.get(file);
  };
  /** the lock file in dir npm/pnpm/yarn would use, if any */
  const lockFileIn = (dir: string) => lockNames.map((n) => joinRel(dir, n)).find((f) => ctx.files.has(f));

  for (const file of packageJsons) {
    const declarations = readPackageJson(ctx, file);
    if (!declarations || declarations.length === 0) continue;
    const dir = dirOf(file);
    // the nearest lock that covers this package; a broken lock in its own directory means none
    let lock: NpmLock | undefined;
    let rel = '.';
    for (const d of dirAndParents(dir)) {
      const lockFile = lockFileIn(d);
      if (!lockFile) continue;
      const candidate = lockAt(lockFile);
      if (d === dir) {
        lock = candidate;
        break;
      }
      const r = relativeTo(d, dir);
      if (candidate?.covers(r, hasWorkspaces(ctx, joinRel(d, 'package.json')))) {
        lock = candidate;
        rel = r;
        break;
      }
    }
    for (const d of declarations) {
      const version = lock?.resolve(rel, d.key, d.range);
      if (lock && version) {
        let set = used.get(lock);
        if (!set) used.set(lock, (set = new Set()));
        set.add(`${d.name}@${version}`);
        set.add(`${d.key}@${version}`);
        ctx.add({ ecosystem: 'npm', name: d.name, version, declared: d.range, file, line: d.line, lockFile: lock.file, direct: true });
      } else {
        const exact = exactVersion.exec(d.realRange);
        ctx.add({ ecosystem: 'npm', name: d.name, ...(exact ? { version: exact[1] } : {}), declared: d.range, file, line: d.line, direct: true });
      }
    }
  }

  // every lock in the tree: what it locks that no package.json declared (a dependency of a dependency)
  const lockFiles = [...ctx.files].filter((f) => {
    const name = f.slice(f.lastIndexOf('/') + 1);
    return lockNames.includes(name) && lockFileIn(dirOf(f)) === f;
  });
  for (const file of lockFiles.sort()) {
    const lock = lockAt(file);
    if (!lock) continue;
    const seen = new Set(used.get(lock));
    for (const p of lock.packages) {
      const id = `${p.name}@${p.version}`;
      if (seen.has(id) || !ctx.wanted('npm', p.name)) continue;
      seen.add(id);
      ctx.add({ ecosystem: 'npm', name: p.name, version: p.version, file, line: p.line, lockFile: file, direct: false });
    }
  }
}

interface Declaration {
  /** the key in package.json */
  key: string;
  /** the package installed: the key, or an alias's target ("my-kafka": "npm:kafkajs@^2") */
  name: string;
  /** as written */
  range: string;
  /** without an alias's "npm:name@" */
  realRange: string;
  line: number;
}

function readPackageJson(ctx: ReadContext, file: string): Declaration[] | undefined {
  const text = ctx.read(file);
  if (text === undefined) return undefined;
  let root: JsonNode;
  try {
    root = parseJson(text);
  } catch (error) {
    ctx.warn(file, `${(error as Error).message}: skipped`);
    return undefined;
  }
  const starts = lineStarts(text);
  const out: Declaration[] = [];
  for (const section of sections) {
    for (const [key, entry] of entriesOf(at(root, section))) {
      if (entry.value.kind !== 'string') continue;
      const range = entry.value.value;
      const alias = /^npm:((?:@[^/@]+\/)?[^@]+)(?:@(.*))?$/.exec(range);
      const name = alias ? alias[1]! : key;
      if (!ctx.wanted('npm', name)) continue;
      out.push({ key, name, range, realRange: alias ? (alias[2] ?? '*') : range, line: lineOf(starts, entry.keyOffset) });
    }
  }
  return out;
}

function hasWorkspaces(ctx: ReadContext, packageJson: string): boolean {
  if (!ctx.files.has(packageJson)) return false;
  const text = ctx.read(packageJson);
  if (text === undefined) return false;
  try {
    return at(parseJson(text), 'workspaces') !== undefined;
  } catch {
    return false;
  }
}

function readLock(ctx: ReadContext, file: string): NpmLock | undefined {
  const text = ctx.read(file);
  if (text === undefined) return undefined;
  try {
    if (file.endsWith('.json')) return readPackageLock(file, text);
    if (file.endsWith('pnpm-lock.yaml')) return readPnpmLock(file, text);
    return readYarnLock(file, text);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    ctx.warn(file, `${error.message}: skipped`);
    return undefined;
  }
}

function readPackageLock(file: string, text: string): NpmLock {
  const root = parseJson(text);
  if (root.kind !== 'object') throw new ManifestError('not a lock file (not a JSON object)');
  const starts = lineStarts(text);
  const packages: LockedPackage[] = [];
  const packagesNode = at(root, 'packages');
  if (packagesNode?.kind === 'object') {
    // lockfileVersion 2 and 3: "node_modules/a/node_modules/b" keys, workspace members by their path
    const versions = new Map<string, string>();
    for (const [key, entry] of packagesNode.entries) {
      const i = key.lastIndexOf('node_modules/');
      const version = stringAt(entry.value, 'version');
      if (i === -1 || !version || !lockedVersion.test(version) || at(entry.value, 'link') !== undefined) continue;
      versions.set(key, version);
      packages.push({ name: key.slice(i + 'node_modules/'.length), version, line: lineOf(starts, entry.keyOffset) });
    }
    return {
      file,
      packages,
      covers: (rel) => rel === '.' || packagesNode.entries.has(rel),
      resolve: (rel, key) => (rel !== '.' ? versions.get(`${rel}/node_modules/${key}`) : undefined) ?? versions.get(`node_modules/${key}`),
    };
  }
  // lockfileVersion 1: a tree of "dependencies"
  const top = new Map<string, string>();
  const walk = (deps: JsonNode | undefined, depth: number) => {
    for (const [name, entry] of entriesOf(deps)) {
      const version = stringAt(entry.value, 'version');
      if (version && lockedVersion.test(version)) {
        if (depth === 0) top.set(name, version);
        packages.push({ name, version, line: lineOf(starts, entry.keyOffset) });
      }
      walk(at(entry.value, 'dependencies'), depth + 1);
    }
  };
  walk(at(root, 'dependencies'), 0);
  return { file, packages, covers: (rel) => rel === '.', resolve: (_rel, key) => top.get(key) };
}

/** "kafkajs@^2.2.0" → kafkajs and ^2.2.0 (berry's "npm:" protocol dropped) */
function yarnSpec(spec: string): { name: string; range: string } | undefined {
  const i = spec.indexOf('@', 1);
  if (i < 1) return undefined;
  return { name: spec.slice(0, i), range: spec.slice(i + 1).replace(/^npm:/, '') };
}

function readYarnLock(file: string, text: string): NpmLock {
  // both formats are "spec, spec:" headers at the left margin, then indented fields; classic writes
  // `version "2.2.4"`, berry `version: 2.2.4`
  interface Entry {
    specs: { name: string; range: string }[];
    line: number;
    version?: string;
  }
  const entries: Entry[] = [];
  const workspaces = new Set<string>();
  let current: Entry | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      if (!line.endsWith(':')) throw new ManifestError(`not a yarn.lock: line ${n + 1} is neither an entry nor a field`);
      const header = line.slice(0, -1);
      current = undefined;
      if (header === '__metadata') continue;
      const specs = header
        .replace(/"/g, '')
        .split(/,\s*/)
        .map(yarnSpec)
        .filter((s) => s !== undefined);
      for (const s of specs) if (s.range.startsWith('workspace:')) workspaces.add(s.range.slice('workspace:'.length));
      current = { specs, line: n + 1 };
      entries.push(current);
      continue;
    }
    const m = /^ {2}version:?\s+"?([^"\s]+)"?\s*$/.exec(line);
    if (m && current) current.version = m[1];
  }
  const packages: LockedPackage[] = [];
  for (const e of entries) {
    if (!e.version || !lockedVersion.test(e.version)) continue;
    for (const name of new Set(e.specs.filter((s) => !s.range.startsWith('workspace:')).map((s) => s.name)))
      packages.push({ name, version: e.version, line: e.line });
  }
  return {
    file,
    packages,
    covers: (rel, lockDirHasWorkspaces) => rel === '.' || workspaces.has(rel) || (workspaces.size === 0 && lockDirHasWorkspaces),
    resolve: (_rel, key, range) => {
      const wanted = range.replace(/^npm:/, '');
      const exact = entries.find((e) => e.version && e.specs.some((s) => s.name === key && s.range === wanted));
      if (exact) return exact.version;
      // a range edited since the lock was written: the lock's version when it has only one
      const versions = new Set(entries.filter((e) => e.version && e.specs.some((s) => s.name === key)).map((e) => e.version));
      return versions.size === 1 ? [...versions][0] : undefined;
    },
  };
}

/** a pnpm version without its peer suffix: "2.2.4(@types/node@20.1.0)" (v6+) or "2.2.4_ws@8.0.0" (v5) */
function pnpmVersion(value: unknown): string | undefined {
  const v =
    typeof value === 'string'
      ? value
      : typeof (value as { version?: unknown } | null)?.version === 'string'
        ? (value as { version: string }).version
        : undefined;
  if (!v || !lockedVersion.test(v)) return undefined;
  return v.replace(/\(.*$/, '').replace(/_.*$/, '');
}

function readPnpmLock(file: string, text: string): NpmLock {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  if (doc.errors.length > 0) throw new ManifestError(`not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const js = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  if (typeof js !== 'object' || js === null) throw new ManifestError('not a pnpm lock file (not a YAML mapping)');
  const lock = js as Record<string, unknown>;
  const importers = typeof lock.importers === 'object' && lock.importers !== null ? (lock.importers as Record<string, unknown>) : undefined;
  const importer = (rel: string) => (importers ? importers[rel] : rel === '.' ? lock : undefined) as Record<string, unknown> | undefined;

  const packages: LockedPackage[] = [];
  const packagesNode = doc.get('packages', true);
  if (isMap(packagesNode)) {
    for (const pair of packagesNode.items) {
      if (!isScalar(pair.key) || typeof pair.key.value !== 'string') continue;
      // v6+: "/kafkajs@2.2.4" or "kafkajs@2.2.4" (v9), v5: "/kafkajs/2.2.4"
      const key = pair.key.value;
      const m = /^\/?((?:@[^/]+\/)?[^@/]+)@([^(]+)/.exec(key) ?? /^\/?((?:@[^/]+\/)?[^@/]+)\/([^/_(]+)/.exec(key);
      const version = m ? pnpmVersion(m[2]) : undefined;
      if (!m || !version) continue;
      packages.push({ name: m[1]!, version, line: pair.key.range ? lineCounter.linePos(pair.key.range[0]).line : 1 });
    }
  }
  return {
    file,
    packages,
    covers: (rel) => importer(rel) !== undefined,
    resolve: (rel, key) => {
      const imp = importer(rel);
      if (!imp) return undefined;
      for (const section of ['dependencies', 'devDependencies', 'optionalDependencies']) {
        const deps = imp[section] as Record<string, unknown> | undefined;
        if (deps && typeof deps === 'object' && key in deps) return pnpmVersion(deps[key]);
      }
      return undefined;
    },
  };
}
