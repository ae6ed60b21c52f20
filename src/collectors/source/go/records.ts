// records-pin-buffers in Go: the variables holding a consumed record, and the stores that keep it (or a
// slice of its bytes) beyond the loop iteration or the function.
import type { Library } from '../../../types.js';
import { isInside, text, type Func, type GoFile } from './common.js';
import { goConstructors, sarama } from './constructors.js';
import { fieldOf, findAll, type GNode } from './tree.js';

/** Variables holding a consumed record in `fn`, with the library. */
export function messageVars(f: GoFile, fn: Func, imp: Map<string, string>): Map<string, Library> {
  const vars = new Map<string, Library>();
  const libOf = (typeText: string): Library | undefined => {
    const m = /(\w+)\.(ConsumerMessage|Record)\b/.exec(typeText);
    if (!m) return undefined;
    const path = imp.get(m[1]!);
    if (m[2] === 'ConsumerMessage' && path && goConstructors[path] === sarama) return 'sarama';
    if (m[2] === 'Record' && path === 'github.com/twmb/franz-go/pkg/kgo') return 'franz-go';
    return undefined;
  };
  const params = fieldOf(fn.node, 'parameters');
  for (const p of params?.kids ?? []) {
    const lib = libOf(text(f, p));
    if (lib) for (const id of p.kids.filter((k) => k.type === 'identifier')) vars.set(text(f, id), lib);
  }
  const saramaImported = [...imp.values()].some((p) => goConstructors[p] === sarama);
  const kgoImported = [...imp.values()].includes('github.com/twmb/franz-go/pkg/kgo');
  for (const n of findAll(
    fn.body!,
    (x) => x.type === 'range_clause' || x.type === 'receive_statement' || x.type === 'short_var_declaration',
    (x) => x.type === 'func_literal',
  )) {
    const t = text(f, n);
    const left = n.kids[0];
    if (!left) continue;
    const names = (left.type === 'expression_list' ? left.kids : [left]).map((k) => text(f, k));
    if (saramaImported && /\.Messages\(\)/.test(t)) {
      const v = n.type === 'range_clause' ? names[names.length - 1] : names[0];
      if (v && v !== '_') vars.set(v, 'sarama');
    } else if (kgoImported && /\.(Records\(\)|Next\(\))/.test(t)) {
      const v = names[names.length - 1];
      if (v && v !== '_') vars.set(v, 'franz-go');
    }
  }
  return vars;
}

/** A stored expression that still refers to the record's bytes: msg, msg.Value, msg.Value[a:b], &T{V: msg.Value}. */
export function keptRecordPart(f: GoFile, expr: GNode, vars: Map<string, Library>): string | undefined {
  switch (expr.type) {
    case 'identifier':
      return vars.has(text(f, expr)) ? text(f, expr) : undefined;
    case 'selector_expression': {
      const [op, field] = expr.kids;
      return op?.type === 'identifier' && vars.has(text(f, op)) && /^(Value|Key|Headers)$/.test(text(f, field!)) ? text(f, expr) : undefined;
    }
    case 'slice_expression':
    case 'parenthesized_expression':
      return expr.kids[0] && keptRecordPart(f, expr.kids[0], vars) ? text(f, expr) : undefined;
    case 'unary_expression':
    case 'composite_literal':
    case 'literal_value':
    case 'keyed_element':
    case 'literal_element': {
      for (const k of expr.kids) {
        if (k.field === 'type') continue;
        const part = keptRecordPart(f, k, vars);
        if (part) return part;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Where a record (or its bytes) is stored so that it outlives the loop iteration. A sub-slice (msg.Value[:16],
 * the classic kept id) counts anywhere that outlives the iteration; the whole record or its whole Value only
 * where it outlives the function (a field of the receiver, a package variable): batching records in a local
 * slice for a commit, or handing them to a worker over a channel, is how consumers work.
 */
export function recordStore(f: GoFile, fn: Func, n: GNode, vars: Map<string, Library>): { at: GNode; value: string; into: string } | undefined {
  const params = text(f, fieldOf(fn.node, 'parameters') ?? fn.node);
  const recordIsParam = [...vars.keys()].some((v) => new RegExp(`\\b${v}\\b`).test(params));
  const declarations = (root: string) =>
    findAll(
      fn.body!,
      (x) =>
        (x.type === 'short_var_declaration' && (fieldOf(x, 'left')?.kids ?? []).some((k) => text(f, k) === root)) ||
        (x.type === 'var_spec' && x.kids.some((k) => k.type === 'identifier' && text(f, k) === root)),
      (x) => x.type === 'func_literal',
    );
  const rootOf = (t: GNode): string => (t.type === 'selector_expression' || t.type === 'index_expression' ? rootOf(t.kids[0]!) : text(f, t));
  /** declared in the loop body around n (or anywhere in the function when the record is a parameter): dies with the iteration */
  const iterationLocal = (t: GNode) =>
    declarations(rootOf(t)).some((d) => {
      if (recordIsParam) return true;
      for (let p = d.parent; p && p !== fn.body; p = p.parent) if (p.type === 'for_statement') return isInside(n, p);
      return false;
    });
  /** a field of something the function did not declare (its receiver, a parameter, a package variable), or a package variable */
  const outlivesFunction = (t: GNode) =>
    (t.type === 'selector_expression' || t.type === 'index_expression' || t.type === 'identifier') &&
    !declarations(rootOf(t)).length &&
    (t.type !== 'identifier' || !vars.has(text(f, t)));
  const keeps = (t: GNode, value: string) => (value.includes('[') ? !iterationLocal(t) : t.type !== 'identifier' && outlivesFunction(t));
  if (n.type === 'send_statement') {
    const value = n.kids[1] && keptRecordPart(f, n.kids[1], vars);
    return value && value.includes('[') ? { at: n, value, into: `channel ${text(f, n.kids[0]!)}` } : undefined;
  }
  if (n.type === 'short_var_declaration') return undefined;
  const left = fieldOf(n, 'left')?.kids ?? [];
  const right = fieldOf(n, 'right')?.kids ?? [];
  for (let i = 0; i < right.length; i++) {
    const r = right[i]!;
    const target = left[i] ?? left[0];
    if (!target) continue;
    const targetText = text(f, target);
    // x = append(x, msg.Value[:16])
    if (r.type === 'call_expression' && text(f, fieldOf(r, 'function') ?? r) === 'append') {
      for (const a of (fieldOf(r, 'arguments')?.kids ?? []).slice(1)) {
        const value = keptRecordPart(f, a, vars);
        if (value && (value.includes('[') ? !iterationLocal(target) : target.type !== 'identifier' && outlivesFunction(target)))
          return { at: n, value, into: `append to ${targetText}` };
      }
      continue;
    }
    const value = keptRecordPart(f, r, vars);
    if (!value) continue;
    if (target.type === 'index_expression' && keeps(target, value)) return { at: n, value, into: `map or slice ${text(f, target.kids[0]!)}[…]` };
    if (target.type === 'selector_expression' && !vars.has(rootOf(target)) && keeps(target, value)) return { at: n, value, into: `field ${targetText}` };
    if (target.type === 'identifier' && value.includes('[') && !iterationLocal(target)) return { at: n, value, into: `variable ${targetText}` };
  }
  return undefined;
}
