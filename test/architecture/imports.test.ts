// The import graph of src/, read with TypeScript's own import scanner (type-only imports included):
// no cycles; rules see evidence types and their shared helpers only; reporters never run a collector;
// only the CLI (and the broker launcher's own CLI) touches argv and the exit code.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { repoRoot } from '../../src/repo-root.js';

const srcRoot = join(repoRoot, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** file (relative to src/) → the src/ files it imports, statically or with import(). */
export function importGraph(root = srcRoot): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => relative(root, resolve(dirname(file), name.replace(/\.js$/, '.ts'))));
    graph.set(relative(root, file), [...new Set(targets)]);
  }
  return graph;
}

/** Every cycle's members (Tarjan's strongly connected components of more than one file, or a self-import). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)!.includes(v)) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return out;
}

const graph = importGraph();

test('the checker itself: it finds a cycle where there is one', () => {
  const g = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts']],
    ['c.ts', ['a.ts']],
    ['d.ts', ['a.ts']],
  ]);
  assert.deepEqual(cycles(g), [['a.ts', 'b.ts', 'c.ts']]);
  assert.ok(graph.size > 50, `read ${graph.size} files of src/`);
  assert.ok(graph.get('core/evaluate.ts')?.includes('rules/run-rules.ts'), 'imports are resolved to files');
});

test('src/ has no import cycles, type-only imports included', () => {
  assert.deepEqual(cycles(graph), []);
});

test('a rule imports evidence types, its shared helpers and the rule definition only: no collector code, no other rule', () => {
  const allowed = (target: string) =>
    target === 'types.ts' ||
    target === 'rules/define-rule.ts' ||
    target === 'rules/helpers.ts' ||
    target.startsWith('stats/') ||
    target === 'signatures/types.ts' ||
    /^collectors\/([a-z0-9-]+\/)?types\.ts$/.test(target);
  const engine = new Set(['rules/index.ts', 'rules/run-rules.ts']);
  for (const [file, targets] of graph) {
    if (!file.startsWith('rules/') || engine.has(file)) continue;
    const wrong = targets.filter((t) => !allowed(t));
    assert.deepEqual(wrong, [], `${file} imports ${wrong.join(', ')}`);
  }
});

test('collector evidence types import types only: the evidence map loads no collector code', () => {
  for (const [file, targets] of graph) {
    if (!/^collectors\/([a-z0-9-]+\/)?types\.ts$/.test(file) || file === 'collectors/types.ts') continue;
    const wrong = targets.filter((t) => !t.endsWith('types.ts') && !t.startsWith('stats/'));
    assert.deepEqual(wrong, [], `${file} imports ${wrong.join(', ')}`);
  }
});

test('reporters and the core never import the CLI; only the CLI sets the exit code or reads argv', () => {
  for (const [file, targets] of graph) {
    if (file.startsWith('cli/') || file === 'local-kafka/broker-cli.ts') continue;
    const cli = targets.filter((t) => t.startsWith('cli/') && t !== 'cli/exit-code.ts');
    assert.deepEqual(cli, [], `${file} imports ${cli.join(', ')}`);
    const text = readFileSync(join(srcRoot, file), 'utf8');
    assert.doesNotMatch(text, /process\.(exitCode|argv)\b/, `${file} touches process.exitCode or process.argv`);
    // a reporter may use a collector's pure model helpers, never its gathering (I/O) modules
    const gathering = (t: string) => /^collectors\/.*\/(index|read-[^/]*|fetch-[^/]*|take-[^/]*|connect-[^/]*|probe-[^/]*|drive-[^/]*)\.ts$/.test(t);
    if (file.startsWith('report/')) assert.deepEqual(targets.filter(gathering), [], `${file} runs collector code`);
  }
});
