// Puts a diagnosis's locations in the service's source tree: paths the runtime recorded (the build
// machine's absolute paths) become relative to the source root when they lie under it, and the
// manifests (go.mod, package.json) a finding without a line can be anchored at are found.
import { existsSync, statSync } from 'node:fs';
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

export function locate(diagnosis: Diagnosis, sourceRoot: string): Diagnosis {
  const root = resolve(sourceRoot);
  if (!existsSync(root) || !statSync(root).isDirectory()) return diagnosis;
  const place = (l: SourceLocation): SourceLocation => {
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
