// The flow language for Python (flow.ts walks it): statements as the walk sees them, and what counts as
// closing a client (the library's close(), stop(), a confluent Producer's flush() when asked; `with` and
// `contextlib.closing`) or handing it on (returned, yielded, stored, passed to a call, captured by a nested
// def or a lambda). Python's locals live until the function returns, so a client bound inside an `if` or a
// `with` stays in scope after it: the walk goes on outwards (a loop's body ends its iteration's client).
import type { Enclosing, FlowLanguage, Stmt, Use } from '../flow.js';
import { fieldOf, type GNode } from '../go/tree.js';
import { calleeText, isAsync, text, type PyFile } from './common.js';

/** sys.exit and friends end the path: nothing leaks past them (sys.exit raises SystemExit, so finally blocks run) */
const terminators = /^(sys\.exit|exit|quit|os\._exit|os\.abort|_exit)$/;
/** calls that only look at their argument */
const harmless =
  /^(print|len|repr|str|id|isinstance|issubclass|type|hasattr|bool|callable|vars|dir)$|(^|\.)(debug|info|warning|warn|error|exception|critical|log)$/;
/** calls that put their argument in the container they are called on */
const storing = /^(.+)\.(append|add|insert|extend|appendleft|put|put_nowait|setdefault|__setitem__)$/;
const closingWrapper = /^(contextlib\.)?a?closing$/;

export interface PyFlowOptions {
  /** the methods that close this client (close; aiokafka's stop; a confluent Producer's flush when asked) */
  closers: ReadonlySet<string>;
  /** a module-level binding: the functions and classes the module defines read it later, they do not take it */
  moduleLevel?: boolean;
  /** in a @contextmanager generator `yield p` lends the client to the with block, it does not hand it on */
  lent?: boolean;
}

const kidsOf = (n: GNode | undefined): GNode[] => (!n ? [] : n.type === 'block' ? n.kids : [n]);

/** except clauses as one statement: one branch each, the walk's `try` takes a single handler */
const handlersType = 'py_handlers';

export function pyFlow(f: PyFile, opts: PyFlowOptions): FlowLanguage<GNode> {
  const stmt = (n: GNode): Stmt<GNode> => {
    switch (n.type) {
      case 'return_statement':
        return { t: 'return', node: n, line: n.line };
      case 'raise_statement':
        return { t: 'terminate', node: n };
      case 'break_statement':
        return { t: 'break', line: n.line };
      case 'continue_statement':
        return { t: 'continue', line: n.line };
      case 'block':
        return { t: 'block', body: n.kids };
      case handlersType:
        return { t: 'if', head: [], branches: n.kids.map((k) => kidsOf(k.kids.find((x) => x.type === 'block'))), exhaustive: true, skipFirst: false };
      case 'if_statement': {
        const head: GNode[] = [];
        const branches: GNode[][] = [];
        let exhaustive = false;
        const cond = fieldOf(n, 'condition');
        if (cond) head.push(cond);
        branches.push(kidsOf(fieldOf(n, 'consequence')));
        for (const alt of n.kids.filter((k) => k.field === 'alternative')) {
          if (alt.type === 'elif_clause') {
            const c = fieldOf(alt, 'condition');
            if (c) head.push(c);
            branches.push(kidsOf(fieldOf(alt, 'consequence')));
          } else {
            branches.push(kidsOf(fieldOf(alt, 'body')));
            exhaustive = true;
          }
        }
        return { t: 'if', head, branches, exhaustive, skipFirst: false };
      }
      case 'for_statement':
      case 'while_statement': {
        const head = n.type === 'for_statement' ? fieldOf(n, 'right') : fieldOf(n, 'condition');
        const infinite = n.type === 'while_statement' && !!head && /^(True|1)$/.test(text(f, head));
        return { t: 'loop', head: head ? [head] : [], body: kidsOf(fieldOf(n, 'body')), infinite, endLine: n.endLine };
      }
      case 'try_statement': {
        const excepts = n.kids.filter((k) => k.type === 'except_clause' || k.type === 'except_group_clause');
        const orElse = n.kids.find((k) => k.type === 'else_clause');
        const fin = n.kids.find((k) => k.type === 'finally_clause');
        const handler: GNode[] | undefined = excepts.length
          ? [{ type: handlersType, start: n.start, end: n.end, line: n.line, column: n.column, endLine: n.endLine, kids: excepts }]
          : undefined;
        return {
          t: 'try',
          block: [...kidsOf(fieldOf(n, 'body')), ...kidsOf(fieldOf(orElse ?? n, 'body'))],
          ...(handler ? { handler } : {}),
          ...(fin ? { finalizer: kidsOf(fin.kids.find((k) => k.type === 'block')) } : {}),
        };
      }
      case 'with_statement': {
        // the items are evaluated (and a client given to one is closed when the block is left, on every path)
        const clause = n.kids.find((k) => k.type === 'with_clause');
        return { t: 'block', body: [...(clause ? [clause] : []), ...kidsOf(fieldOf(n, 'body'))] };
      }
      case 'match_statement': {
        const body = fieldOf(n, 'body');
        const cases = (body?.kids ?? []).filter((k) => k.type === 'case_clause');
        const subject = fieldOf(n, 'subject');
        return {
          t: 'switch',
          head: subject ? [subject] : [],
          cases: cases.map((c) => kidsOf(fieldOf(c, 'consequence'))),
          exhaustive: cases.some((c) => /^case\s+_\s*:/.test(text(f, c))),
        };
      }
      case 'expression_statement': {
        const call = n.kids[0]?.type === 'await' ? n.kids[0].kids[0] : n.kids[0];
        if (call?.type === 'call' && terminators.test(calleeText(f, call))) return { t: 'terminate', node: n };
        return { t: 'simple', node: n };
      }
      default:
        return { t: 'simple', node: n };
    }
  };

  const uses = (node: GNode, name: string): Use => {
    // the module's own defs read a module-level client later, they do not take it
    if (opts.moduleLevel && /^(function_definition|class_definition|decorated_definition)$/.test(node.type)) return undefined;
    let found: Use;
    const visit = (n: GNode) => {
      if (found) return;
      if (opts.moduleLevel && n !== node && (n.type === 'function_definition' || n.type === 'class_definition')) return;
      if (n.type === 'identifier' && text(f, n) === name && !shadowed(f, n, node, name)) {
        found = useOf(f, n, node, name, opts);
        return;
      }
      for (const k of n.kids) visit(k);
    };
    visit(node);
    return found;
  };
  return { stmt, uses, isErrCheck: () => false, line: (n) => n.line };
}

