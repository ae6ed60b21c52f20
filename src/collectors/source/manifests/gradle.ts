// Gradle: string and map notations in build.gradle / build.gradle.kts ("group:name:version",
// group: 'g', name: 'n', version: 'v'), with $variables from the build file and gradle.properties; the
// versions a dependency lock (gradle.lockfile, or the older gradle/dependency-locks/*.lockfile) resolved;
// version catalogs (gradle/*.versions.toml). A locked module no build file names is reported at its catalog
// line when the build's catalog declares it, else at the lock's line (direct: false, a dependency's dependency).
import { type ReadContext, ManifestError, dirAndParents, dirOf, joinRel, lineOf, lineStarts } from './common.js';
import { type TomlValue, entriesUnder, parseToml, tomlGet, tomlString } from './toml.js';

interface Locked {
  name: string;
  version: string;
  line: number;
  file: string;
  configurations: string[];
}

const buildFile = /(^|\/)build\.gradle(\.kts)?$/;
const lockFile = /(^|\/)gradle\.lockfile$|(^|\/)gradle\/dependency-locks\/[^/]+\.lockfile$/;
const catalogFile = /(^|\/)gradle\/[^/]+\.versions\.toml$/;
/** a version Gradle resolves at build time rather than a fixed one */
const dynamic = (v: string) => /[+[\](),]|^latest\./.test(v);

/** blanks out // and /* comments, keeping strings and line breaks where they were */
function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const end = triple ? text.indexOf(c.repeat(3), i + 3) : -1;
      if (triple && end !== -1) {
        out += text.slice(i, end + 3);
        i = end + 3;
        continue;
      }
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function readProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([\w.-]+)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (m && !line.trimStart().startsWith('#') && !line.trimStart().startsWith('!')) out.set(m[1]!, m[2]!);
  }
  return out;
}

interface CatalogEntry {
  name: string;
  version?: string;
  declared?: string;
  file: string;
  line: number;
  /** a lock resolved it (then the lock's version is reported at this line instead) */
  locked?: boolean;
}

export function readGradle(ctx: ReadContext) {
  const files = [...ctx.files].sort();
  // a catalog in <build>/gradle/ serves the projects under <build>
  const catalogs = new Map<string, CatalogEntry[]>();
  for (const file of files.filter((f) => catalogFile.test(f))) {
    const buildRoot = dirOf(dirOf(file));
    catalogs.set(buildRoot, [...(catalogs.get(buildRoot) ?? []), ...readCatalog(ctx, file)]);
  }

  const projectDirs = new Set<string>();
  for (const f of files) {
    if (buildFile.test(f)) projectDirs.add(dirOf(f));
    else if (f.endsWith('/gradle.lockfile') || f === 'gradle.lockfile') projectDirs.add(dirOf(f));
    else if (lockFile.test(f)) projectDirs.add(dirOf(dirOf(dirOf(f))));
  }
  for (const dir of [...projectDirs].sort()) {
    const locked = readLocks(
      ctx,
      files.filter((f) => f === joinRel(dir, 'gradle.lockfile') || (lockFile.test(f) && dirOf(f) === joinRel(dir, 'gradle/dependency-locks'))),
    );
    const declaredHere = new Set<string>();
    for (const build of ['build.gradle', 'build.gradle.kts'].map((n) => joinRel(dir, n)).filter((f) => ctx.files.has(f))) {
      for (const d of readBuildFile(ctx, build, dir)) {
        declaredHere.add(d.name);
        const lock = pickLocked(locked.get(d.name));
        const exact = d.version !== undefined && !dynamic(d.version) ? d.version.replace(/!!$/, '') : undefined;
        ctx.add({
          ecosystem: 'Maven',
          name: d.name,
          version: lock?.version ?? exact,
          ...(d.declared !== undefined ? { declared: d.declared } : {}),
          file: build,
          line: d.line,
          ...(lock ? { lockFile: lock.file } : {}),
          direct: true,
        });
      }
    }
    for (const [name, entries] of [...locked].sort(([a], [b]) => a.localeCompare(b))) {
      if (declaredHere.has(name) || !ctx.wanted('Maven', name)) continue;
      const lock = pickLocked(entries)!;
      // declared in the build's catalog (implementation(libs.kafka.clients)): reported at the catalog's line
      const catalog = dirAndParents(dir)
        .flatMap((d) => catalogs.get(d) ?? [])
        .find((c) => c.name === name);
      if (catalog) {
        catalog.locked = true;
        ctx.add({
          ecosystem: 'Maven',
          name,
          version: lock.version,
          ...(catalog.declared !== undefined ? { declared: catalog.declared } : {}),
          file: catalog.file,
          line: catalog.line,
          lockFile: lock.file,
          direct: true,
        });
      } else ctx.add({ ecosystem: 'Maven', name, version: lock.version, file: lock.file, line: lock.line, lockFile: lock.file, direct: false });
    }
  }
  for (const c of [...catalogs.values()].flat()) {
    if (c.locked) continue;
    ctx.add({
      ecosystem: 'Maven',
      name: c.name,
      version: c.version,
      ...(c.declared !== undefined ? { declared: c.declared } : {}),
      file: c.file,
      line: c.line,
      direct: true,
    });
  }
}

