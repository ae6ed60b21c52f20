// A small TOML reader for the shapes dependency files use (pyproject.toml, Pipfile, poetry.lock, uv.lock,
// Gradle version catalogs): tables, arrays of tables, dotted and quoted keys, strings of the four kinds,
// arrays over several lines, inline tables, comments. Numbers, booleans and dates are kept as raw text.
// Every key and value keeps its line.
import { ManifestError } from './common.js';

export type TomlValue =
  | { kind: 'string'; value: string; line: number }
  | { kind: 'array'; items: TomlValue[]; line: number }
  | { kind: 'table'; entries: Map<string, TomlValue>; line: number }
  | { kind: 'other'; raw: string; line: number };

export interface TomlEntry {
  /** the path of the [table] header above it ([] before any header) */
  table: string[];
  /** which element of the nearest enclosing [[array of tables]] (0-based), -1 outside one */
  element: number;
  /** the header's line (0 before any header) */
  tableLine: number;
  key: string[];
  /** the key's line */
  line: number;
  value: TomlValue;
}
export interface TomlTable {
  path: string[];
  array: boolean;
  element: number;
  line: number;
}
export interface TomlDocument {
  entries: TomlEntry[];
  tables: TomlTable[];
}

const bareKey = /[A-Za-z0-9_-]+/y;
const bareValue = /[^\s,\]}#]+/y;
const maxDepth = 100;