/** How one occurrence of the client's name uses it (undefined: it only reads it). */
function useOf(f: PyFile, n: GNode, within: GNode, name: string, opts: PyFlowOptions): Use {
  const p = n.parent;
  if (!p) return undefined;
  if (p.type === 'attribute' && fieldOf(p, 'attribute') === n) return undefined;
  if (p.type === 'keyword_argument' && fieldOf(p, 'name') === n) return undefined;
  // a parameter of the same name, declared: its uses are shadowed
  if (/^(parameters|lambda_parameters|default_parameter|typed_parameter|typed_default_parameter)$/.test(p.type)) return undefined;
  if (p.type === 'attribute' && fieldOf(p, 'object') === n) {
    const method = text(f, fieldOf(p, 'attribute') ?? p);
    const called = p.parent?.type === 'call' && fieldOf(p.parent, 'function') === p;
    if (called) {
      if (opts.closers.has(method)) return { status: 'closed', how: `${name}.${method}()` };
      if (insideFunction(p, within)) return { status: 'escapes', how: capturedBy(f, p, within) };
      return undefined;
    }
    // a bound method handed on: atexit.register(p.close), Thread(target=p.poll), on_shutdown=[p.stop]
    if (p.parent && /^(argument_list|keyword_argument|list|tuple)$/.test(p.parent.type)) return { status: 'escapes', how: `passed on as ${name}.${method}` };
    return undefined;
  }
  if ((p.type === 'assignment' || p.type === 'augmented_assignment') && fieldOf(p, 'left') === n) return undefined;
  if (p.type === 'pattern_list' || p.type === 'tuple_pattern' || p.type === 'as_pattern_target') return undefined;
  if (/^(comparison_operator|not_operator|boolean_operator|global_statement|nonlocal_statement|delete_statement)$/.test(p.type)) return undefined;
  if (n.field === 'condition') return undefined;
  // for msg in consumer: iterating reads it
  if (p.type === 'for_statement' && fieldOf(p, 'right') === n) return undefined;
  // with p: / async with p as q: the block's end closes it, on every path
  const item = p.type === 'as_pattern' && p.parent?.type === 'with_item' ? p.parent : p.type === 'with_item' ? p : undefined;
  if (item) {
    const stmt = item.parent?.parent;
    return { status: 'closed', how: `${stmt && isAsync(f, stmt) ? 'async with' : 'with'} ${name}` };
  }
  if (p.type === 'argument_list' && p.parent?.type === 'call') {
    const callee = calleeText(f, p.parent);
    if (closingWrapper.test(callee)) return { status: 'closed', how: `${callee}(${name})` };
    if (harmless.test(callee)) return undefined;
  }
  if (p.type === 'yield' && opts.lent) return undefined;
  if (insideFunction(n, within)) return { status: 'escapes', how: capturedBy(f, n, within) };
  return { status: 'escapes', how: describeEscape(f, n, within) };
}

