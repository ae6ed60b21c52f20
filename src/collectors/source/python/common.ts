// What the Python half of the scan shares: a parsed file, a function as the analysis sees it, node text.
import type { Scope } from '../types.js';
import { fieldOf, type GNode } from '../go/tree.js';

export interface PyFile {
  path: string;
  source: string;
  root: GNode;
}

export const text = (f: PyFile, n: GNode) => f.source.slice(n.start, n.end);
/** The module name of a file: orders for app/orders.py */
export const stemOf = (f: PyFile) => f.path.replace(/^.*\//, '').replace(/\.py$/, '');
export const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
export const lineText = (f: PyFile, line: number) => (f.source.split('\n', line)[line - 1] ?? '').trim();
/** `async def`, `async for`, `async with`: the keyword is an unnamed node, so it is read from the text */
export const isAsync = (f: PyFile, n: GNode) => /^async\b/.test(text(f, n));

/** A `def` (a method, a nested function, a lambda is not one: it holds no statements). */
export interface PyFunc {
  file: PyFile;
  node: GNode;
  /** as Python's __qualname__ names it: produce, Handler.do_POST, outer.<locals>.inner */
  name: string;
  /** the name after def */
  short: string;
  /** the class it is a method of */
  className?: string;
  /** the classes it is a method of derives from, as written (last dotted part): BaseHTTPRequestHandler, View */
  bases: string[];
  body?: GNode;
  /** the decorators' expressions (without @) */
  decorators: GNode[];
  params: string[];
  entry?: Scope;
  /** same-group functions it calls by name, with the call and the per-message loop around it */
  calls: { name: string; node: GNode; method: boolean; module?: string; inLoop?: Scope }[];
  /** the function encloses a def inside another def */
  outer?: PyFunc;
}

/** The decorator's callee, as written: app.post for @app.post("/x"), atexit.register for @atexit.register */
export function decoratorName(f: PyFile, d: GNode): string {
  const callee = d.type === 'call' ? fieldOf(d, 'function') : d;
  return callee ? text(f, callee).replace(/\s+/g, '') : '';
}

/** A call's callee as written, whitespace squeezed: producer.flush, signal.signal */
export function calleeText(f: PyFile, call: GNode): string {
  const fn = fieldOf(call, 'function');
  return fn ? text(f, fn).replace(/\s+/g, '') : '';
}

/** A call's keyword argument by name. */
export function keywordArg(f: PyFile, call: GNode, name: string): GNode | undefined {
  for (const a of fieldOf(call, 'arguments')?.kids ?? [])
    if (a.type === 'keyword_argument' && text(f, fieldOf(a, 'name') ?? a) === name) return fieldOf(a, 'value');
  return undefined;
}

/** A call's positional arguments. */
export const positionalArgs = (call: GNode): GNode[] =>
  (fieldOf(call, 'arguments')?.kids ?? []).filter((a) => a.type !== 'keyword_argument' && a.type !== 'list_splat' && a.type !== 'dictionary_splat');

/** The last name of an attribute chain, subscript key or identifier: producer for app.state.producer, state["producer"], producer */
export function lastName(f: PyFile, n: GNode | undefined): string | undefined {
  if (!n) return undefined;
  if (n.type === 'identifier') return text(f, n);
  if (n.type === 'attribute') return lastName(f, fieldOf(n, 'attribute'));
  if (n.type === 'subscript') {
    const key = fieldOf(n, 'subscript');
    if (key?.type === 'string') return text(f, key).replace(/^[a-zA-Z]*["']+|["']+$/g, '');
    return lastName(f, fieldOf(n, 'value'));
  }
  if (n.type === 'call') return lastName(f, fieldOf(n, 'function'));
  if (n.type === 'await' || n.type === 'parenthesized_expression') return lastName(f, n.kids[0]);
  return undefined;
}

/** The first name of an attribute chain or subscript: app for app.state.producer, state for state["producer"] */
export function baseName(f: PyFile, n: GNode | undefined): string | undefined {
  if (!n) return undefined;
  if (n.type === 'identifier') return text(f, n);
  if (n.type === 'attribute') return baseName(f, fieldOf(n, 'object'));
  if (n.type === 'subscript') return baseName(f, fieldOf(n, 'value'));
  return undefined;
}

export const functionTypes = new Set(['function_definition', 'lambda']);
export const isFunctionNode = (n: GNode) => functionTypes.has(n.type) || n.type === 'class_definition';
