// The Java half of the scan: one package (every file with the same package clause) at a time. Kafka
// constructors are resolved through each file's imports; request scopes come from Spring and JAX-RS
// annotations, servlet and HttpHandler signatures, lambdas registered with createContext (or with a
// path and a lambda: route("/x", () -> …), and through a method of the package that registers its
// parameter with createContext); per-message scopes from @KafkaListener methods and poll loops; helpers
// are followed two calls deep inside the package, as in Go.
import type { Library } from '../../../types.js';
import { fateOf, type Enclosing } from '../flow.js';
import type { Construction, Fate, Scope, ShutdownGap, Site } from '../types.js';
import { fieldOf, findAll, type GNode } from '../go/tree.js';
import { functionTypes, isFunctionNode, lineText, text, type JavaFile, type JFunc } from './common.js';
import { ctorOf, importsOf, isTemplate, type JavaImports } from './constructors.js';
import { callName, describeEscape, javaFlow } from './java-flow.js';
import { javaShutdownGaps } from './shutdown.js';

export type { JavaFile } from './common.js';
export { javaKafkaPackages } from './constructors.js';

export interface JavaFacts {
  constructions: Construction[];
  shutdown: ShutdownGap[];
}

const requestAnnotations = new Set([
  'GetMapping',
  'PostMapping',
  'PutMapping',
  'DeleteMapping',
  'PatchMapping',
  'RequestMapping',
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
]);
const messageAnnotations = new Set(['KafkaListener', 'KafkaHandler']);
const servletMethods = new Set(['doGet', 'doPost', 'doPut', 'doDelete', 'doPatch', 'service']);

const annotationsOf = (f: JavaFile, decl: GNode): string[] =>
  (decl.kids.find((k) => k.type === 'modifiers')?.kids ?? [])
    .filter((k) => k.type === 'marker_annotation' || k.type === 'annotation')
    .map((a) => text(f, fieldOf(a, 'name') ?? a).replace(/^.*\./, ''));

const classDecls = new Set(['class_declaration', 'enum_declaration', 'record_declaration', 'interface_declaration']);

function entryOf(f: JavaFile, fn: JFunc): Scope | undefined {
  const a = fn.annotations.find((x) => requestAnnotations.has(x));
  if (a) return { kind: 'request', entry: fn.name, how: `annotated @${a}`, chain: [] };
  const m = fn.annotations.find((x) => messageAnnotations.has(x));
  if (m) return { kind: 'per-message', entry: fn.name, how: `annotated @${m}`, chain: [] };
  if (fn.node.type !== 'method_declaration') return undefined;
  const params = text(f, fieldOf(fn.node, 'parameters') ?? fn.node);
  if (servletMethods.has(fn.short) && /\bHttpServletRequest\b/.test(params)) return { kind: 'request', entry: fn.name, how: `servlet ${fn.short}`, chain: [] };
  if (fn.short === 'handle' && /\bHttpExchange\b/.test(params)) return { kind: 'request', entry: fn.name, how: 'HttpHandler.handle(HttpExchange)', chain: [] };
  if (fn.short === 'onMessage' && /\bConsumerRecords?\b/.test(params))
    return { kind: 'per-message', entry: fn.name, how: 'MessageListener.onMessage', chain: [] };
  return undefined;
}

