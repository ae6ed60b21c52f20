// The Go half of the scan: one package (a directory's non-test files) at a time. Library calls are
// resolved through each file's imports (renamed imports included); request scopes come from handler
// signatures and registrations, per-message scopes from Sarama's ConsumeClaim, franz-go's record
// callbacks and poll loops; helpers are followed two calls deep inside the package.
import type { Library } from '../../../types.js';
import { fateOf, type Enclosing } from '../flow.js';
import type { Construction, Fate, Scope, Site } from '../types.js';
import { lineText, text, type Func, type GoFile, type GoFacts } from './common.js';
import { defaultName, goConstructors, literalCtors, type Ctor } from './constructors.js';
import { describeEscape, goFlow } from './go-flow.js';
import { keptRecordPart, messageVars, recordStore } from './records.js';
import { resendsIn } from './resends.js';
import { shutdownGaps } from './shutdown.js';
import { fieldOf, findAll, type GNode } from './tree.js';

export type { GoFile } from './common.js';
export { kafkaImportPaths } from './constructors.js';

const registrations = new Set([
  'HandleFunc',
  'Handle',
  'HandlerFunc',
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'Any',
  'Get',
  'Post',
  'Put',
  'Delete',
  'Patch',
  'Handler',
]);
const perMessageLoopCalls = new Set(['ReadMessage', 'FetchMessage', 'PollFetches', 'PollRecords', 'Poll']);