/** Is `n` inside a lambda or a def that is itself inside `within`? */
function insideFunction(n: GNode, within: GNode): boolean {
  if (n === within) return false;
  for (let p = n.parent; p && p !== within; p = p.parent) if (p.type === 'lambda' || p.type === 'function_definition') return true;
  return false;
}

function capturedBy(f: PyFile, n: GNode, within: GNode): string {
  for (let p = n.parent; p && p !== within; p = p.parent) {
    if (p.type === 'lambda') return 'captured by a lambda';
    if (p.type === 'function_definition') return `captured by ${text(f, fieldOf(p, 'name') ?? p)}()`;
  }
  return 'captured';
}

/** Is `name` at `n` a parameter of a lambda or def between `n` and `within`? */
function shadowed(f: PyFile, n: GNode, within: GNode, name: string): boolean {
  for (let p = n.parent; p && p !== within.parent; p = p.parent) {
    if (p.type !== 'lambda' && p.type !== 'function_definition') continue;
    const params = fieldOf(p, 'parameters');
    if (params && new RegExp(`(^|[^\\w])${name}([^\\w]|$)`).test(text(f, params))) return true;
  }
  return false;
}

export function describeEscape(f: PyFile, n: GNode, within?: GNode): string {
  for (let p = n.parent; p && p !== within?.parent; p = p.parent) {
    switch (p.type) {
      case 'return_statement':
        return 'returned';
      case 'yield':
        return 'yielded';
      case 'lambda':
        return 'captured by a lambda';
      case 'argument_list': {
        const call = p.parent;
        if (call?.type !== 'call') return 'passed on';
        const callee = calleeText(f, call);
        const store = storing.exec(callee);
        return store ? `stored in ${store[1]}` : `passed to ${callee}(…)`;
      }
      case 'assignment': {
        const left = fieldOf(p, 'left');
        return `stored in ${left ? text(f, left) : 'a variable'}`;
      }
    }
  }
  return 'used';
}

/** The container a `X.append(…)`-like call stores into, when the callee is one. */
export function storingTarget(f: PyFile, call: GNode): GNode | undefined {
  const fn = fieldOf(call, 'function');
  if (fn?.type !== 'attribute' || !storing.test(calleeText(f, call))) return undefined;
  return fieldOf(fn, 'object');
}

export const isClosingWrapper = (f: PyFile, call: GNode) => closingWrapper.test(calleeText(f, call));

/** The statement lists around `stmt`, innermost first, up to the function body (or the module). */
export function enclosingLists(stmt: GNode): Enclosing<GNode>[] {
  const levels: Enclosing<GNode>[] = [];
  let cur = stmt;
  for (let p = stmt.parent; p; cur = p, p = p.parent) {
    if (p.type === 'source_file') {
      levels.push({ list: p.kids, index: p.kids.indexOf(cur), owner: 'function', endLine: p.endLine });
      break;
    }
    if (p.type === 'function_definition' || p.type === 'class_definition' || p.type === 'lambda') break;
    if (p.type !== 'block') continue;
    const owner = p.parent;
    const ownerKind: Enclosing<GNode>['owner'] =
      owner?.type === 'function_definition'
        ? 'function'
        : (owner?.type === 'for_statement' || owner?.type === 'while_statement') && fieldOf(owner, 'body') === p
          ? 'loop'
          : owner?.type === 'try_statement' && fieldOf(owner, 'body') === p
            ? 'try'
            : 'branch';
    const fin = ownerKind === 'try' ? owner!.kids.find((k) => k.type === 'finally_clause')?.kids.find((k) => k.type === 'block') : undefined;
    levels.push({ list: p.kids, index: p.kids.indexOf(cur), owner: ownerKind, endLine: p.endLine, ...(fin ? { finalizer: fin.kids } : {}) });
    if (ownerKind === 'function') break;
  }
  return levels;
}
