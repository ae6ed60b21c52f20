// Go (and Java) source to a plain tree: web-tree-sitter with the vendored grammar wasm, walked
// once with a cursor into small objects, so the analysis never crosses into wasm again.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Language, Parser } from 'web-tree-sitter';
import { repoRoot } from '../../../repo-root.js';

export interface GNode {
  type: string;
  field?: string;
  start: number;
  end: number;
  /** 1-based */
  line: number;
  /** 1-based, UTF-16 code units */
  column: number;
  endLine: number;
  kids: GNode[];
  parent?: GNode;
  /** the node's own kind of error: ERROR or MISSING */
  error?: boolean;
}

let parser: Parser | undefined;
let runtime: Promise<void> | undefined;

/** A parser for a vendored grammar (vendor/<dir>/<dir>.wasm); the tree-sitter runtime is loaded once per process. */
export async function loadGrammar(dir: string): Promise<Parser> {
  const require = createRequire(import.meta.url);
  runtime ??= Parser.init({ locateFile: () => require.resolve('web-tree-sitter/web-tree-sitter.wasm') });
  await runtime;
  const language = await Language.load(join(repoRoot, `vendor/${dir}/${dir}.wasm`));
  const p = new Parser();
  p.setLanguage(language);
  return p;
}

/** Loads the grammar once per process. */
export async function goParser(): Promise<Parser> {
  parser ??= await loadGrammar('tree-sitter-go');
  return parser;
}

/** The grammar loaded by goParser(); a bug to call before it resolved. */
export function loadedGoParser(): Parser {
  if (!parser) throw new Error('the Go grammar is not loaded: await goParser() first');
  return parser;
}

/** Parses `source` into a plain tree of its named nodes (comments dropped); any grammar (Go, Java). */
export function parseGo(p: Parser, source: string): GNode {
  const tree = p.parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  try {
    const cursor = tree.walk();
    const root: GNode = { type: 'source_file', start: 0, end: source.length, line: 1, column: 1, endLine: 1, kids: [] };
    const stack: GNode[] = [root];
    // depth-first over every node; named, non-comment nodes become GNodes
    const visit = (parent: GNode) => {
      if (!cursor.gotoFirstChild()) return;
      do {
        const type = cursor.nodeType;
        let next = parent;
        if ((cursor.nodeIsNamed || cursor.nodeIsMissing) && type !== 'comment') {
          const s = cursor.startPosition;
          const node: GNode = {
            type,
            start: cursor.startIndex,
            end: cursor.endIndex,
            line: s.row + 1,
            column: s.column + 1,
            endLine: cursor.endPosition.row + 1,
            kids: [],
            parent,
          };
          const field = cursor.currentFieldName;
          if (field) node.field = field;
          if (type === 'ERROR' || cursor.nodeIsMissing) node.error = true;
          parent.kids.push(node);
          next = node;
        }
        visit(next);
      } while (cursor.gotoNextSibling());
      cursor.gotoParent();
    };
    visit(stack[0]!);
    root.endLine = tree.rootNode.endPosition.row + 1;
    cursor.delete();
    return root;
  } finally {
    tree.delete();
  }
}

export const fieldOf = (n: GNode, field: string) => n.kids.find((k) => k.field === field);

/** Every node under `n` (itself included) for which `pick` is true, not descending into `stop` types. */
export function findAll(n: GNode, pick: (x: GNode) => boolean, stop?: (x: GNode) => boolean): GNode[] {
  const out: GNode[] = [];
  const go = (x: GNode) => {
    if (pick(x)) out.push(x);
    if (x !== n && stop?.(x)) return;
    for (const k of x.kids) go(k);
  };
  go(n);
  return out;
}

export function firstError(n: GNode): GNode | undefined {
  if (n.error) return n;
  for (const k of n.kids) {
    const e = firstError(k);
    if (e) return e;
  }
  return undefined;
}