export function parseToml(text: string): TomlDocument {
  let i = 0;
  let line = 1;
  const fail = (what: string): never => {
    throw new ManifestError(`not valid TOML: ${what} at line ${line}`);
  };
  const skipSpaces = () => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  const skipComment = () => {
    if (text[i] === '#') while (i < text.length && text[i] !== '\n') i++;
  };
  /** spaces, comments and line ends (between array items and statements) */
  const skipAll = () => {
    for (;;) {
      skipSpaces();
      skipComment();
      if (text[i] === '\r' && text[i + 1] === '\n') i++;
      if (text[i] !== '\n') return;
      i++;
      line++;
    }
  };
  const endOfLine = () => {
    skipSpaces();
    skipComment();
    if (i >= text.length) return;
    if (text[i] === '\r') i++;
    if (text[i] !== '\n') fail('expected the end of the line');
    i++;
    line++;
  };
  const escape = (): string => {
    const c = text[i + 1];
    const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\', e: '\x1b' };
    if (c !== undefined && c in simple) {
      i += 2;
      return simple[c]!;
    }
    if (c === 'u' || c === 'U') {
      const n = c === 'u' ? 4 : 8;
      const hex = text.slice(i + 2, i + 2 + n);
      if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== n) fail('bad \\u escape');
      i += 2 + n;
      return String.fromCodePoint(parseInt(hex, 16));
    }
    return fail('bad escape');
  };
  const basicString = (): string => {
    if (text.startsWith('"""', i)) {
      i += 3;
      if (text[i] === '\r') i++;
      if (text[i] === '\n') {
        i++;
        line++;
      }
      let out = '';
      for (;;) {
        if (i >= text.length) fail('unterminated string');
        if (text.startsWith('"""', i) && text[i + 3] !== '"') {
          i += 3;
          return out;
        }
        const c = text[i]!;
        if (c === '\\') {
          // a backslash at the end of a line joins the next non-blank text
          let j = i + 1;
          while (text[j] === ' ' || text[j] === '\t') j++;
          if (text[j] === '\n' || (text[j] === '\r' && text[j + 1] === '\n')) {
            i = j;
            skipAll();
            continue;
          }
          out += escape();
          continue;
        }
        if (c === '\n') line++;
        out += c;
        i++;
      }
    }
    i++;
    let out = '';
    for (;;) {
      const c = text[i];
      if (c === undefined || c === '\n') return fail('unterminated string');
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') out += escape();
      else {
        out += c;
        i++;
      }
    }
  };
  const literalString = (): string => {
    if (text.startsWith("'''", i)) {
      i += 3;
      if (text[i] === '\r') i++;
      if (text[i] === '\n') {
        i++;
        line++;
      }
      const end = text.indexOf("'''", i);
      if (end === -1) fail('unterminated string');
      const out = text.slice(i, end);
      line += out.split('\n').length - 1;
      i = end + 3;
      return out;
    }
    const end = text.indexOf("'", i + 1);
    const nl = text.indexOf('\n', i + 1);
    if (end === -1 || (nl !== -1 && nl < end)) fail('unterminated string');
    const out = text.slice(i + 1, end);
    i = end + 1;
    return out;
  };
  const key = (): string[] => {
    const parts: string[] = [];
    for (;;) {
      skipSpaces();
      const c = text[i];
      if (c === '"') parts.push(basicString());
      else if (c === "'") parts.push(literalString());
      else {
        bareKey.lastIndex = i;
        const m = bareKey.exec(text);
        if (!m) fail('expected a key');
        parts.push(m![0]);
        i += m![0].length;
      }
      skipSpaces();
      if (text[i] !== '.') return parts;
      i++;
    }
  };
  const setPath = (entries: Map<string, TomlValue>, path: string[], v: TomlValue) => {
    let map = entries;
    for (const part of path.slice(0, -1)) {
      let next = map.get(part);
      if (!next) {
        next = { kind: 'table', entries: new Map(), line: v.line };
        map.set(part, next);
      }
      if (next.kind !== 'table') fail(`key ${path.join('.')} defined twice`);
      map = (next as { entries: Map<string, TomlValue> }).entries;
    }
    map.set(path[path.length - 1]!, v);
  };
  const value = (depth: number): TomlValue => {
    if (depth > maxDepth) fail('nesting too deep');
    const at = line;
    const c = text[i];
    if (c === '"') return { kind: 'string', value: basicString(), line: at };
    if (c === "'") return { kind: 'string', value: literalString(), line: at };
    if (c === '[') {
      i++;
      const items: TomlValue[] = [];
      for (;;) {
        skipAll();
        if (text[i] === ']') break;
        items.push(value(depth + 1));
        skipAll();
        if (text[i] === ',') i++;
        else if (text[i] !== ']') fail('expected "," or "]"');
      }
      i++;
      return { kind: 'array', items, line: at };
    }
    if (c === '{') {
      i++;
      const entries = new Map<string, TomlValue>();
      for (;;) {
        skipAll();
        if (text[i] === '}') break;
        const k = key();
        if (text[i] !== '=') fail('expected "="');
        i++;
        skipSpaces();
        setPath(entries, k, value(depth + 1));
        skipAll();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail('expected "," or "}"');
      }
      i++;
      return { kind: 'table', entries, line: at };
    }
    bareValue.lastIndex = i;
    const m = bareValue.exec(text);
    if (!m) return fail('expected a value');
    i += m[0].length;
    return { kind: 'other', raw: m[0], line: at };
  };

  const entries: TomlEntry[] = [];
  const tables: TomlTable[] = [];
  const arrayElements = new Map<string, number>();
  let table: string[] = [];
  let element = -1;
  let tableLine = 0;
  for (;;) {
    skipAll();
    if (i >= text.length) break;
    if (text[i] === '[') {
      const array = text[i + 1] === '[';
      i += array ? 2 : 1;
      const path = key();
      if (array ? !text.startsWith(']]', i) : text[i] !== ']') fail('expected the end of a table header');
      i += array ? 2 : 1;
      const id = path.join('\0');
      if (array) {
        element = (arrayElements.get(id) ?? -1) + 1;
        arrayElements.set(id, element);
      } else {
        // [package.metadata] under [[package]] belongs to the current package
        element = -1;
        for (let n = path.length - 1; n > 0 && element === -1; n--) element = arrayElements.get(path.slice(0, n).join('\0')) ?? -1;
      }
      table = path;
      tableLine = line;
      tables.push({ path, array, element, line });
      endOfLine();
      continue;
    }
    const at = line;
    const k = key();
    if (text[i] !== '=') fail('expected "="');
    i++;
    skipSpaces();
    entries.push({ table, element, tableLine, key: k, line: at, value: value(0) });
    endOfLine();
  }
  return { entries, tables };
}

export const samePath = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, n) => x === b[n]);
/** the entries whose full path (table + key) starts with prefix, with the rest of their path */
export function entriesUnder(doc: TomlDocument, prefix: readonly string[]): { rest: string[]; entry: TomlEntry }[] {
  const out: { rest: string[]; entry: TomlEntry }[] = [];
  for (const entry of doc.entries) {
    const full = [...entry.table, ...entry.key];
    if (full.length > prefix.length && prefix.every((p, n) => full[n] === p)) out.push({ rest: full.slice(prefix.length), entry });
  }
  return out;
}
export const tomlString = (v: TomlValue | undefined) => (v?.kind === 'string' ? v.value : undefined);
export const tomlGet = (v: TomlValue | undefined, key: string) => (v?.kind === 'table' ? v.entries.get(key) : undefined);
