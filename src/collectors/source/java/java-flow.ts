// The flow language for Java (flow.ts walks it): statements as the walk sees them, and what counts as
// closing a client (close(); a Spring producer factory's destroy() or reset()) or handing it on
// (returned, stored in a field, passed to a call, captured by a lambda or an anonymous class).
import type { FlowLanguage, Stmt, Use } from '../flow.js';
import { fieldOf, type GNode } from '../go/tree.js';
import { isFunctionNode, text, type JavaFile } from './common.js';

export const closeMethods = new Set(['close', 'destroy', 'reset']);
const terminators = /^(System\.exit|Runtime\.getRuntime\(\)\.(exit|halt))$/;
/** new KafkaTemplate<>(factory) keeps the factory without taking it over: not a hand-off (the template's fate is the factory's) */
const templateCtor = /^new\s+(?:[\w.]+\.)?KafkaTemplate\b/;

export function javaFlow(f: JavaFile): FlowLanguage<GNode> {
  const listOf = (n: GNode | undefined): GNode[] => (!n ? [] : n.type === 'block' ? n.kids : [n]);
  const stmt = (n: GNode): Stmt<GNode> => {
    switch (n.type) {
      case 'return_statement':
      case 'yield_statement':
        return { t: 'return', node: n, line: n.line };
      case 'throw_statement':
        return { t: 'terminate', node: n };
      case 'break_statement':
        return { t: 'break', line: n.line };
      case 'continue_statement':
        return { t: 'continue', line: n.line };
      case 'block':
        return { t: 'block', body: n.kids };
      case 'synchronized_statement':
        return { t: 'block', body: listOf(fieldOf(n, 'body')) };
      case 'labeled_statement': {
        const inner = n.kids.find((k) => k.type !== 'identifier');
        return inner ? stmt(inner) : { t: 'simple', node: n };
      }
      case 'if_statement': {
        const cond = fieldOf(n, 'condition');
        const alt = fieldOf(n, 'alternative');
        const branches = [listOf(fieldOf(n, 'consequence')), ...(alt ? [listOf(alt)] : [])];
        return { t: 'if', head: cond ? [cond] : [], branches, exhaustive: !!alt, skipFirst: false };
      }
      case 'for_statement':
      case 'enhanced_for_statement':
      case 'while_statement':
      case 'do_statement': {
        const body = fieldOf(n, 'body');
        const head = n.kids.filter((k) => k !== body && k.type !== 'modifiers');
        const cond = fieldOf(n, 'condition');
        const infinite =
          (n.type === 'for_statement' && !cond) ||
          ((n.type === 'while_statement' || n.type === 'do_statement') && !!cond && /^\(\s*true\s*\)$/.test(text(f, cond)));
        return { t: 'loop', head, body: listOf(body), infinite, endLine: n.endLine };
      }
      case 'switch_expression': {
        const block = fieldOf(n, 'body');
        const groups = block?.kids ?? [];
        const cases = groups.map((g) => g.kids.filter((k) => k.type !== 'switch_label').flatMap((k) => (k.type === 'block' ? k.kids : [k])));
        const exhaustive = groups.some((g) => g.kids.some((k) => k.type === 'switch_label' && /^default\b/.test(text(f, k))));
        const cond = fieldOf(n, 'condition');
        return { t: 'switch', head: cond ? [cond] : [], cases, exhaustive };
      }
      case 'try_statement':
      case 'try_with_resources_statement': {
        const catches = n.kids.filter((k) => k.type === 'catch_clause');
        const fin = n.kids.find((k) => k.type === 'finally_clause');
        const finBlock = fin?.kids.find((k) => k.type === 'block');
        const handler = catches[0] ? listOf(fieldOf(catches[0], 'body')) : undefined;
        // the resources are part of the try: a client used (passed, wrapped) there is used before the block
        const resources = fieldOf(n, 'resources');
        return {
          t: 'try',
          block: [...(resources ? [resources] : []), ...listOf(fieldOf(n, 'body'))],
          ...(handler ? { handler } : {}),
          ...(finBlock ? { finalizer: finBlock.kids } : {}),
        };
      }
      case 'expression_statement': {
        const call = n.kids[0];
        if (call?.type === 'method_invocation' && terminators.test(callName(f, call))) return { t: 'terminate', node: n };
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
      // a lambda or method parameter of the same name shadows it
      if (n.type === 'identifier' && text(f, n) === name && !shadowed(f, n, node, name)) {
        const p = n.parent;
        if (n.field === 'name' || n.field === 'field' || n.field === 'key') return;
        if (p?.type === 'method_invocation' && fieldOf(p, 'object') === n) {
          const method = fieldOf(p, 'name');
          const m = method ? text(f, method) : '';
          if (closeMethods.has(m)) found = { status: 'closed', how: `${name}.${m}()` };
          else if (insideFunction(n, node)) found = { status: 'escapes', how: 'captured by a lambda' };
          return;
        }
        if (p?.type === 'method_reference' && p.kids[0] === n) {
          const m = /::\s*(\w+)\s*$/.exec(text(f, p))?.[1] ?? '';
          found = closeMethods.has(m) ? { status: 'closed', how: `${name}::${m}` } : { status: 'escapes', how: `passed on as ${text(f, p)}` };
          return;
        }
        if (p?.type === 'field_access' && fieldOf(p, 'object') === n) return;
        if (p?.type === 'assignment_expression' && fieldOf(p, 'left') === n) return;
        if (p?.type === 'binary_expression' && p.kids.some((k) => k.type === 'null_literal')) return;
        if (p?.type === 'instanceof_expression') return;
        if (p?.type === 'argument_list' && p.parent?.type === 'object_creation_expression' && templateCtor.test(text(f, p.parent))) return;
        found = { status: 'escapes', how: describeEscape(f, n, node) };
        return;
      }
      for (const k of n.kids) visit(k);
    };
    visit(node);
    return found;
  };
  return { stmt, uses, isErrCheck: () => false, line: (n) => n.line };
}

/** `obj.method` of a method invocation, as written: producer.close, System.exit. */
export function callName(f: JavaFile, call: GNode): string {
  const obj = fieldOf(call, 'object');
  const name = fieldOf(call, 'name');
  return `${obj ? `${text(f, obj)}.` : ''}${name ? text(f, name) : ''}`;
}

/** Is `n` inside a lambda or an anonymous class that is itself inside `within`? */
function insideFunction(n: GNode, within: GNode): boolean {
  for (let p = n.parent; p && p !== within; p = p.parent) if (isFunctionNode(p)) return true;
  return false;
}

/** Is `name` at `n` a lambda parameter (or a local of a lambda) between `n` and `within`? */
function shadowed(f: JavaFile, n: GNode, within: GNode, name: string): boolean {
  for (let p = n.parent; p && p !== within; p = p.parent) {
    if (p.type !== 'lambda_expression') continue;
    const params = fieldOf(p, 'parameters');
    if (params && new RegExp(`(^|[^\\w$])${name}([^\\w$]|$)`).test(text(f, params))) return true;
  }
  return false;
}

export function describeEscape(f: JavaFile, n: GNode, within?: GNode): string {
  for (let p = n.parent; p && p !== within?.parent; p = p.parent) {
    switch (p.type) {
      case 'return_statement':
        return 'returned';
      case 'lambda_expression':
        return fieldOf(p, 'body') === n ? 'returned' : 'captured by a lambda';
      case 'class_body':
        return 'captured by an anonymous class';
      case 'argument_list': {
        const call = p.parent;
        if (call?.type === 'method_invocation') return `passed to ${callName(f, call)}`;
        if (call?.type === 'explicit_constructor_invocation') return `passed to ${text(f, call).replace(/\s*\([\s\S]*$/, '')}(…)`;
        const type = call ? fieldOf(call, 'type') : undefined;
        return `passed to new ${type ? text(f, type).replace(/<.*$/, '') : 'a constructor'}`;
      }
      case 'assignment_expression': {
        const left = fieldOf(p, 'left');
        return `stored in ${left ? text(f, left) : 'a variable'}`;
      }
      case 'variable_declarator': {
        const name = fieldOf(p, 'name');
        return `stored in ${name ? text(f, name) : 'a variable'}`;
      }
      case 'array_initializer':
        return 'stored in an array';
    }
  }
  return 'used';
}