/** Imports of one file: local name → import path, for the Kafka libraries and the packages rules name. */
function importsOf(f: GoFile): Map<string, string> {
  const map = new Map<string, string>();
  for (const spec of findAll(
    f.root,
    (n) => n.type === 'import_spec',
    (n) => n.type === 'function_declaration' || n.type === 'method_declaration',
  )) {
    const pathNode = fieldOf(spec, 'path');
    if (!pathNode) continue;
    const path = text(f, pathNode).replace(/^["`]|["`]$/g, '');
    const nameNode = fieldOf(spec, 'name');
    const name = nameNode ? text(f, nameNode) : defaultName(path);
    if (name === '_' || name === '.') continue;
    map.set(name, path);
  }
  return map;
}

const handlerSignatures: [RegExp, string][] = [
  [/\bhttp\.ResponseWriter\b[\s\S]*\*\s*http\.Request\b/, '(http.ResponseWriter, *http.Request)'],
  [/\*\s*gin\.Context\b/, '*gin.Context'],
  [/\becho\.Context\b/, 'echo.Context'],
  [/\bfiber\.Ctx\b/, 'fiber.Ctx'],
  [/\*\s*fasthttp\.RequestCtx\b/, '*fasthttp.RequestCtx'],
];

function entryBySignature(f: GoFile, fn: GNode, short: string, name: string): Scope | undefined {
  const params = fieldOf(fn, 'parameters');
  if (short === 'ServeHTTP') return { kind: 'request', entry: name, how: 'ServeHTTP method', chain: [] };
  if (params) {
    const p = text(f, params);
    for (const [re, label] of handlerSignatures) if (re.test(p)) return { kind: 'request', entry: name, how: `signature ${label}`, chain: [] };
    if (/\*\s*kgo\.Record\b/.test(p) && fn.type === 'func_literal') return { kind: 'per-message', entry: name, how: 'franz-go record callback', chain: [] };
  }
  return undefined;
}

/** Numbers closures the way the runtime does: F.func1, F.func2; nested ones F.func1.1. */
function collectFuncs(f: GoFile, pkg: string): Func[] {
  const out: Func[] = [];
  const visitLiterals = (n: GNode, parentName: string, counter: { n: number }, nested: boolean) => {
    for (const k of n.kids) {
      if (k.type === 'func_literal') {
        counter.n++;
        const name = nested ? `${parentName}.${counter.n}` : `${parentName}.func${counter.n}`;
        const body = fieldOf(k, 'body');
        const fn: Func = { file: f, node: k, name, short: name, ...(body ? { body } : {}), calls: [], isMain: false };
        fn.entry = entryBySignature(f, k, '', name);
        out.push(fn);
        visitLiterals(k, name, { n: 0 }, true);
      } else visitLiterals(k, parentName, counter, nested);
    }
  };
  for (const decl of f.root.kids) {
    if (decl.type !== 'function_declaration' && decl.type !== 'method_declaration') continue;
    const nameNode = fieldOf(decl, 'name');
    if (!nameNode) continue;
    const short = text(f, nameNode);
    let name = `${pkg}.${short}`;
    if (decl.type === 'method_declaration') {
      const recv = fieldOf(decl, 'receiver');
      const type = recv ? /(\*?)\s*([A-Za-z_]\w*)(\[[^\]]*\])?\s*\)\s*$/.exec(text(f, recv)) : null;
      if (type) name = type[1] ? `${pkg}.(*${type[2]}).${short}` : `${pkg}.${type[2]}.${short}`;
    }
    const body = fieldOf(decl, 'body');
    const fn: Func = {
      file: f,
      node: decl,
      name,
      short,
      ...(body ? { body } : {}),
      calls: [],
      isMain: pkg === 'main' && short === 'main' && decl.type === 'function_declaration',
    };
    fn.entry = entryBySignature(f, decl, short, name);
    out.push(fn);
    if (body) visitLiterals(body, name, { n: 0 }, false);
  }
  return out;
}

/** The innermost function (declaration or literal) that contains `n`. */
function enclosingFunc(n: GNode, byNode: Map<GNode, Func>): Func | undefined {
  for (let p = n.parent; p; p = p.parent) {
    const fn = byNode.get(p);
    if (fn) return fn;
  }
  return undefined;
}

/** Resolves `pkg.Name` through the file's imports. */
function resolveSelector(f: GoFile, imports: Map<string, string>, n: GNode | undefined): { path: string; name: string } | undefined {
  if (!n || (n.type !== 'selector_expression' && n.type !== 'qualified_type')) return undefined;
  const [operand, field] = n.kids;
  if (!operand || !field || (operand.type !== 'identifier' && operand.type !== 'package_identifier')) return undefined;
  const path = imports.get(text(f, operand));
  return path ? { path, name: text(f, field) } : undefined;
}

// ---- where a construction sits ----

interface Binding {
  name?: string;
  errVar?: string;
  /** := or var: new in its block */
  declared: boolean;
  /** stored straight into a field, map or package variable */
  storedIn?: string;
  /** returned, passed, discarded… without a local */
  direct?: Fate;
  stmt?: GNode;
}

function bindingOf(f: GoFile, call: GNode, packageVars: Set<string>): Binding {
  let n = call;
  while (n.parent && (n.parent.type === 'parenthesized_expression' || n.parent.type === 'unary_expression')) n = n.parent;
  const p = n.parent;
  if (!p) return { declared: false, direct: { status: 'escapes', how: 'unknown' } };
  if (p.type === 'expression_statement') return { declared: false, direct: { status: 'discarded', how: 'the result is dropped' }, stmt: p };
  if (p.type === 'expression_list' && p.parent && ['short_var_declaration', 'assignment_statement', 'var_spec'].includes(p.parent.type)) {
    const stmtNode = p.parent;
    const left = stmtNode.type === 'var_spec' ? stmtNode.kids.filter((k) => k.type === 'identifier') : (fieldOf(stmtNode, 'left')?.kids ?? []);
    const idx = p.kids.indexOf(n);
    const single = p.kids.length === 1;
    const target = single ? left[0] : left[idx];
    const errNode = single && left.length > 1 ? left[left.length - 1] : undefined;
    const errVar = errNode && errNode.type === 'identifier' && text(f, errNode) !== '_' ? text(f, errNode) : undefined;
    const declared = stmtNode.type !== 'assignment_statement';
    const holder = stmtNode.type === 'var_spec' ? (stmtNode.parent?.type === 'var_declaration' ? stmtNode.parent : stmtNode) : stmtNode;
    if (!target) return { declared, direct: { status: 'escapes', how: 'unknown' } };
    const t = text(f, target);
    if (target.type === 'identifier') {
      if (t === '_') return { declared, direct: { status: 'discarded', how: 'assigned to _' }, stmt: holder };
      if (!declared && packageVars.has(t) && !localDeclared(f, target, t)) return { declared, storedIn: t, stmt: holder, ...(errVar ? { errVar } : {}) };
      return { name: t, declared, stmt: holder, ...(errVar ? { errVar } : {}) };
    }
    return { declared, storedIn: t, stmt: holder, ...(errVar ? { errVar } : {}) };
  }
  if (p.type === 'return_statement' || (p.type === 'expression_list' && p.parent?.type === 'return_statement'))
    return { declared: false, direct: { status: 'escapes', how: 'returned' } };
  if (p.type === 'argument_list') return { declared: false, direct: { status: 'escapes', how: describeEscape(f, n, '') } };
  if (p.type === 'keyed_element' || p.type === 'literal_element' || p.type === 'literal_value')
    return { declared: false, direct: { status: 'escapes', how: 'stored in a struct or slice literal' } };
  return { declared: false, direct: { status: 'escapes', how: describeEscape(f, n, '') } };
}

/** Is `name` declared in a function that encloses `at` (so an assignment to it is local, not to the package variable)? */
function localDeclared(f: GoFile, at: GNode, name: string): boolean {
  for (let p = at.parent; p; p = p.parent) {
    if (p.type === 'function_declaration' || p.type === 'method_declaration' || p.type === 'func_literal') {
      const decls = findAll(
        p,
        (n) =>
          (n.type === 'short_var_declaration' && (fieldOf(n, 'left')?.kids ?? []).some((k) => text(f, k) === name)) ||
          (n.type === 'var_spec' && n.kids.some((k) => k.type === 'identifier' && text(f, k) === name)) ||
          (n.type === 'parameter_declaration' && n.kids.some((k) => k.type === 'identifier' && text(f, k) === name)),
      );
      if (decls.length) return true;
    }
  }
  return false;
}

/** The statement lists around `stmt`, innermost first, up to the function body. */
function enclosingLists(stmt: GNode): Enclosing<GNode>[] {
  const levels: Enclosing<GNode>[] = [];
  let cur = stmt;
  for (let p = stmt.parent; p; cur = p, p = p.parent) {
    if (p.type === 'statement_list') {
      const owner = p.parent;
      const ownerKind =
        owner?.parent && (owner.parent.type === 'function_declaration' || owner.parent.type === 'method_declaration' || owner.parent.type === 'func_literal')
          ? 'function'
          : owner?.parent?.type === 'for_statement'
            ? 'loop'
            : 'branch';
      levels.push({ list: p.kids, index: p.kids.indexOf(cur), owner: ownerKind, endLine: (owner ?? p).endLine });
      if (ownerKind === 'function') break;
    }
  }
  return levels;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `if cached != nil { return cached, nil }` before the build, in the same function (a statement list that
 * encloses it): the build below runs only while the variable it is kept in is unset.
 */
function earlyReturnGuard(f: GoFile, call: GNode, storedIn: string): string | undefined {
  const set = new RegExp(`(^|[^\\w.])${escapeRe(storedIn)}\\s*!=\\s*nil\\b`);
  let cur = call;
  for (let p = call.parent; p; cur = p, p = p.parent) {
    if (p.type === 'function_declaration' || p.type === 'method_declaration' || p.type === 'func_literal') break;
    if (p.type !== 'statement_list') continue;
    for (const prev of p.kids.slice(0, p.kids.indexOf(cur))) {
      if (prev.type !== 'if_statement') continue;
      const cond = fieldOf(prev, 'condition');
      const then = fieldOf(prev, 'consequence');
      if (!cond || !then || !set.test(text(f, cond))) continue;
      if (
        findAll(
          then,
          (x) => x.type === 'return_statement',
          (x) => x.type === 'func_literal',
        ).length
      )
        return `built only when ${storedIn} is nil (line ${prev.line} returns it once set)`;
    }
  }
  return undefined;
}

/** Guards that make a stored construction a lazy singleton: sync.Once, `if x == nil`, an early return while x is set. */
function singletonGuard(f: GoFile, call: GNode, storedIn: string): string | undefined {
  const early = earlyReturnGuard(f, call, storedIn);
  if (early) return early;
  for (let p = call.parent; p; p = p.parent) {
    if (p.type === 'if_statement') {
      const cond = fieldOf(p, 'condition');
      if (cond && new RegExp(`${escapeRe(storedIn)}\\s*==\\s*nil|!\\s*ok\\b|!\\s*exists\\b|\\bok\\s*==\\s*false`).test(text(f, cond)))
        return `built only when ${text(f, cond)}`;
      // a flag the branch sets once it has built it: if !ready { …; ready = true }
      const flag = cond && /^\(?\s*!\s*([A-Za-z_][\w.]*)\s*\)?$|^\(?\s*([A-Za-z_][\w.]*)\s*==\s*false\s*\)?$/.exec(text(f, cond));
      const name = flag?.[1] ?? flag?.[2];
      const then = fieldOf(p, 'consequence');
      if (
        name &&
        then &&
        findAll(
          then,
          (x) =>
            x.type === 'assignment_statement' &&
            new RegExp(`^${escapeRe(name)}$`).test(text(f, fieldOf(x, 'left') ?? x).trim()) &&
            /^true$/.test(text(f, fieldOf(x, 'right') ?? x).trim()),
          (x) => x.type === 'func_literal',
        ).length
      )
        return `built only while ${name} is false (the branch sets it once built)`;
    }
    if (p.type === 'call_expression') {
      const fn = fieldOf(p, 'function');
      if (fn && /\.Do$/.test(text(f, fn))) return `built inside ${text(f, fn)}(…) (sync.Once)`;
    }
    if (p.type === 'function_declaration' || p.type === 'method_declaration') {
      const name = fieldOf(p, 'name');
      if (name && /^(New|new|Init|init|Start|Open|Connect|Setup|setup|Must)/.test(text(f, name)) && !entryBySignature(f, p, text(f, name), ''))
        return `built in ${text(f, name)}, which sets it up once`;
      break;
    }
  }
  return undefined;
}

// ---- the package ----

export function analyzeGoPackage(files: GoFile[]): GoFacts {
  const facts: GoFacts = { constructions: [], stores: [], resends: [], shutdown: [] };
  const pkgName = (f: GoFile) => {
    const clause = f.root.kids.find((k) => k.type === 'package_clause');
    return clause?.kids[0] ? text(f, clause.kids[0]) : 'main';
  };
  const pkg = files[0] ? pkgName(files[0]) : 'main';
  const imports = new Map(files.map((f) => [f, importsOf(f)]));
  const funcs = files.flatMap((f) => collectFuncs(f, pkg));
  const byNode = new Map(funcs.map((fn) => [fn.node, fn]));
  const byShort = new Map<string, Func[]>();
  for (const fn of funcs) if (fn.node.type !== 'func_literal') byShort.set(fn.short, [...(byShort.get(fn.short) ?? []), fn]);
  const packageVars = new Set(
    files.flatMap((f) =>
      f.root.kids
        .filter((k) => k.type === 'var_declaration')
        .flatMap((d) => findAll(d, (n) => n.type === 'var_spec').flatMap((s) => s.kids.filter((k) => k.type === 'identifier').map((k) => text(f, k)))),
    ),
  );

  // registrations: handlers passed by name to HandleFunc, r.GET… are entries
  for (const f of files) {
    for (const call of findAll(f.root, (n) => n.type === 'call_expression')) {
      const fn = fieldOf(call, 'function');
      if (fn?.type !== 'selector_expression' || !registrations.has(text(f, fn.kids[1]!))) continue;
      for (const arg of fieldOf(call, 'arguments')?.kids ?? []) {
        const name = arg.type === 'identifier' ? text(f, arg) : arg.type === 'selector_expression' ? text(f, arg.kids[1]!) : undefined;
        for (const target of (name && byShort.get(name)) || [])
          target.entry ??= { kind: 'request', entry: target.name, how: `registered with ${text(f, fn)}`, chain: [] };
      }
    }
  }

  // per-message loops: for-loops that read messages; ConsumeClaim's loops
  const loopScope = (f: GoFile, n: GNode, fn: Func | undefined): Scope | undefined => {
    for (let p = n.parent; p && p !== fn?.node; p = p.parent) {
      if (p.type !== 'for_statement') continue;
      const head = p.kids.filter((k) => k.field !== 'body');
      const headText = head.map((h) => text(f, h)).join(' ');
      if (/\.Messages\(\)/.test(headText))
        return { kind: 'per-message', entry: fn?.name ?? '?', how: `loop over ${headText.replace(/^.*?range\s+/, '')}`, chain: [] };
      const body = fieldOf(p, 'body');
      const reads =
        body &&
        findAll(
          body,
          (x) => x.type === 'call_expression' && x.kids[0]?.type === 'selector_expression' && perMessageLoopCalls.has(text(f, x.kids[0].kids[1]!)),
          (x) => x.type === 'func_literal',
        );
      if (reads?.length) return { kind: 'per-message', entry: fn?.name ?? '?', how: `loop around ${text(f, reads[0]!.kids[0]!)}()`, chain: [] };
      if (fn?.short === 'ConsumeClaim') return { kind: 'per-message', entry: fn.name, how: 'loop in ConsumeClaim', chain: [] };
    }
    return undefined;
  };

  // same-package calls, for following helpers
  for (const fn of funcs) {
    if (!fn.body) continue;
    for (const call of findAll(
      fn.body,
      (n) => n.type === 'call_expression',
      (n) => n.type === 'func_literal',
    )) {
      const callee = fieldOf(call, 'function');
      if (!callee) continue;
      let name: string | undefined;
      if (callee.type === 'identifier') name = text(fn.file, callee);
      else if (callee.type === 'selector_expression' && !imports.get(fn.file)!.has(text(fn.file, callee.kids[0]!))) name = text(fn.file, callee.kids[1]!);
      if (name && byShort.has(name)) {
        const inLoop = loopScope(fn.file, call, fn);
        fn.calls.push({ name, node: call, ...(inLoop ? { inLoop } : {}) });
      }
    }
  }

  /** the scope a function runs in: its own, or that of an entry up to two calls above it */
  const scopeOf = (fn: Func): Scope | undefined => {
    if (fn.entry) return fn.entry;
    // a closure runs in the scope of the function it is written in
    for (let outer = enclosingFunc(fn.node, byNode); outer; outer = enclosingFunc(outer.node, byNode)) if (outer.entry) return { ...outer.entry, chain: [] };
    for (const caller of funcs) {
      for (const c of caller.calls) {
        if (!byShort.get(c.name)?.includes(fn)) continue;
        const direct = c.inLoop ?? caller.entry;
        if (direct) return { ...direct, chain: [direct.entry, fn.name] };
        for (const top of funcs) {
          const c2 = top.calls.find((x) => byShort.get(x.name)?.includes(caller));
          const s = c2 && (c2.inLoop ?? top.entry);
          if (s) return { ...s, chain: [s.entry, caller.name, fn.name] };
        }
      }
    }
    return undefined;
  };
  const reachedFromMain = (fn: Func): boolean => {
    if (fn.isMain) return true;
    const main = funcs.find((x) => x.isMain);
    if (!main) return false;
    const direct = (x: Func) => x.calls.some((c) => byShort.get(c.name)?.includes(fn));
    if (direct(main)) return true;
    // closures inside main, and helpers main calls
    if (fn.name.startsWith(`${main.name}.func`)) return true;
    return main.calls.some((c) => byShort.get(c.name)?.some((h) => direct(h)));
  };

  for (const f of files) {
    const imp = imports.get(f)!;
    const flow = goFlow(f);
    const site = (n: GNode, fn: Func | undefined, library: Library): Site => ({
      file: f.path,
      line: n.line,
      column: n.column,
      function: fn?.name ?? `${pkg}.init`,
      snippet: lineText(f, n.line),
      language: 'go',
      library,
    });
    const fateFor = (b: Binding): Fate => {
      if (b.direct) return b.direct;
      if (b.storedIn) return { status: 'escapes', how: `stored in ${b.storedIn}` };
      if (!b.name || !b.stmt) return { status: 'escapes', how: 'unknown' };
      const levels = enclosingLists(b.stmt);
      if (!levels.length) return { status: 'escapes', how: 'a package variable' };
      return fateOf(flow, levels, b.name, b.errVar, b.declared);
    };

    // constructors: calls and &kafka.Writer{…}
    const ctorCalls = findAll(f.root, (n) => n.type === 'call_expression' || n.type === 'composite_literal');
    for (const call of ctorCalls) {
      let resolved: { path: string; name: string } | undefined;
      let ctor: Ctor | undefined;
      if (call.type === 'call_expression') {
        resolved = resolveSelector(f, imp, fieldOf(call, 'function'));
        ctor = resolved && goConstructors[resolved.path]?.[resolved.name];
      } else {
        resolved = resolveSelector(f, imp, fieldOf(call, 'type'));
        ctor = resolved && literalCtors[resolved.path]?.[resolved.name];
      }
      if (!ctor || !resolved) continue;
      const fn = enclosingFunc(call, byNode);
      const b = bindingOf(f, call, packageVars);
      const fate = fateFor(b);
      const callee = `${defaultName(resolved.path)}.${resolved.name}`;
      const scope = loopScope(f, call, fn) ?? (fn ? scopeOf(fn) : undefined);
      const c: Construction = {
        ...site(call, fn, ctor.library),
        kind: ctor.kind,
        callee,
        ...(b.name ? { binding: b.name } : {}),
        fate,
        ...(fn && reachedFromMain(fn) ? { inMain: true } : {}),
      };
      // a helper that returns what it builds: its fate is decided where the entry calls it
      if (scope) {
        c.scope = scope;
        if (fate.status === 'escapes' && fate.how === 'returned' && scope.chain.length >= 2) {
          const callerFn = funcs.find((x) => x.name === scope.chain[scope.chain.length - 2]);
          const callSite = callerFn?.calls.find((x) => byShort.get(x.name)?.some((h) => h.name === scope.chain[scope.chain.length - 1]));
          if (callerFn && callSite) {
            const cb = bindingOf(callerFn.file, callSite.node, packageVars);
            const callerFate = goFlowFate(callerFn.file, cb);
            c.fate = { ...callerFate, how: `returned to ${callerFn.name}; there ${callerFate.how ?? callerFate.status}` };
            // the caller keeps it under a guard (if audit == nil { audit, err = newProducer() }): a lazy singleton
            const kept = cb.storedIn ?? (callerFate.status === 'escapes' ? /^stored in (.+)$/.exec(callerFate.how ?? '')?.[1] : undefined);
            const guard = kept && singletonGuard(callerFn.file, callSite.node, kept);
            if (guard) c.singleton = `${guard}, in ${callerFn.name}`;
          }
        }
      }
      const stored = b.storedIn ?? (fate.status === 'escapes' && /^stored in /.test(fate.how ?? '') ? fate.how!.slice(10) : undefined);
      if (stored) {
        let guard = singletonGuard(f, call, stored);
        // a helper that builds it into the variable itself, called under the caller's guard (if metrics == nil { ensureMetrics() })
        if (!guard && scope && scope.chain.length >= 2) {
          const callerFn = funcs.find((x) => x.name === scope.chain[scope.chain.length - 2]);
          const callSite = callerFn?.calls.find((x) => byShort.get(x.name)?.some((h) => h.name === scope.chain[scope.chain.length - 1]));
          const outer = callerFn && callSite && singletonGuard(callerFn.file, callSite.node, stored);
          if (outer) guard = `${outer}, in ${callerFn.name}`;
        }
        if (guard) c.singleton = guard;
      }
      if (ctor.fromClient && call.type === 'call_expression') {
        // NewConsumerGroupFromClient(groupID, client), NewOffsetManagerFromClient(group, client): the client is last
        const args = fieldOf(call, 'arguments')?.kids ?? [];
        const arg = args[args.length - 1];
        const builtHere = (name: string) =>
          fn?.body &&
          findAll(
            fn.body,
            (x) => x.type === 'call_expression' && /\.NewClient$/.test(text(f, fieldOf(x, 'function') ?? x)) && bindingOf(f, x, packageVars).name === name,
          ).length > 0;
        if (arg?.type === 'identifier' && fn?.body && builtHere(text(f, arg))) {
          const client = text(f, arg);
          const closes = findAll(fn.body, (n) => n.type === 'call_expression' && /^(\w+)\.(Close|AsyncClose)$/.test(text(f, fieldOf(n, 'function') ?? n)));
          const closed = (v: string | undefined) => !!v && closes.some((n) => text(f, fieldOf(n, 'function')!).startsWith(`${v}.`));
          c.fromClient = {
            client,
            clientClosed: closed(client),
            closesClient: ctor.fromClient === 'closes',
            producerClosed: closed(b.name) || fate.status === 'closed',
          };
        }
      }
      facts.constructions.push(c);
    }

    // records kept: msg.Value (or msg) stored where it outlives the iteration
    for (const fn of funcs.filter((x) => x.file === f && x.body)) {
      const msgVars = messageVars(f, fn, imp);
      if (!msgVars.size) continue;
      const library: Library = [...msgVars.values()][0]!;
      for (const n of findAll(
        fn.body!,
        (x) => ['assignment_statement', 'send_statement', 'short_var_declaration'].includes(x.type),
        (x) => x.type === 'func_literal',
      )) {
        const store = recordStore(f, fn, n, msgVars);
        if (store) facts.stores.push({ ...site(store.at, fn, library), value: store.value, into: store.into });
      }
      // a function given a record that returns a slice of its bytes: the caller keeps a view
      const params = text(f, fieldOf(fn.node, 'parameters') ?? fn.node);
      for (const ret of findAll(
        fn.body!,
        (x) => x.type === 'return_statement',
        (x) => x.type === 'func_literal',
      )) {
        const expr = ret.kids[0]?.type === 'expression_list' ? ret.kids[0].kids[0] : ret.kids[0];
        if (!expr || expr.type !== 'slice_expression') continue;
        const value = keptRecordPart(f, expr, msgVars);
        const root = value?.split('.')[0];
        if (value && root && new RegExp(`\\b${root}\\b`).test(params))
          facts.stores.push({ ...site(ret, fn, library), value, into: 'the return value (the caller keeps a view, not a copy)' });
      }
    }

    // one ProducerMessage sent twice
    for (const fn of funcs.filter((x) => x.file === f && x.body)) facts.resends.push(...resendsIn(f, fn, site));
  }

  // graceful shutdown: package main builds producers or consumers; is there a SIGTERM path?
  const main = funcs.find((x) => x.isMain);
  if (main) facts.shutdown.push(...shutdownGaps(files, imports, main, facts.constructions));
  return facts;

  function goFlowFate(file: GoFile, b: Binding): Fate {
    if (b.direct) return b.direct;
    if (b.storedIn) return { status: 'escapes', how: `stored in ${b.storedIn}` };
    if (!b.name || !b.stmt) return { status: 'escapes', how: 'unknown' };
    const levels = enclosingLists(b.stmt);
    return levels.length ? fateOf(goFlow(file), levels, b.name, b.errVar, b.declared) : { status: 'escapes', how: 'a package variable' };
  }
}