/** Methods, constructors and lambdas of a file; lambdas named as javac names them in their class (lambda$main$0). */
function collectFuncs(f: JavaFile): JFunc[] {
  const out: JFunc[] = [];
  const counters = new Map<string, number>();
  const visit = (n: GNode, className: string, method: string) => {
    for (const k of n.kids) {
      if (classDecls.has(k.type)) {
        const name = fieldOf(k, 'name');
        // a nested class as the JVM names it: Outer$Inner
        visit(k, name ? (className === '?' ? text(f, name) : `${className}$${text(f, name)}`) : className, method);
        continue;
      }
      if (k.type === 'method_declaration' || k.type === 'constructor_declaration') {
        const nameNode = fieldOf(k, 'name');
        const short = k.type === 'constructor_declaration' ? '<init>' : nameNode ? text(f, nameNode) : '?';
        const body = fieldOf(k, 'body');
        const mods = text(f, k.kids.find((x) => x.type === 'modifiers') ?? k);
        const fn: JFunc = {
          file: f,
          node: k,
          name: `${className}.${short}`,
          short,
          className,
          ...(body ? { body } : {}),
          annotations: annotationsOf(f, k),
          calls: [],
          isMain: short === 'main' && /\bstatic\b/.test(mods) && /\bString\s*(\[\s*\]|\.\.\.)/.test(text(f, fieldOf(k, 'parameters') ?? k)),
        };
        out.push(fn);
        visit(k, className, short === '<init>' ? 'new' : short);
        continue;
      }
      if (k.type === 'lambda_expression') {
        const i = counters.get(className) ?? 0;
        counters.set(className, i + 1);
        const body = fieldOf(k, 'body');
        out.push({
          file: f,
          node: k,
          name: `${className}.lambda$${method}$${i}`,
          short: '',
          className,
          ...(body ? { body } : {}),
          annotations: [],
          calls: [],
          isMain: false,
        });
      }
      visit(k, className, method);
    }
  };
  visit(f.root, '?', 'static');
  for (const fn of out) {
    const e = entryOf(f, fn);
    if (e) fn.entry = e;
  }
  return out;
}

/** The innermost method, constructor or lambda that contains `n`. */
function enclosingFunc(n: GNode, byNode: Map<GNode, JFunc>): JFunc | undefined {
  for (let p = n.parent; p; p = p.parent) {
    const fn = byNode.get(p);
    if (fn) return fn;
  }
  return undefined;
}

const argsOf = (call: GNode) => fieldOf(call, 'arguments')?.kids ?? [];
const isHandlerValue = (n: GNode | undefined) =>
  n?.type === 'lambda_expression' ||
  n?.type === 'method_reference' ||
  (n?.type === 'object_creation_expression' && n.kids.some((k) => k.type === 'class_body'));