/** the entry a compile or runtime classpath uses, else the first */
const pickLocked = (entries: Locked[] | undefined) =>
  entries?.find((e) => e.configurations.length === 0 || e.configurations.some((c) => /^(compile|runtime)Classpath$/.test(c))) ?? entries?.[0];

function readLocks(ctx: ReadContext, lockFiles: string[]): Map<string, Locked[]> {
  const out = new Map<string, Locked[]>();
  for (const file of lockFiles) {
    const text = ctx.read(file);
    if (text === undefined) continue;
    const lines = text.split('\n');
    const found: Locked[] = [];
    let bad = 0;
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n]!.trim();
      if (line === '' || line.startsWith('#') || line.startsWith('empty=')) continue;
      const m = /^([^:=\s]+):([^:=\s]+):([^:=\s]+)(?:=(.*))?$/.exec(line);
      if (!m) {
        bad++;
        continue;
      }
      found.push({ name: `${m[1]}:${m[2]}`, version: m[3]!, line: n + 1, file, configurations: m[4] ? m[4].split(',') : [] });
    }
    if (bad > 0) {
      ctx.warn(file, `${bad} line(s) are not group:name:version=configurations: not a Gradle lock file, skipped`);
      continue;
    }
    for (const l of found) out.set(l.name, [...(out.get(l.name) ?? []), l]);
  }
  return out;
}

interface BuildDeclaration {
  name: string;
  version?: string;
  declared?: string;
  line: number;
}

