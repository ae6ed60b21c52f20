// Puts a diagnosis's locations in the service's source tree: paths the runtime recorded (the build
// machine's absolute paths) become relative to the source root when they lie under it, and the
// manifests (go.mod, package.json) a finding without a line can be anchored at are found.
import { existsSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Diagnosis, SourceLocation } from '../types.js';

const toPosix = (p: string) => p.split(sep).join('/');

/**
 * A path under root, relative and with forward slashes; undefined when it is not under root. A path the
 * runtime recorded on another machine (the build's checkout: /home/runner/work/svc/svc/cmd/main.go) is
 * matched by its longest tail that exists under root (cmd/main.go).
 */
function under(root: string, file: string): string | undefined {
  if (!isAbsolute(file)) return toPosix(file);
  const rel = relative(root, file);
  if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return toPosix(rel);
  const parts = toPosix(file).split('/').filter(Boolean);
  // at least a directory and the file: a bare main.go could be any service's
  for (let i = 1; i < parts.length - 1; i++) {
    const tail = parts.slice(i).join('/');
    if (existsSync(join(root, tail))) return tail;
  }
  return undefined;
}

/** the nearest `name` from dir up to root (inclusive), relative to root */
function nearest(root: string, dir: string, name: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, name))) return toPosix(relative(root, join(d, name))) || name;
    if (d === root || dirname(d) === d || relative(root, d).startsWith('..')) return undefined;
  }
}

const skippedDirs = new Set(['node_modules', 'target', 'build', 'dist', 'out', 'vendor']);

/**
 * A file the runtime names by its package path only (kleak/fixtures/RecordCache.java, from a class name) found
 * under root: at root itself, or under a source directory of it (src/main/java/…), by a bounded breadth-first walk.
 */
function findByTail(root: string, tail: string, budget = 20_000): string | undefined {
  const alternatives = tail.endsWith('.java') ? [tail, tail.replace(/\.java$/, '.kt')] : [tail];
  const queue = [root];
  let seen = 0;
  while (queue.length && seen < budget) {
    const dir = queue.shift()!;
    for (const alt of alternatives) if (existsSync(join(dir, alt))) return toPosix(relative(root, join(dir, alt)));
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      seen++;
      if (e.isDirectory() && !e.name.startsWith('.') && !skippedDirs.has(e.name)) queue.push(join(dir, e.name));
    }
  }
  return undefined;
}

/** the line (and column) declaring `name` in a Java or Kotlin file: `Type name = …;`, `Type name;`, `val name` */
export function declarationOf(text: string, name: string): { line: number; column: number } | undefined {
  const word = name.replace(/[^\w$]/g, '');
  const declaration = new RegExp(`(?:\\bva[lr]\\s+|[\\w>\\]?]\\s+)(${word.replace(/\$/g, '\\$')})\\s*(?:=|;|:|,)`, 'd');
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = declaration.exec(lines[i]!);
    if (m && !/^\s*(\/\/|\*|return\b)/.test(lines[i]!)) return { line: i + 1, column: m.indices![1]![0] + 1 };
  }
  return undefined;
}

/** a location with no line that names what is declared there: found in the source tree, when it is at hand */
function placeDeclaration(root: string, l: SourceLocation): SourceLocation {
  if (l.line !== undefined || !l.declares || isAbsolute(l.file)) return l;
  const rel = findByTail(root, l.file);
  if (rel === undefined) return l;
  let text: string;
  try {
    text = readFileSync(join(root, rel), 'utf8');
  } catch {
    return l;
  }
  const at = declarationOf(text, l.declares);
  return at ? { ...l, file: rel, line: at.line, column: at.column } : { ...l, file: rel };
}

export function locate(diagnosis: Diagnosis, sourceRoot: string): Diagnosis {
  const root = resolve(sourceRoot);
  if (!existsSync(root) || !statSync(root).isDirectory()) return diagnosis;
  const place = (l: SourceLocation): SourceLocation => {
    if (l.declares && l.line === undefined) return placeDeclaration(root, l);
    const rel = under(root, l.file);
    return rel === undefined ? l : { ...l, file: rel };
  };
  const findings = diagnosis.findings.map((f) => ({ ...f, locations: f.locations.map(place) }));
  // the manifest nearest to the first located line, else the root's
  const first = findings.flatMap((f) => f.locations).find((l) => !isAbsolute(l.file));
  const from = first ? dirname(join(root, first.file)) : root;
  const go = nearest(root, from, 'go.mod') ?? nearest(root, root, 'go.mod');
  const node = nearest(root, from, 'package.json') ?? nearest(root, root, 'package.json');
  return { ...diagnosis, findings, source: { root, manifests: { ...(go ? { go } : {}), ...(node ? { node } : {}) } } };
}
