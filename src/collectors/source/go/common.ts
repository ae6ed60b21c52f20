// What the Go half of the scan shares: a parsed file, a function as the analysis sees it, node text.
import type { Construction, MessageResend, RecordStore, Scope, ShutdownGap } from '../types.js';
import type { GNode } from './tree.js';

export interface GoFile {
  path: string;
  source: string;
  root: GNode;
}

export const text = (f: GoFile, n: GNode) => f.source.slice(n.start, n.end);
export const lineText = (f: GoFile, line: number) => (f.source.split('\n', line)[line - 1] ?? '').trim();

export interface Func {
  file: GoFile;
  node: GNode;
  /** as the Go runtime names it: main.handler, main.(*Server).publish, main.main.func1 */
  name: string;
  /** the declared name (methods: the method name), for calls by name */
  short: string;
  body?: GNode;
  entry?: Scope;
  /** same-package functions it calls, with the call node */
  calls: { name: string; node: GNode; inLoop?: Scope }[];
  isMain: boolean;
}

export const isInside = (n: GNode, ancestor: GNode) => {
  for (let p: GNode | undefined = n; p; p = p.parent) if (p === ancestor) return true;
  return false;
};

export interface GoFacts {
  constructions: Construction[];
  stores: RecordStore[];
  resends: MessageResend[];
  shutdown: ShutdownGap[];
}
