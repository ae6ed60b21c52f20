// Which Kafka client library versions a source tree depends on, and on which line of which manifest: pure
// readers (no network, no subprocess) for go.mod, package.json with its lock files, pom.xml, Gradle build
// files, locks and catalogs, requirements files, pyproject.toml, Pipfile and their locks. A malformed file
// is skipped with a warning; nothing here throws for a file's content.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ReadContext } from './common.js';
import { readGoMod } from './go.js';
import { readGradle } from './gradle.js';
import { PomReader } from './maven.js';
import { readNpm } from './npm.js';
import { isKafkaClientPackage } from './packages.js';
import { PythonReader } from './python.js';
import type { DeclaredDependency, ReadOptions } from './types.js';

export type { DeclaredDependency, Ecosystem, ReadOptions } from './types.js';
export { isKafkaClientPackage, normalisePyPI } from './packages.js';

const skippedDirs = new Set(['node_modules', '.git', 'vendor', 'dist', 'build', 'target', '.venv', 'venv', '__pycache__']);
const maxDepth = 6;
const defaultMaxFiles = 2000;

/** the manifests and lock files the readers know, by name (and, for some, by their directory) */
function isManifest(name: string, dir: string): boolean {
  switch (name) {
    case 'go.mod':
    case 'package.json':
    case 'package-lock.json':
    case 'npm-shrinkwrap.json':
    case 'yarn.lock':
    case 'pnpm-lock.yaml':
    case 'pom.xml':
    case 'build.gradle':
    case 'build.gradle.kts':
    case 'gradle.lockfile':
    case 'gradle.properties':
    case 'pyproject.toml':
    case 'poetry.lock':
    case 'uv.lock':
    case 'Pipfile':
    case 'Pipfile.lock':
      return true;
  }
  const parent = dir.slice(dir.lastIndexOf('/') + 1);
  if (/^requirements.*\.txt$/i.test(name) || (parent === 'requirements' && name.endsWith('.txt'))) return true;
  if (parent === 'gradle' && name.endsWith('.versions.toml')) return true;
  return parent === 'dependency-locks' && name.endsWith('.lockfile');
}

/** the manifests under root: skipped directories left out, depth and count bounded, no symbolic links followed */
function walk(root: string, maxFiles: number, warnings: string[]): Set<string> {
  const found: string[] = [];
  let stopped = false;
  const visit = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir === '' ? root : join(root, dir), { withFileTypes: true });
    } catch (error) {
      if (dir === '') warnings.push(`${root}: not readable (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (stopped) return;
      const rel = dir === '' ? e.name : `${dir}/${e.name}`;
      if (e.isFile() && isManifest(e.name, dir)) {
        if (found.length >= maxFiles) {
          stopped = true;
          warnings.push(`${rel}: more than ${maxFiles} manifests, the rest were not read`);
          return;
        }
        found.push(rel);
      }
    }
    if (depth >= maxDepth) return;
    for (const e of entries) {
      if (stopped) return;
      if (e.isDirectory() && !skippedDirs.has(e.name)) visit(dir === '' ? e.name : `${dir}/${e.name}`, depth + 1);
    }
  };
  visit('', 0);
  return new Set(found);
}

export function readDeclaredDependenciesWithWarnings(root: string, options: ReadOptions = {}): { dependencies: DeclaredDependency[]; warnings: string[] } {
  const warnings: string[] = [];
  const files = walk(root, options.maxFiles ?? defaultMaxFiles, warnings);
  const ctx = new ReadContext(root, options.names ?? isKafkaClientPackage, files);
  ctx.warnings.push(...warnings);
  const sorted = [...files].sort();
  const named = (...names: string[]) => sorted.filter((f) => names.includes(f.slice(f.lastIndexOf('/') + 1)));
  const guard = (file: string, read: () => void) => {
    try {
      read();
    } catch (error) {
      // a reader's own fault must not cost the other files
      ctx.warn(file, `not read: ${(error as Error).message}`);
    }
  };

  for (const f of named('go.mod')) guard(f, () => readGoMod(ctx, f));
  guard('package.json', () => readNpm(ctx, named('package.json')));
  const poms = new PomReader(ctx);
  for (const f of named('pom.xml')) guard(f, () => poms.read(f));
  guard('build.gradle', () => readGradle(ctx));
  const python = new PythonReader(ctx);
  for (const f of sorted.filter((f) => /(^|\/)(requirements[^/]*\.txt|requirements\/[^/]+\.txt)$/i.test(f))) guard(f, () => python.requirements(f));
  for (const f of named('pyproject.toml')) guard(f, () => python.pyproject(f));
  for (const f of named('Pipfile')) guard(f, () => python.pipfile(f));
  guard('poetry.lock', () => python.lockLeftovers());

  // one entry per place and version (a requirements file read on its own and through -r is read once)
  const seen = new Set<string>();
  const dependencies = ctx.dependencies
    .filter((d) => {
      const key = [d.ecosystem, d.name, d.file, d.line, d.version ?? '', d.lockFile ?? ''].join('\0');
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.name.localeCompare(b.name)));
  return { dependencies, warnings: ctx.warnings };
}

export function readDeclaredDependencies(root: string, options?: ReadOptions): DeclaredDependency[] {
  return readDeclaredDependenciesWithWarnings(root, options).dependencies;
}