function readBuildFile(ctx: ReadContext, file: string, dir: string): BuildDeclaration[] {
  const raw = ctx.read(file);
  if (raw === undefined) return [];
  const text = stripComments(raw);
  const starts = lineStarts(text);
  const variables = new Map<string, string>();
  // gradle.properties of the project and of the directories above (the nearest wins), then the build file's own
  for (const d of [...dirAndParents(dir)].reverse()) {
    const props = joinRel(d, 'gradle.properties');
    if (!ctx.files.has(props)) continue;
    const t = ctx.read(props);
    if (t !== undefined) for (const [k, v] of readProperties(t)) variables.set(k, v);
  }
  for (const m of text.matchAll(/(?:^|[\s{;(])(?:(?:def|val|var)\s+)?(?:project\.)?(?:ext\.)?([A-Za-z_]\w*)(?:\s*:\s*String)?\s*=\s*(["'])([^"'$\n]*)\2/gm)) {
    variables.set(m[1]!, m[3]!);
  }
  for (const m of text.matchAll(/\b(?:extra|ext)\s*\[\s*(["'])(\w+)\1\s*\]\s*=\s*(["'])([^"'$\n]*)\3/g)) variables.set(m[2]!, m[4]!);
  for (const m of text.matchAll(/\bset\s*\(\s*(["'])(\w+)\1\s*,\s*(["'])([^"'$\n]*)\3\s*\)/g)) variables.set(m[2]!, m[4]!);
  const interpolate = (s: string) => s.replace(/\$\{?(\w+)\}?/g, (all, name: string) => variables.get(name) ?? all);
  const version = (rawVersion: string | undefined) => {
    if (rawVersion === undefined || rawVersion === '') return {};
    const v = interpolate(rawVersion);
    return { declared: rawVersion, ...(v.includes('$') ? {} : { version: v }) };
  };

  const out: BuildDeclaration[] = [];
  for (const m of text.matchAll(/(["'])([\w.-]+):([\w.-]+)(?::([^"':@\s]*))?(?::[^"'@\s]*)?(?:@\w+)?\1/g)) {
    const name = `${m[2]}:${m[3]}`;
    if (!ctx.wanted('Maven', name)) continue;
    const lineStart = starts[lineOf(starts, m.index) - 1]!;
    // the build script's own classpath (plugins), not the project's
    if (/\bclasspath\s*\(?\s*$/.test(text.slice(lineStart, m.index))) continue;
    out.push({ name, ...version(m[4]), line: lineOf(starts, m.index) });
  }
  for (const m of text.matchAll(/\bgroup\s*[:=]\s*(["'])([^"'\n]+)\1\s*,\s*name\s*[:=]\s*(["'])([^"'\n]+)\3(?:\s*,\s*version\s*[:=]\s*(["'])([^"'\n]+)\5)?/g)) {
    const name = `${m[2]}:${m[4]}`;
    if (!ctx.wanted('Maven', name)) continue;
    out.push({ name, ...version(m[6]), line: lineOf(starts, m.index) });
  }
  return out.sort((a, b) => a.line - b.line);
}

/** a catalog's [versions] value: "3.7.0" or { strictly / require / prefer = ... } */
const catalogVersion = (v: TomlValue | undefined) =>
  tomlString(v) ?? tomlString(tomlGet(v, 'strictly')) ?? tomlString(tomlGet(v, 'require')) ?? tomlString(tomlGet(v, 'prefer'));

/** the Kafka libraries a catalog declares (wanted by the filter) */
function readCatalog(ctx: ReadContext, file: string): CatalogEntry[] {
  const text = ctx.read(file);
  if (text === undefined) return [];
  let doc;
  try {
    doc = parseToml(text);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    ctx.warn(file, `${error.message}: skipped`);
    return [];
  }
  const versions = new Map<string, string>();
  for (const { rest, entry } of entriesUnder(doc, ['versions'])) {
    const v = rest.length === 1 ? catalogVersion(entry.value) : undefined;
    if (v !== undefined) versions.set(rest[0]!, v);
  }
  // each library: a "g:a:v" string, or a table (inline, or a [libraries.alias] table of its own)
  const libraries = new Map<string, { line: number; fields: Map<string, TomlValue> }>();
  for (const { rest, entry } of entriesUnder(doc, ['libraries'])) {
    const alias = rest[0]!;
    let lib = libraries.get(alias);
    if (!lib) libraries.set(alias, (lib = { line: rest.length === 1 ? entry.line : entry.tableLine, fields: new Map() }));
    if (rest.length === 1) {
      if (entry.value.kind === 'table') for (const [k, v] of entry.value.entries) lib.fields.set(k, v);
      else lib.fields.set('', entry.value);
    } else lib.fields.set(rest.slice(1).join('.'), entry.value);
  }
  const out: CatalogEntry[] = [];
  for (const { line, fields } of libraries.values()) {
    let name: string | undefined;
    let declared: string | undefined;
    const notation = tomlString(fields.get(''));
    if (notation !== undefined) {
      const [g, a, v] = notation.split(':');
      if (!g || !a) continue;
      name = `${g}:${a}`;
      declared = v;
    } else {
      const module = tomlString(fields.get('module'));
      name = module ?? `${tomlString(fields.get('group')) ?? ''}:${tomlString(fields.get('name')) ?? ''}`;
      const v = fields.get('version');
      const ref = tomlString(tomlGet(v, 'ref')) ?? tomlString(fields.get('version.ref'));
      declared = ref !== undefined ? versions.get(ref) : catalogVersion(v);
    }
    if (!ctx.wanted('Maven', name)) continue;
    out.push({
      name,
      ...(declared !== undefined && !dynamic(declared) ? { version: declared.replace(/!!$/, '') } : {}),
      ...(declared !== undefined ? { declared } : {}),
      file,
      line,
    });
  }
  return out;
}
