// Python source to the same plain tree as Go's (go/tree.ts): web-tree-sitter with the tree-sitter-python grammar
// (vendored wasm, vendor/tree-sitter-python).
import type { Parser } from 'web-tree-sitter';
import { loadGrammar } from '../go/tree.js';

let parser: Parser | undefined;

/** Loads the grammar once per process. */
export async function pythonParser(): Promise<Parser> {
  parser ??= await loadGrammar('tree-sitter-python');
  return parser;
}