/** The lambdas registered as request handlers, with how: createContext, a path and a lambda, a method of the package that registers its parameter. */
function registrations(files: JavaFile[], funcs: JFunc[]): Map<GNode, { how: string; file: JavaFile }> {
  const out = new Map<GNode, { how: string; file: JavaFile }>();
  // methods that register a parameter: createContext(path, param), or createContext(path, ex -> { … param.x(…) … })
  const wrappers = new Map<string, number>();
  for (const fn of funcs.filter((x) => x.node.type === 'method_declaration' && x.body)) {
    const params = (fieldOf(fn.node, 'parameters')?.kids ?? []).map((p) => text(fn.file, fieldOf(p, 'name') ?? p));
    for (const call of findAll(fn.body!, (n) => n.type === 'method_invocation' && text(fn.file, fieldOf(n, 'name') ?? n) === 'createContext')) {
      const handler = argsOf(call)[1];
      if (!handler) continue;
      const used = new Set<string>();
      if (handler.type === 'identifier') used.add(text(fn.file, handler));
      else
        for (const inv of findAll(handler, (n) => n.type === 'method_invocation')) {
          const obj = fieldOf(inv, 'object');
          if (obj?.type === 'identifier') used.add(text(fn.file, obj));
        }
      params.forEach((p, i) => {
        if (used.has(p)) wrappers.set(fn.short, i);
      });
    }
  }
  for (const f of files) {
    const set = (n: GNode, how: string) => out.set(n, { how, file: f });
    for (const call of findAll(f.root, (n) => n.type === 'method_invocation')) {
      const name = text(f, fieldOf(call, 'name') ?? call);
      const args = argsOf(call);
      const first = args[0] && args[0].type === 'string_literal' ? text(f, args[0]) : undefined;
      const wrapped = wrappers.get(name);
      if (name === 'createContext' && isHandlerValue(args[1])) set(args[1]!, `registered with createContext(${first ?? '…'}, …)`);
      else if (wrapped !== undefined && isHandlerValue(args[wrapped]))
        set(args[wrapped]!, `registered with ${name}(${first ?? '…'}, …), which runs it from a createContext handler`);
      else if (first && /^"\//.test(first)) {
        // Javalin, Spark, a service's own route("/path", handler): a path and a handler
        for (const a of args.slice(1)) if (isHandlerValue(a)) set(a, `registered with ${name}(${first}, …)`);
      } else if ((name === 'handler' || name === 'blockingHandler') && fieldOf(call, 'object')?.type === 'method_invocation') {
        // Vert.x: router.get("/path").handler(ctx -> …)
        const route = fieldOf(call, 'object')!;
        const path = argsOf(route)[0];
        if (path?.type === 'string_literal' && /^"\//.test(text(f, path)) && isHandlerValue(args[0]))
          set(args[0]!, `registered with ${text(f, fieldOf(route, 'name') ?? route)}(${text(f, path)}).${name}(…)`);
      }
    }
  }
  return out;
}

interface Binding {
  name?: string;
  declared: boolean;
  /** a field (or an element of one) it is stored in straight away */
  storedIn?: string;
  direct?: Fate;
  stmt?: GNode;
}

/** Is `name` a local or a parameter of a function around `at`? */
function localDeclared(f: JavaFile, at: GNode, name: string): boolean {
  for (let p = at.parent; p; p = p.parent) {
    if (p.type === 'class_body') return false;
    if (!functionTypes.has(p.type)) continue;
    const params = fieldOf(p, 'parameters');
    if (params && new RegExp(`(^|[^\\w$])${name}([^\\w$]|$)`).test(text(f, params))) return true;
    if (findAll(p, (n) => (n.type === 'variable_declarator' || n.type === 'resource') && text(f, fieldOf(n, 'name') ?? n) === name).length) return true;
  }
  return false;
}

function bindingOf(f: JavaFile, call: GNode): Binding {
  let n = call;
  while (n.parent && (n.parent.type === 'parenthesized_expression' || n.parent.type === 'cast_expression')) n = n.parent;
  const p = n.parent;
  if (!p) return { declared: false, direct: { status: 'escapes', how: 'unknown' } };
  if (p.type === 'resource') return { declared: true, direct: { status: 'closed', how: 'try-with-resources' }, name: text(f, fieldOf(p, 'name') ?? p) };
  if (p.type === 'variable_declarator' && fieldOf(p, 'value') === n) {
    const name = text(f, fieldOf(p, 'name') ?? p);
    if (p.parent?.type === 'field_declaration') return { declared: false, storedIn: name };
    return { name, declared: true, stmt: p.parent ?? p };
  }
  if (p.type === 'assignment_expression' && fieldOf(p, 'right') === n) {
    const left = fieldOf(p, 'left')!;
    const t = text(f, left);
    if (left.type === 'identifier' && localDeclared(f, left, t)) return { name: t, declared: false, stmt: p.parent ?? p };
    return { declared: false, storedIn: t.replace(/^this\./, '') };
  }
  if (p.type === 'return_statement') return { declared: false, direct: { status: 'escapes', how: 'returned' } };
  if (p.type === 'lambda_expression') return { declared: false, direct: { status: 'escapes', how: 'returned' } };
  if (p.type === 'expression_statement') return { declared: false, direct: { status: 'discarded', how: 'the result is dropped' } };
  if (p.type === 'method_invocation' && fieldOf(p, 'object') === n)
    return {
      declared: false,
      direct: { status: 'discarded', how: `${text(f, fieldOf(p, 'name') ?? p)}(…) is called on it, but no reference is kept to close it` },
    };
  return { declared: false, direct: { status: 'escapes', how: describeEscape(f, n) } };
}

/** The statement lists around `stmt`, innermost first, up to the function body. */
function enclosingLists(f: JavaFile, stmt: GNode): Enclosing<GNode>[] {
  const levels: Enclosing<GNode>[] = [];
  let cur = stmt;
  for (let p = stmt.parent; p; cur = p, p = p.parent) {
    if (p.type === 'block' || p.type === 'constructor_body' || p.type === 'switch_block_statement_group') {
      const owner = p.type === 'constructor_body' ? p : p.parent;
      const ownerKind: Enclosing<GNode>['owner'] =
        p.type === 'constructor_body' || (owner && functionTypes.has(owner.type))
          ? 'function'
          : owner && /^(for|enhanced_for|while|do)_statement$/.test(owner.type)
            ? 'loop'
            : owner && /^try(_with_resources)?_statement$/.test(owner.type) && fieldOf(owner, 'body') === p
              ? 'try'
              : 'branch';
      const list = p.kids.filter((k) => k.type !== 'switch_label');
      const fin = ownerKind === 'try' ? owner!.kids.find((k) => k.type === 'finally_clause')?.kids.find((k) => k.type === 'block') : undefined;
      levels.push({ list, index: list.indexOf(cur), owner: ownerKind, endLine: p.endLine, ...(fin ? { finalizer: fin.kids } : {}) });
      if (ownerKind === 'function') break;
    }
    if (p.type === 'class_body') break;
    if (p.type === 'lambda_expression') break;
  }
  void f;
  return levels;
}

function fateFor(f: JavaFile, b: Binding): Fate {
  if (b.direct) return b.direct;
  if (b.storedIn) return { status: 'escapes', how: `stored in ${b.storedIn}` };
  if (!b.name || !b.stmt) return { status: 'escapes', how: 'unknown' };
  const levels = enclosingLists(f, b.stmt);
  if (!levels.length) return { status: 'escapes', how: 'unknown' };
  return fateOf(javaFlow(f), levels, b.name, undefined, b.declared);
}

/** Guards that make a stored construction a lazy singleton: `if (x == null)`, computeIfAbsent, a constructor or @Bean. */
function singletonGuard(f: JavaFile, call: GNode, storedIn: string): string | undefined {
  const field = storedIn.replace(/^this\./, '').replace(/[.[(].*$/, '');
  for (let p = call.parent; p; p = p.parent) {
    if (p.type === 'if_statement') {
      const cond = fieldOf(p, 'condition');
      if (cond && new RegExp(`\\b${field}\\s*==\\s*null\\b|\\bnull\\s*==\\s*(this\\.)?${field}\\b`).test(text(f, cond)))
        return `built only when ${text(f, cond)}`;
    }
    if (p.type === 'method_invocation' && /^(computeIfAbsent|getOrCreate)$/.test(text(f, fieldOf(p, 'name') ?? p))) return `built inside ${callName(f, p)}(…)`;
    if (p.type === 'constructor_declaration') return 'built in a constructor, once per instance';
    if (p.type === 'method_declaration') break;
  }
  return undefined;
}

/** A field initializer runs in its class's constructor (static: its class initializer), as the JVM names them. */
function initializerOf(f: JavaFile, n: GNode): string {
  const names: string[] = [];
  for (let p = n.parent; p; p = p.parent) if (classDecls.has(p.type)) names.unshift(text(f, fieldOf(p, 'name') ?? p));
  let isStatic = false;
  for (let p = n.parent; p; p = p.parent)
    if (p.type === 'field_declaration') {
      isStatic = /\bstatic\b/.test(text(f, p.kids.find((k) => k.type === 'modifiers') ?? p));
      break;
    }
  return `${names.join('$') || '?'}.${isStatic ? '<clinit>' : '<init>'}`;
}

export function analyzeJavaPackage(files: JavaFile[]): JavaFacts {
  const facts: JavaFacts = { constructions: [], shutdown: [] };
  const imports = new Map(files.map((f) => [f, importsOf(f)]));
  const funcs = files.flatMap((f) => collectFuncs(f));
  const byNode = new Map(funcs.map((fn) => [fn.node, fn]));
  const byShort = new Map<string, JFunc[]>();
  for (const fn of funcs) if (fn.short && fn.short !== '<init>') byShort.set(fn.short, [...(byShort.get(fn.short) ?? []), fn]);
  const classNames = new Set(funcs.map((fn) => fn.className));

  for (const [node, { how, file }] of registrations(files, funcs)) {
    const fn = byNode.get(node);
    if (fn && !fn.entry) fn.entry = { kind: 'request', entry: fn.name, how, chain: [] };
    else if (node.type === 'method_reference') {
      // this::handle, Handlers::produce: the method it names
      const target = /::\s*(\w+)\s*$/.exec(text(file, node))?.[1];
      for (const t of (target && byShort.get(target)) || []) t.entry ??= { kind: 'request', entry: t.name, how, chain: [] };
    }
  }

  /** the per-message loop around `n` (inside its function): a loop that calls poll() */
  const loopScope = (f: JavaFile, n: GNode, fn: JFunc | undefined): Scope | undefined => {
    for (let p = n.parent; p && p !== fn?.node; p = p.parent) {
      if (!/^(for|enhanced_for|while|do)_statement$/.test(p.type)) continue;
      const polls = findAll(
        p,
        (x) => x.type === 'method_invocation' && text(f, fieldOf(x, 'name') ?? x) === 'poll' && !!fieldOf(x, 'object'),
        (x) => isFunctionNode(x),
      );
      if (polls.length) return { kind: 'per-message', entry: fn?.name ?? '?', how: `loop around ${callName(f, polls[0]!)}()`, chain: [] };
    }
    return undefined;
  };

  // same-package calls by name: m(…), this.m(…), Cls.m(…)
  for (const fn of funcs) {
    if (!fn.body) continue;
    for (const call of findAll(fn.body, (n) => n.type === 'method_invocation', isFunctionNode)) {
      const obj = fieldOf(call, 'object');
      if (obj && !(obj.type === 'this' || (obj.type === 'identifier' && classNames.has(text(fn.file, obj))))) continue;
      const name = text(fn.file, fieldOf(call, 'name') ?? call);
      if (!byShort.has(name)) continue;
      const inLoop = loopScope(fn.file, call, fn);
      fn.calls.push({ name, node: call, ...(inLoop ? { inLoop } : {}) });
    }
  }

  const scopeOf = (fn: JFunc): Scope | undefined => {
    if (fn.entry) return fn.entry;
    // a lambda runs in the scope of the function it is written in
    for (let outer = enclosingFunc(fn.node, byNode); outer; outer = enclosingFunc(outer.node, byNode)) if (outer.entry) return { ...outer.entry, chain: [] };
    if (!fn.short) return undefined;
    for (const caller of funcs) {
      for (const c of caller.calls) {
        if (!byShort.get(c.name)?.includes(fn)) continue;
        const direct = c.inLoop ?? scopeOf1(caller);
        if (direct) return { ...direct, chain: [direct.entry, fn.name] };
        for (const top of funcs) {
          const c2 = top.calls.find((x) => byShort.get(x.name)?.includes(caller));
          const s = c2 && (c2.inLoop ?? scopeOf1(top));
          if (s) return { ...s, chain: [s.entry, caller.name, fn.name] };
        }
      }
    }
    return undefined;
  };
  /** an entry, or a lambda inside one */
  const scopeOf1 = (fn: JFunc): Scope | undefined => {
    if (fn.entry) return fn.entry;
    for (let outer = enclosingFunc(fn.node, byNode); outer; outer = enclosingFunc(outer.node, byNode)) if (outer.entry) return outer.entry;
    return undefined;
  };
  const main = funcs.filter((x) => x.isMain);
  const reachedFromMain = (fn: JFunc): boolean => {
    for (let x: JFunc | undefined = fn; x; x = enclosingFunc(x.node, byNode)) if (x.isMain) return true;
    const direct = (caller: JFunc, callee: JFunc) => caller.calls.some((c) => byShort.get(c.name)?.includes(callee));
    return main.some((m) => direct(m, fn) || m.calls.some((c) => byShort.get(c.name)?.some((h) => direct(h, fn))));
  };

  for (const f of files) {
    const imp: JavaImports = imports.get(f)!;
    const site = (n: GNode, fn: JFunc | undefined, library: Library): Site => ({
      file: f.path,
      line: n.line,
      column: n.column,
      function: fn?.name ?? initializerOf(f, n),
      snippet: lineText(f, n.line),
      language: 'java',
      library,
    });
    for (const call of findAll(f.root, (n) => n.type === 'object_creation_expression' || n.type === 'method_invocation')) {
      const found = ctorOf(f, call, imp);
      if (!found) continue;
      const { ctor } = found;
      let callee = found.callee;
      // a KafkaTemplate over a factory built right here: the template's fate is the factory's
      let at = call;
      const holder = call.parent?.type === 'argument_list' ? call.parent.parent : undefined;
      if (found.callee === 'new DefaultKafkaProducerFactory' && isTemplate(f, holder, imp)) {
        at = holder!;
        callee = 'new KafkaTemplate(new DefaultKafkaProducerFactory)';
      }
      const fn = enclosingFunc(at, byNode);
      const b = bindingOf(f, at);
      let fate = fateFor(f, b);
      if (b.name && found.callee === 'new DefaultKafkaProducerFactory' && at === call && (fate.status === 'leaks' || fate.status === 'discarded') && fn?.body) {
        // the factory handed to a template in the same function: kept as long as the template is
        for (const t of findAll(fn.body, (x) => isTemplate(f, x, imp) && argsOf(x).some((a) => text(f, a) === b.name))) {
          const tf = fateFor(f, bindingOf(f, t));
          if (tf.status === 'escapes' || tf.status === 'closed') fate = { status: tf.status, how: `its KafkaTemplate is ${tf.how ?? 'kept'}` };
        }
      }
      const scope = loopScope(f, at, fn) ?? (fn ? scopeOf(fn) : undefined);
      const c: Construction = {
        ...site(at, fn, ctor.library),
        kind: ctor.kind,
        callee,
        ...(b.name ? { binding: b.name } : {}),
        fate,
        ...(fn && reachedFromMain(fn) ? { inMain: true } : {}),
      };
      if (scope) {
        c.scope = scope;
        // a helper that returns what it builds: its fate is decided where the caller keeps it
        if (fate.status === 'escapes' && fate.how === 'returned' && scope.chain.length >= 2) {
          const callerFn = funcs.find((x) => x.name === scope.chain[scope.chain.length - 2]);
          const callSite = callerFn?.calls.find((x) => byShort.get(x.name)?.some((h) => h.name === scope.chain[scope.chain.length - 1]));
          if (callerFn && callSite) {
            const callerFate = fateFor(callerFn.file, bindingOf(callerFn.file, callSite.node));
            c.fate = { ...callerFate, how: `returned to ${callerFn.name}; there ${callerFate.how ?? callerFate.status}` };
          }
        }
      }
      const stored = b.storedIn ?? (fate.status === 'escapes' && /^stored in /.test(fate.how ?? '') ? fate.how!.slice(10) : undefined);
      if (stored) {
        const guard = singletonGuard(f, at, stored);
        if (guard) c.singleton = guard;
      }
      if (fn && fn.annotations.includes('Bean')) c.singleton = `a @Bean: built once, closed by the Spring context`;
      facts.constructions.push(c);
    }
  }
  facts.shutdown.push(...javaShutdownGaps(files, funcs, facts.constructions, byShort));
  return facts;
}
