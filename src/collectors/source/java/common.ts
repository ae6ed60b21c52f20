// What the Java half of the scan shares: a parsed file, a method or lambda as the analysis sees it, node text.
import type { Scope } from '../types.js';
import type { GNode } from '../go/tree.js';

export interface JavaFile {
  path: string;
  source: string;
  root: GNode;
}

export const text = (f: JavaFile, n: GNode) => f.source.slice(n.start, n.end);
export const lineText = (f: JavaFile, line: number) => (f.source.split('\n', line)[line - 1] ?? '').trim();

/** A method, constructor or lambda. */
export interface JFunc {
  file: JavaFile;
  node: GNode;
  /** Class.method; a lambda as the JVM names it: Class.lambda$method$0 */
  name: string;
  /** the declared name, for calls by name (lambdas: empty) */
  short: string;
  /** the class it is declared in */
  className: string;
  body?: GNode;
  /** annotations on a method: GetMapping, KafkaListener, Bean… */
  annotations: string[];
  entry?: Scope;
  /** same-package methods it calls by name, with the call and the per-message loop around it */
  calls: { name: string; node: GNode; inLoop?: Scope }[];
  isMain: boolean;
}

export const functionTypes = new Set(['method_declaration', 'constructor_declaration', 'lambda_expression']);
/** where a lambda's or anonymous class's body starts a new function scope */
export const isFunctionNode = (n: GNode) => functionTypes.has(n.type) || n.type === 'class_body';
