// Java source to the same plain tree as Go's (go/tree.ts): web-tree-sitter with the tree-sitter-java grammar
// (vendored wasm, vendor/tree-sitter-java).
import type { Parser } from 'web-tree-sitter';
import { loadGrammar } from '../go/tree.js';

let parser: Parser | undefined;

/** Loads the grammar once per process. */
export async function javaParser(): Promise<Parser> {
  parser ??= await loadGrammar('tree-sitter-java');
  return parser;
}
