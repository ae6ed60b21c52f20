// What every manifest reader shares: the files of the tree (read once, bounded), the warnings, the result
// list, and offset → line arithmetic.
import { lstatSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { DeclaredDependency, Ecosystem } from './types.js';

/** a manifest bigger than this is not read (the largest real package-lock.json files are tens of MB) */
const maxFileBytes = 64 * 1024 * 1024;

export class ManifestError extends Error {}

export class ReadContext {
  readonly dependencies: DeclaredDependency[] = [];
  readonly warnings: string[] = [];
  private readonly texts = new Map<string, string | undefined>();

  constructor(
    readonly root: string,
    readonly names: (ecosystem: Ecosystem, name: string) => boolean,
    /** every file the walk found, relative to root with forward slashes */
    readonly files: ReadonlySet<string>,
  ) {}

  wanted(ecosystem: Ecosystem, ...names: (string | undefined)[]): boolean {
    return names.some((n) => n !== undefined && this.names(ecosystem, n));
  }

  warn(file: string, why: string) {
    this.warnings.push(`${file}: ${why}`);
  }

  /** a file's text (rel: relative to root, forward slashes), undefined (and a warning) when it cannot be read */
  read(rel: string): string | undefined {
    if (this.texts.has(rel)) return this.texts.get(rel);
    let text: string | undefined;
    try {
      const path = join(this.root, rel);
      const size = statSync(path).size;
      if (size > maxFileBytes) this.warn(rel, `${size} bytes, over the ${maxFileBytes}-byte limit: not read`);
      else text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
    } catch (error) {
      this.warn(rel, `not readable (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    this.texts.set(rel, text);
    return text;
  }

  /** whether rel is a file under root (as the walk saw it, or on disk for files outside the walk's bounds; not a symbolic link) */
  exists(rel: string): boolean {
    if (this.files.has(rel)) return true;
    try {
      return lstatSync(join(this.root, rel)).isFile();
    } catch {
      return false;
    }
  }

  /** one result, without keys for absent values, keys in the interface's order */
  add(dep: DeclaredDependency) {
    const { replacedBy } = dep;
    this.dependencies.push({
      ecosystem: dep.ecosystem,
      name: dep.name,
      ...(dep.version ? { version: dep.version } : {}),
      ...(dep.declared !== undefined ? { declared: dep.declared } : {}),
      file: dep.file,
      line: dep.line,
      ...(dep.lockFile !== undefined ? { lockFile: dep.lockFile } : {}),
      ...(replacedBy
        ? { replacedBy: replacedBy.version !== undefined ? { name: replacedBy.name, version: replacedBy.version } : { name: replacedBy.name } }
        : {}),
      direct: dep.direct,
    });
  }
}

/** offsets of each line's first character */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** the 1-based line of an offset */
export function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

export const dirOf = (rel: string) => {
  const d = posix.dirname(rel);
  return d === '.' ? '' : d;
};
export const joinRel = (dir: string, name: string) => {
  const joined = posix.normalize(dir === '' ? name : `${dir}/${name}`);
  return joined === '.' ? '' : joined.replace(/\/$/, '');
};
/** a relative path that stays under root */
export const insideRoot = (rel: string) => rel !== '..' && !rel.startsWith('../') && !posix.isAbsolute(rel);
/** rel's directory and each parent up to root ('' last) */
export function dirAndParents(dir: string): string[] {
  const out = [dir];
  while (dir !== '') {
    dir = dirOf(dir);
    out.push(dir);
  }
  return out;
}
/** child relative to dir ('.' when the same) */
export const relativeTo = (dir: string, child: string) => (dir === child ? '.' : dir === '' ? child : child.slice(dir.length + 1));

/** a version as written, without a leading "v" */
export const stripV = (v: string) => v.replace(/^v(?=\d)/, '');
