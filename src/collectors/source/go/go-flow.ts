// The flow language for Go (flow.ts walks it): statements as the walk sees them, and what counts as
// closing a client (Close, AsyncClose…) or handing it on (returned, stored, passed, captured).
import type { FlowLanguage, Stmt, Use } from '../flow.js';
import type { GoFile } from './common.js';
import { text } from './common.js';
import { fieldOf, type GNode } from './tree.js';

const closeMethods = new Set(['Close', 'AsyncClose', 'CloseClient', 'Shutdown']);
const terminators = /^(panic|os\.Exit|log\.(Fatal|Fatalf|Fatalln|Panic|Panicf|Panicln)|\w+\.(Fatal|Fatalf|Fatalw|Fatalln))$/;

export function goFlow(f: GoFile): FlowLanguage<GNode> {
  const listOf = (block: GNode | undefined): GNode[] => {
    if (!block) return [];
    const list = block.kids.find((k) => k.type === 'statement_list');
    return list ? list.kids : block.type === 'statement_list' ? block.kids : [];
  };
  const stmt = (n: GNode): Stmt<GNode> => {
    switch (n.type) {
      case 'return_statement':
        return { t: 'return', node: n, line: n.line };
      case 'defer_statement':
      case 'go_statement':
        return { t: 'defer', node: n };
      case 'break_statement':
        return { t: 'break', line: n.line };
      case 'continue_statement':
      case 'goto_statement':
        return { t: 'continue', line: n.line };
      case 'block':
        return { t: 'block', body: listOf(n) };
      case 'labeled_statement': {
        const inner = n.kids.find((k) => k.type !== 'label_name');
        return inner ? stmt(inner) : { t: 'simple', node: n };
      }
      case 'if_statement': {
        const head = [fieldOf(n, 'initializer'), fieldOf(n, 'condition')].filter((x): x is GNode => !!x);
        const branches = [listOf(fieldOf(n, 'consequence'))];
        const alt = fieldOf(n, 'alternative');
        if (alt) branches.push(alt.type === 'if_statement' ? [alt] : listOf(alt));
        return { t: 'if', head, branches, exhaustive: !!alt, skipFirst: false };
      }
      case 'for_statement': {
        const body = fieldOf(n, 'body');
        const head = n.kids.filter((k) => k !== body);
        return { t: 'loop', head, body: listOf(body), infinite: head.length === 0, endLine: n.endLine };
      }
      case 'expression_switch_statement':
      case 'type_switch_statement':
      case 'select_statement': {
        const cases = n.kids.filter((k) => /_case$/.test(k.type));
        const head = n.kids.filter((k) => !/_case$/.test(k.type));
        const exhaustive = n.type === 'select_statement' || cases.some((c) => c.type === 'default_case');
        // a select's communication (case v := <-ch) is part of its case
        return { t: 'switch', head, cases: cases.map((c) => c.kids.filter((k) => k.type === 'statement_list').flatMap((l) => l.kids)), exhaustive };
      }
      case 'expression_statement': {
        const call = n.kids[0];
        const fnNode = call?.type === 'call_expression' ? fieldOf(call, 'function') : undefined;
        if (fnNode && terminators.test(text(f, fnNode))) return { t: 'terminate', node: n };
        return { t: 'simple', node: n };
      }
      default:
        return { t: 'simple', node: n };
    }
  };
  const uses = (node: GNode, name: string): Use => {
    let found: Use;
    const visit = (n: GNode) => {
      if (found) return;
      if (n.type === 'identifier' && text(f, n) === name) {
        const p = n.parent;
        if (p?.type === 'selector_expression' && p.kids[0] === n) {
          const method = p.kids[1] ? text(f, p.kids[1]) : '';
          if (closeMethods.has(method) && p.parent?.type === 'call_expression') found = { status: 'closed', how: `${name}.${method}()` };
          // used inside a closure (a goroutine, a handler): the closure keeps it for as long as it lives
          else if (insideLiteral(n, node)) found = { status: 'escapes', how: 'captured by a closure' };
          return;
        }
        // New…FromClient(client) wraps the client without taking it over: not a hand-off
        if (
          p?.type === 'argument_list' &&
          p.parent &&
          /\.New\w+FromClient$/.test(text(f, fieldOf(p.parent, 'function') ?? p)) &&
          !/ClusterAdminFromClient$/.test(text(f, fieldOf(p.parent, 'function') ?? p))
        )
          return;
        if (p?.type === 'binary_expression' && p.kids.some((k) => k.type === 'nil')) return;
        // the left side of a plain assignment rebinds it; anything else hands the value on
        if (p?.type === 'expression_list' && p.field === 'left') return;
        found = { status: 'escapes', how: describeEscape(f, n, name) };
        return;
      }
      for (const k of n.kids) visit(k);
    };
    visit(node);
    return found;
  };
  return {
    stmt,
    uses,
    isErrCheck: (s, errVar) => s.t === 'if' && !!errVar && s.head.some((h) => new RegExp(`^\\s*${errVar}\\s*!=\\s*nil\\b`).test(text(f, h))),
    line: (n) => n.line,
  };
}

/** Is `n` inside a func literal that is itself inside `within`? */
function insideLiteral(n: GNode, within: GNode): boolean {
  for (let p = n.parent; p && p !== within; p = p.parent) if (p.type === 'func_literal') return true;
  return false;
}

export function describeEscape(f: GoFile, n: GNode, name: string): string {
  for (let p = n.parent; p; p = p.parent) {
    switch (p.type) {
      case 'return_statement':
        return 'returned';
      case 'go_statement':
        return 'captured by a goroutine';
      case 'func_literal':
        return 'captured by a closure';
      case 'argument_list': {
        const call = p.parent;
        const fn = call ? fieldOf(call, 'function') : undefined;
        return `passed to ${fn ? text(f, fn) : 'a call'}`;
      }
      case 'assignment_statement':
      case 'short_var_declaration': {
        const left = fieldOf(p, 'left');
        return `stored in ${left ? text(f, left) : 'a variable'}`;
      }
      case 'send_statement':
        return 'sent on a channel';
      case 'composite_literal':
        return 'stored in a struct or slice literal';
      case 'block':
        return `used as ${name}`;
    }
  }
  return `used as ${name}`;
}
