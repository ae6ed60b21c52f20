// Python: requirements files (pins, ranges, extras, markers, line continuations, -r includes; pip-compile's
// "# via" notes tell a dependency of a dependency), pyproject.toml (PEP 621 [project] and
// [project.optional-dependencies], PEP 735 [dependency-groups], uv's dev-dependencies, Poetry's dependency
// tables) resolved by the poetry.lock or uv.lock beside it (a uv workspace's lock above it when it lists the
// member), Pipfile resolved by Pipfile.lock. Names are normalised per PEP 503.
import { type ReadContext, ManifestError, dirAndParents, dirOf, insideRoot, joinRel, lineOf, lineStarts, relativeTo } from './common.js';
import { entriesOf, parseJson, stringAt } from './json.js';
import { normalisePyPI } from './packages.js';
import { type TomlDocument, type TomlValue, entriesUnder, parseToml, samePath, tomlGet, tomlString } from './toml.js';

const specifier = /^(~=|===|==|!=|<=|>=|<|>)\s*[^\s,;]+(\s*,\s*(~=|===|==|!=|<=|>=|<|>)\s*[^\s,;]+)*$/;

/** a PEP 508 requirement's name and version specifier ("" when none; "@ url" for a direct reference) */
export function parseRequirement(text: string): { name: string; specifier: string } | undefined {
  const m = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(.*)$/.exec(text);
  if (!m) return undefined;
  let rest = m[2]!.trim();
  if (rest.startsWith('@')) return { name: normalisePyPI(m[1]!), specifier: rest.replace(/\s*;.*$/, '').replace(/^@\s*/, '@ ') };
  const semi = rest.indexOf(';');
  if (semi !== -1) rest = rest.slice(0, semi).trim();
  if (rest.startsWith('(') && rest.endsWith(')')) rest = rest.slice(1, -1).trim();
  if (rest !== '' && !specifier.test(rest)) return undefined;
  return { name: normalisePyPI(m[1]!), specifier: rest.replace(/\s+/g, '') };
}

/** the version a specifier pins exactly ("==2.0.2", "===2.0.2"; Poetry's bare "2.0.2"), if it does */
function pinned(spec: string, bareIsExact = false): string | undefined {
  const m = /^===?([^,*<>=!~\s]+)$/.exec(spec) ?? (bareIsExact ? /^(\d[^,*<>=!~^\s|]*)$/.exec(spec) : null);
  return m?.[1];
}

interface PyLock {
  file: string;
  packages: { name: string; version: string; line: number }[];
  /** uv workspace members (paths relative to the lock's directory) */
  members: Set<string>;
}
interface PyDeclaration {
  name: string;
  specifier: string;
  line: number;
  bareIsExact?: boolean;
}

export class PythonReader {
  private readonly requirementsRead = new Set<string>();
  private readonly locks = new Map<string, PyLock | undefined>();
  /** per lock file, the names manifests resolved through it */
  private readonly declaredThrough = new Map<string, Set<string>>();
  constructor(private readonly ctx: ReadContext) {}

  requirements(file: string) {
    if (this.requirementsRead.has(file)) return;
    this.requirementsRead.add(file);
    const text = this.ctx.read(file);
    if (text === undefined) return;
    const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
    for (let n = 0; n < lines.length; n++) {
      const line = n + 1;
      let raw = lines[n]!;
      while (raw.endsWith('\\') && n + 1 < lines.length) raw = `${raw.slice(0, -1)} ${lines[++n]!}`;
      const content = raw.replace(/(^|\s)#.*$/, '').trim();
      if (content === '') continue;
      const include = /^(?:-r|--requirement)(?:\s*=\s*|\s+|(?=[^\s-]))(\S+)$/.exec(content);
      if (include) {
        const target = joinRel(dirOf(file), include[1]!);
        if (!insideRoot(target)) this.ctx.warn(file, `line ${line}: ${include[1]} is outside the tree: not read`);
        else if (!this.ctx.exists(target)) this.ctx.warn(file, `line ${line}: ${include[1]} not found`);
        else this.requirements(target);
        continue;
      }
      // other options (-c, -e, --index-url, ...) and paths or URLs without a name
      if (content.startsWith('-')) continue;
      const req = parseRequirement(content.split(/\s+--?(?=[a-z])/)[0]!);
      if (!req || !this.ctx.wanted('PyPI', req.name)) continue;
      // pip-compile: "# via -r requirements.in" for what the input named, "# via aiokafka" for what came with it
      // (several sources: "# via" then one "#   source" a line)
      const via: string[] = [];
      const first = /^\s*#\s*via\b(.*)$/.exec(lines[n + 1] ?? '');
      if (first) {
        if (first[1]!.trim() !== '') via.push(first[1]!.trim());
        for (let k = n + 2; k < lines.length; k++) {
          const more = /^\s*#\s{2,}(\S.*)$/.exec(lines[k]!);
          if (!more) break;
          via.push(more[1]!.trim());
        }
      }
      const direct = via.length === 0 || via.some((v) => /^(-r|--requirement)\b/.test(v));
      this.ctx.add({
        ecosystem: 'PyPI',
        name: req.name,
        version: pinned(req.specifier),
        ...(req.specifier !== '' ? { declared: req.specifier } : {}),
        file,
        line,
        direct,
      });
    }
  }

  pyproject(file: string) {
    const doc = this.toml(file);
    if (!doc) return;
    const declarations: PyDeclaration[] = [];
    const pep508 = (v: TomlValue) => {
      if (v.kind !== 'array') return;
      for (const item of v.items) {
        const req = item.kind === 'string' ? parseRequirement(item.value) : undefined;
        if (req) declarations.push({ name: req.name, specifier: req.specifier, line: item.line });
      }
    };
    for (const entry of doc.entries) {
      const path = [...entry.table, ...entry.key];
      if (
        samePath(path, ['project', 'dependencies']) ||
        samePath(path, ['tool', 'uv', 'dev-dependencies']) ||
        (path.length === 3 && path[0] === 'project' && path[1] === 'optional-dependencies') ||
        (path.length === 2 && path[0] === 'dependency-groups')
      ) {
        pep508(entry.value);
      }
    }
    const poetryTables = [
      ['tool', 'poetry', 'dependencies'],
      ['tool', 'poetry', 'dev-dependencies'],
      // [tool.poetry.group.<name>.dependencies], or one dependency's own table under it
      ...new Map(
        doc.tables
          .filter((t) => t.path.length >= 5 && t.path[0] === 'tool' && t.path[1] === 'poetry' && t.path[2] === 'group' && t.path[4] === 'dependencies')
          .map((t) => [t.path[3]!, t.path.slice(0, 5)] as const),
      ).values(),
    ];
    for (const prefix of poetryTables) {
      for (const { rest, entry } of entriesUnder(doc, prefix)) {
        if (rest[0] === 'python') continue;
        // kafka-python = "^2.0" | { version = "^2.0", extras = [...] } | [ { version = ... }, ... ], or a
        // [tool.poetry.dependencies.kafka-python] table of its own
        let spec: string | undefined;
        let line = entry.line;
        if (rest.length === 1) spec = poetrySpec(entry.value);
        else if (rest.length === 2 && rest[1] === 'version') {
          spec = tomlString(entry.value);
          if (samePath(entry.table, [...prefix, rest[0]!])) line = entry.tableLine;
        } else continue;
        declarations.push({ name: normalisePyPI(rest[0]!), specifier: spec ?? '', line, bareIsExact: true });
      }
    }
    const hasPoetry = doc.tables.some((t) => t.path[0] === 'tool' && t.path[1] === 'poetry');
    const dir = dirOf(file);
    const order = hasPoetry ? ['poetry.lock', 'uv.lock'] : ['uv.lock', 'poetry.lock'];
    let lock = order.map((n) => joinRel(dir, n)).find((f) => this.ctx.files.has(f));
    if (!lock) {
      // a uv workspace member: the lock at the workspace root lists it
      for (const d of dirAndParents(dir).slice(1)) {
        const f = joinRel(d, 'uv.lock');
        if (this.ctx.files.has(f) && this.lock(f)?.members.has(relativeTo(d, dir))) {
          lock = f;
          break;
        }
      }
    }
    this.emit(file, declarations, lock);
  }

  pipfile(file: string) {
    const doc = this.toml(file);
    if (!doc) return;
    const declarations: PyDeclaration[] = [];
    for (const section of ['packages', 'dev-packages']) {
      for (const { rest, entry } of entriesUnder(doc, [section])) {
        if (rest.length !== 1) continue;
        declarations.push({ name: normalisePyPI(rest[0]!), specifier: poetrySpec(entry.value) ?? '', line: entry.line });
      }
    }
    const lock = joinRel(dirOf(file), 'Pipfile.lock');
    this.emit(file, declarations, this.ctx.files.has(lock) ? lock : undefined);
  }

  /** what each lock in the tree locks that no manifest declared */
  lockLeftovers() {
    const locks = [...this.ctx.files].filter((f) => /(^|\/)(poetry\.lock|uv\.lock|Pipfile\.lock)$/.test(f)).sort();
    for (const file of locks) {
      const lock = this.lock(file);
      if (!lock) continue;
      const declared = this.declaredThrough.get(file) ?? new Set();
      const seen = new Set<string>();
      for (const p of lock.packages) {
        if (declared.has(p.name) || seen.has(p.name) || !this.ctx.wanted('PyPI', p.name)) continue;
        seen.add(p.name);
        this.ctx.add({ ecosystem: 'PyPI', name: p.name, version: p.version, file, line: p.line, lockFile: file, direct: false });
      }
    }
  }

  private emit(file: string, declarations: PyDeclaration[], lockFile: string | undefined) {
    const lock = lockFile ? this.lock(lockFile) : undefined;
    for (const d of declarations) {
      if (!this.ctx.wanted('PyPI', d.name)) continue;
      const locked = lock?.packages.find((p) => p.name === d.name);
      if (lock && locked) {
        let set = this.declaredThrough.get(lock.file);
        if (!set) this.declaredThrough.set(lock.file, (set = new Set()));
        set.add(d.name);
      }
      this.ctx.add({
        ecosystem: 'PyPI',
        name: d.name,
        version: locked?.version ?? pinned(d.specifier, d.bareIsExact),
        ...(d.specifier !== '' ? { declared: d.specifier } : {}),
        file,
        line: d.line,
        ...(lock && locked ? { lockFile: lock.file } : {}),
        direct: true,
      });
    }
  }

  private toml(file: string): TomlDocument | undefined {
    const text = this.ctx.read(file);
    if (text === undefined) return undefined;
    try {
      return parseToml(text);
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      this.ctx.warn(file, `${error.message}: skipped`);
      return undefined;
    }
  }

  private lock(file: string): PyLock | undefined {
    if (this.locks.has(file)) return this.locks.get(file);
    let lock: PyLock | undefined;
    if (file.endsWith('Pipfile.lock')) {
      const text = this.ctx.read(file);
      if (text !== undefined) {
        try {
          const root = parseJson(text);
          const starts = lineStarts(text);
          const packages: PyLock['packages'] = [];
          for (const section of ['default', 'develop']) {
            for (const [name, entry] of entriesOf(root.kind === 'object' ? root.entries.get(section)?.value : undefined)) {
              const version = stringAt(entry.value, 'version')?.replace(/^===?/, '');
              if (version) packages.push({ name: normalisePyPI(name), version, line: lineOf(starts, entry.keyOffset) });
            }
          }
          lock = { file, packages, members: new Set() };
        } catch (error) {
          if (!(error instanceof ManifestError)) throw error;
          this.ctx.warn(file, `${error.message}: skipped`);
        }
      }
    } else {
      const doc = this.toml(file);
      if (doc) {
        // [[package]] name = "..." version = "..." (poetry.lock and uv.lock alike); uv marks the
        // workspace's own packages with source = { editable = "." } or { virtual = "." }
        const byElement = new Map<number, { name?: string; line: number; version?: string; member?: string }>();
        for (const entry of doc.entries) {
          if (!samePath(entry.table, ['package']) || entry.element < 0 || entry.key.length !== 1) continue;
          const p = byElement.get(entry.element) ?? { line: entry.tableLine };
          const key = entry.key[0];
          if (key === 'name' && tomlString(entry.value)) {
            p.name = normalisePyPI(tomlString(entry.value)!);
            p.line = entry.line;
          } else if (key === 'version') p.version = tomlString(entry.value);
          else if (key === 'source') p.member = tomlString(tomlGet(entry.value, 'editable')) ?? tomlString(tomlGet(entry.value, 'virtual'));
          byElement.set(entry.element, p);
        }
        const packages: PyLock['packages'] = [];
        const members = new Set<string>();
        for (const p of byElement.values()) {
          if (p.member !== undefined) members.add(joinRel('', p.member) || '.');
          else if (p.name && p.version) packages.push({ name: p.name, version: p.version, line: p.line });
        }
        lock = { file, packages, members };
      }
    }
    this.locks.set(file, lock);
    return lock;
  }
}

/** Poetry's and Pipfile's "^2.0", { version = "^2.0" }, or several constraints in an array */
function poetrySpec(v: TomlValue): string | undefined {
  if (v.kind === 'string') return v.value;
  if (v.kind === 'table') return tomlString(tomlGet(v, 'version'));
  if (v.kind === 'array') {
    const specs = v.items.map(poetrySpec).filter((s) => s !== undefined);
    return specs.length > 0 ? specs.join(' || ') : undefined;
  }
  return undefined;
}
