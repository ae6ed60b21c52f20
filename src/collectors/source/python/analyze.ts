// The Python half of the scan: one directory (a package's modules) at a time. Kafka constructors are resolved
// through each file's imports; request scopes come from route decorators (Flask, FastAPI, Starlette, aiohttp,
// Sanic: @app.post("/x"), @bp.route, @router.get), registrations (add_url_rule, add_api_route, Route, Django's
// path()), Django views (a function taking `request` in views.py, class-based views' get/post), http.server and
// socketserver handlers (do_POST, handle); per-message scopes from Celery tasks and consumer loops (`for msg in
// consumer`, a loop around poll()); helpers are followed two calls deep inside the directory. What becomes of a
// client follows each library's lifecycle: a confluent-kafka client (and a kafka-python KafkaProducer, whose
// __del__ closes it) that nothing keeps is freed by reference counting when the function returns, so only a kept
// one leaks; an aiokafka client that was started runs its own tasks, which keep it alive until stop(); a
// kafka-python consumer's IO thread keeps it until close().
import type { Library } from '../../../types.js';
import { fateOf } from '../flow.js';
import type { Construction, Fate, Scope, ShutdownGap, Site } from '../types.js';
import { fieldOf, findAll, type GNode } from '../go/tree.js';
import {
  baseName,
  calleeText,
  decoratorName,
  escapeRe,
  isFunctionNode,
  keywordArg,
  lastName,
  lineText,
  positionalArgs,
  stemOf,
  text,
  type PyFile,
  type PyFunc,
} from './common.js';
import { ctorOf, importsOf, type PyCtor, type PyImports } from './constructors.js';
import { describeEscape, enclosingLists, isClosingWrapper, pyFlow, storingTarget } from './py-flow.js';
import { pythonShutdownGaps, type PyHeld } from './shutdown.js';

export type { PyFile } from './common.js';
export { pythonKafkaImport } from './constructors.js';

export interface PythonFacts {
  constructions: Construction[];
  shutdown: ShutdownGap[];
}

const routeMethods = new Set(['route', 'get', 'post', 'put', 'delete', 'patch', 'head', 'options', 'api_route', 'websocket']);
const registrationCallee =
  /(^|\.)(add_url_rule|add_api_route|add_api_websocket_route|add_route|add_get|add_post|add_put|add_delete|add_patch|add_view|Route|path|re_path|url)$|^web\.(get|post|put|delete|patch|route|view)$/;
const viewMethods = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);
const viewsetActions = new Set(['list', 'create', 'retrieve', 'update', 'partial_update', 'destroy']);
const cacheDecorators = /(^|\.)(lru_cache|cache|cached|cached_property|memoize|memoized)$/;

/** The classes an app object is built from, and what a route on it is called. */
const appClasses: Record<string, string> = {
  Flask: 'a Flask route',
  Blueprint: 'a Flask blueprint route',
  Quart: 'a Quart route',
  FastAPI: 'a FastAPI endpoint',
  APIRouter: 'a FastAPI router endpoint',
  Starlette: 'a Starlette route',
  Sanic: 'a Sanic route',
  RouteTableDef: 'an aiohttp route',
  Bottle: 'a Bottle route',
};
const frameworkModules: [RegExp, string][] = [
  [/^fastapi\b/, 'a FastAPI endpoint'],
  [/^flask\b/, 'a Flask route'],
  [/^starlette\b/, 'a Starlette route'],
  [/^aiohttp\b/, 'an aiohttp route'],
  [/^sanic\b/, 'a Sanic route'],
  [/^quart\b/, 'a Quart route'],
  [/^bottle\b/, 'a Bottle route'],
];

/** flow.ts tells closed from escaping by the words of the use: stop(), with and closing() close in Python too */
const closedFate = (fate: Fate): Fate =>
  fate.status === 'escapes' && /^[\w.]+\.(stop|close|flush)\(\)( in finally)?$|^(async )?with\b|closing\(/.test(fate.how ?? '')
    ? { ...fate, status: 'closed' }
    : fate.status === 'closed' && /^passed on as /.test(fate.how ?? '')
      ? { ...fate, status: 'escapes' }
      : fate;

type Call = { name: string; method: boolean; module?: string };

/** What a route registered on `obj` is: the class `obj` is built from in the file, else the framework the file imports. */
function frameworkOf(f: PyFile, obj: string, imports: PyImports): string {
  const built = new RegExp(`^[ \\t]*${escapeRe(obj)}[ \\t]*(?::[^=\\n]*)?=[ \\t]*([\\w.]+)[ \\t]*\\(`, 'm').exec(f.source)?.[1]?.replace(/^.*\./, '');
  if (built && appClasses[built]) return appClasses[built];
  for (const [re, what] of frameworkModules) if ([...imports.names.values()].some((q) => re.test(q))) return what;
  return 'a route';
}

function paramNames(f: PyFile, def: GNode): string[] {
  const out: string[] = [];
  for (const p of fieldOf(def, 'parameters')?.kids ?? []) {
    const id = p.type === 'identifier' ? p : (fieldOf(p, 'name') ?? p.kids.find((k) => k.type === 'identifier'));
    if (id) out.push(text(f, id));
  }
  return out;
}

/** Functions (defs) of a file, named as Python's __qualname__ names them. */
function collectFuncs(f: PyFile): PyFunc[] {
  const out: PyFunc[] = [];
  const visit = (n: GNode, prefix: string, cls: { name: string; bases: string[] } | undefined, outer: PyFunc | undefined) => {
    for (const k of n.kids) {
      if (k.type === 'class_definition') {
        const name = text(f, fieldOf(k, 'name') ?? k);
        const bases = (fieldOf(k, 'superclasses')?.kids ?? [])
          .filter((b) => b.type !== 'keyword_argument')
          .map((b) =>
            text(f, b)
              .replace(/\[[\s\S]*$/, '')
              .replace(/^.*\./, ''),
          );
        visit(k, `${prefix}${name}.`, { name: `${prefix}${name}`, bases }, outer);
        continue;
      }
      if (k.type === 'function_definition') {
        const short = text(f, fieldOf(k, 'name') ?? k);
        const body = fieldOf(k, 'body');
        const fn: PyFunc = {
          file: f,
          node: k,
          name: `${prefix}${short}`,
          short,
          ...(cls ? { className: cls.name } : {}),
          bases: cls?.bases ?? [],
          ...(body ? { body } : {}),
          decorators: k.parent?.type === 'decorated_definition' ? k.parent.kids.filter((d) => d.type === 'decorator').flatMap((d) => d.kids.slice(0, 1)) : [],
          params: paramNames(f, k),
          calls: [],
          ...(outer ? { outer } : {}),
        };
        out.push(fn);
        visit(k, `${fn.name}.<locals>.`, undefined, fn);
        continue;
      }
      visit(k, prefix, cls, outer);
    }
  };
  visit(f.root, '', undefined, undefined);
  return out;
}

const isViewsFile = (path: string) => /(^|\/)views(\.py$|\/)/.test(path);

/** A request or per-message scope by the function's own shape: decorators, its class, its parameters. */
function entryOf(f: PyFile, fn: PyFunc, imports: PyImports): Scope | undefined {
  const request = (how: string): Scope => ({ kind: 'request', entry: fn.name, how, chain: [] });
  const message = (how: string): Scope => ({ kind: 'per-message', entry: fn.name, how, chain: [] });
  for (const d of fn.decorators) {
    const name = decoratorName(f, d);
    const method = name.replace(/^.*\./, '');
    if (d.type === 'call' && name.includes('.') && routeMethods.has(method)) {
      const first = positionalArgs(d)[0];
      const path = first?.type === 'string' ? first : (keywordArg(f, d, 'path') ?? keywordArg(f, d, 'rule'));
      if (path?.type === 'string') {
        const obj = name.slice(0, name.lastIndexOf('.'));
        return request(`registered with @${name}(${text(f, path)}), ${frameworkOf(f, obj, imports)}`);
      }
    }
    if (/(^|\.)api_view$/.test(name)) return request('@api_view: a Django REST framework view');
    if (/(^|\.)(task|shared_task)$/.test(name)) return message(`@${name}: a Celery task, run per message`);
    if (/(^|\.)actor$/.test(name) && /dramatiq/.test(f.source)) return message(`@${name}: a Dramatiq actor, run per message`);
    if (/(^|\.)agent$/.test(name) && /faust/.test(f.source)) return message(`@${name}: a Faust agent, run per message`);
  }
  if (fn.className) {
    const bases = fn.bases;
    if (bases.some((b) => /^(Base|Simple|CGI)HTTPRequestHandler$/.test(b)) && /^do_[A-Z]+$/.test(fn.short))
      return request(`${fn.short} of a ${bases.find((b) => /HTTPRequestHandler$/.test(b))}`);
    if (bases.some((b) => /^(Base|Stream|Datagram)RequestHandler$/.test(b)) && fn.short === 'handle')
      return request(`handle of a socketserver ${bases.find((b) => /RequestHandler$/.test(b))}`);
    if (bases.some((b) => /RequestHandler$/.test(b)) && viewMethods.has(fn.short)) return request(`a Tornado handler's ${fn.short}`);
    if (bases.some((b) => b === 'HTTPEndpoint') && viewMethods.has(fn.short)) return request(`a Starlette HTTPEndpoint's ${fn.short}`);
    if (bases.some((b) => b === 'MethodView') && viewMethods.has(fn.short)) return request(`a Flask MethodView's ${fn.short}`);
    if (bases.some((b) => b === 'Resource') && viewMethods.has(fn.short)) return request(`a Flask-RESTful Resource's ${fn.short}`);
    if (bases.some((b) => /ViewSet$/.test(b)) && (viewMethods.has(fn.short) || viewsetActions.has(fn.short)))
      return request(`a Django REST framework viewset's ${fn.short}`);
    if (bases.some((b) => /APIView$/.test(b)) && viewMethods.has(fn.short)) return request(`a Django REST framework view's ${fn.short}`);
    if (bases.some((b) => /View$/.test(b)) && viewMethods.has(fn.short)) return request(`a Django class-based view's ${fn.short}`);
    return undefined;
  }
  if (!fn.outer && fn.params[0] === 'request' && (isViewsFile(f.path) || [...imports.names.values()].some((q) => /^(django|rest_framework)\b/.test(q))))
    return request(`a Django view: takes request${isViewsFile(f.path) ? `, in ${f.path.replace(/^.*\//, '')}` : ''}`);
  return undefined;
}

/** The innermost def that contains `n`. */
function enclosingFunc(n: GNode, byNode: Map<GNode, PyFunc>): PyFunc | undefined {
  for (let p = n.parent; p; p = p.parent) {
    const fn = byNode.get(p);
    if (fn) return fn;
  }
  return undefined;
}

/** The statement an expression is part of. */
function statementOf(n: GNode): GNode {
  let s = n;
  while (s.parent && s.parent.type !== 'block' && s.parent.type !== 'source_file') s = s.parent;
  return s;
}

interface Binding {
  name?: string;
  /** a container, attribute or global it is stored in straight away, and that target's node */
  storedIn?: string;
  target?: GNode;
  direct?: Fate;
  stmt?: GNode;
  /** `global x` in the function: the name is the module's */
  global?: boolean;
  /** stored with append(), add()…: one more each time (else the next one overwrites it) */
  accumulates?: boolean;
}

/** Where a client is kept for good: a module-level container, attribute or global. */
interface Kept {
  target: string;
  node: GNode;
  global?: boolean;
  /** one more each time (append, a subscript by a key that varies); else the next one overwrites it */
  accumulates: boolean;
}

/** `d[key] = p` with a key that varies adds one; `d["producer"] = p`, `app.producer = p` overwrite. */
const accumulates = (target: GNode) =>
  target.type === 'subscript' && !/^(string|integer|true|false|none)$/.test(fieldOf(target, 'subscript')?.type ?? 'string');

function declaredGlobal(f: PyFile, fn: PyFunc | undefined, name: string): boolean {
  if (!fn?.body) return false;
  return findAll(fn.body, (n) => n.type === 'global_statement', isFunctionNode).some((g) => g.kids.some((k) => text(f, k) === name));
}

function bindingOf(f: PyFile, call: GNode, fn: PyFunc | undefined): Binding {
  let n = call;
  while (n.parent && /^(parenthesized_expression|await|conditional_expression)$/.test(n.parent.type)) n = n.parent;
  let p = n.parent;
  if (!p) return { direct: { status: 'escapes', how: 'unknown' } };
  // with X(…) as p / async with X(…): / with closing(X(…)) as p
  let item: GNode | undefined;
  if (p.type === 'argument_list' && p.parent?.type === 'call' && isClosingWrapper(f, p.parent)) {
    const wrap = p.parent;
    const wp = wrap.parent;
    item = wp?.type === 'as_pattern' && wp.parent?.type === 'with_item' ? wp : wp?.type === 'with_item' ? wp : undefined;
    if (item) {
      const alias = item.type === 'as_pattern' ? fieldOf(item, 'alias') : undefined;
      return { ...(alias ? { name: text(f, alias) } : {}), direct: { status: 'closed', how: `with ${calleeText(f, wrap)}(…)` } };
    }
  }
  if (p.type === 'as_pattern' && p.parent?.type === 'with_item') item = p;
  else if (p.type === 'with_item') item = p;
  if (item) {
    const stmt = (item.type === 'as_pattern' ? item.parent : item)?.parent?.parent;
    const alias = item.type === 'as_pattern' ? fieldOf(item, 'alias') : undefined;
    return {
      ...(alias ? { name: text(f, alias) } : {}),
      direct: { status: 'closed', how: `${stmt && /^async\b/.test(text(f, stmt)) ? 'async with' : 'with'} ${calleeText(f, call)}(…)` },
    };
  }
  // p = q = X(…): the innermost assignment names it
  if (p.type === 'assignment' && fieldOf(p, 'right') === n) {
    const left = fieldOf(p, 'left')!;
    if (left.type === 'identifier') {
      const name = text(f, left);
      if (fn && declaredGlobal(f, fn, name)) return { storedIn: name, target: left, global: true };
      return { name, stmt: statementOf(p) };
    }
    if (left.type === 'attribute' || left.type === 'subscript') return { storedIn: text(f, left), target: left };
    return { direct: { status: 'escapes', how: `unpacked into ${text(f, left)}` } };
  }
  // if (p := Producer(…)) …: the walrus binds it for the rest of the function
  if (p.type === 'named_expression' && fieldOf(p, 'value') === n && fieldOf(p, 'name')) return { name: text(f, fieldOf(p, 'name')!), stmt: statementOf(p) };
  if (p.type === 'return_statement' || p.type === 'lambda') return { direct: { status: 'escapes', how: 'returned' } };
  if (p.type === 'expression_statement') return { direct: { status: 'discarded', how: 'the result is dropped' } };
  if (p.type === 'attribute' && fieldOf(p, 'object') === n) {
    const method = text(f, fieldOf(p, 'attribute') ?? p);
    return { direct: { status: 'discarded', how: `${method}(…) is called on it, but no reference is kept to close it` } };
  }
  if (p.type === 'keyword_argument') p = p.parent ?? p;
  if (p.type === 'argument_list' && p.parent?.type === 'call') {
    const target = storingTarget(f, p.parent);
    if (target) return { storedIn: text(f, target), target, accumulates: true };
  }
  return { direct: { status: 'escapes', how: describeEscape(f, n) } };
}

/** The methods that close a client of this library (a confluent Producer has close() since 2.13.0; flush() is asked for separately). */
function closersOf(ctor: PyCtor): Set<string> {
  return ctor.library === 'aiokafka' ? new Set(['stop', 'close']) : new Set(['close']);
}

/** Per-request proxies that look module-level: Flask's and Quart's g, request and session. */
const requestProxies = /^(flask|quart)\.(g|request|session)$/;

/** Module-level names: assigned at the top of the module (in its if/try blocks too), imported, or defined there. */
function moduleNames(f: PyFile, imports: PyImports): Set<string> {
  const out = new Set<string>();
  for (const [local, qualified] of imports.names) if (!requestProxies.test(qualified)) out.add(local);
  const visit = (n: GNode) => {
    for (const k of n.kids) {
      if (k.type === 'function_definition' || k.type === 'class_definition') {
        const name = fieldOf(k, 'name');
        if (name) out.add(text(f, name));
        continue;
      }
      if (k.type === 'assignment') {
        for (const id of findAll(fieldOf(k, 'left') ?? k, (x) => x.type === 'identifier' && x.parent?.type !== 'attribute' && x.parent?.type !== 'subscript'))
          out.add(text(f, id));
      }
      if (k.type === 'decorated_definition' || k.type === 'block' || /_statement$|_clause$/.test(k.type)) visit(k);
    }
  };
  visit(f.root);
  return out;
}

export function analyzePythonPackage(files: PyFile[]): PythonFacts {
  const facts: PythonFacts = { constructions: [], shutdown: [] };
  const imports = new Map(files.map((f) => [f, importsOf(f)]));
  const globals = new Map(files.map((f) => [f, moduleNames(f, imports.get(f)!)]));
  const funcs = files.flatMap((f) => collectFuncs(f));
  const byNode = new Map(funcs.map((fn) => [fn.node, fn]));
  const byShort = new Map<string, PyFunc[]>();
  for (const fn of funcs) byShort.set(fn.short, [...(byShort.get(fn.short) ?? []), fn]);
  const stems = new Set(files.map(stemOf));
  for (const fn of funcs) {
    const e = entryOf(fn.file, fn, imports.get(fn.file)!);
    if (e) fn.entry = e;
  }

  // registrations: add_url_rule("/x", view_func=f), add_api_route("/x", f), Route("/x", f), path("x/", views.f)
  for (const f of files)
    for (const call of findAll(f.root, (n) => n.type === 'call')) {
      const callee = calleeText(f, call);
      if (!registrationCallee.test(callee)) continue;
      const args = positionalArgs(call);
      const path = args.find((a) => a.type === 'string');
      if (!path) continue;
      const targets = [
        ...args.filter((a) => a !== path && (a.type === 'identifier' || a.type === 'attribute')),
        ...['view_func', 'endpoint', 'handler', 'view'].map((k) => keywordArg(f, call, k)).filter((x): x is GNode => !!x),
      ];
      for (const t of targets) {
        const name = lastName(f, t);
        for (const fn of (name && byShort.get(name)) || [])
          if (!fn.className && !fn.entry) fn.entry = { kind: 'request', entry: fn.name, how: `registered with ${callee}(${text(f, path)}, …)`, chain: [] };
      }
    }
  // a request handler class's __init__ runs per request too (http.server builds one handler per request)
  for (const fn of funcs) {
    if (fn.short !== '__init__' || fn.entry || !fn.className) continue;
    const sibling = funcs.find((x) => x.className === fn.className && x.entry?.kind === 'request');
    if (sibling) fn.entry = { kind: 'request', entry: fn.name, how: `${fn.className} is built per request (${sibling.entry!.how})`, chain: [] };
  }

  // consumers by name: what a per-message loop iterates or polls
  const consumerNames = new Set<string>();
  for (const f of files)
    for (const call of findAll(f.root, (n) => n.type === 'call')) {
      const found = ctorOf(f, call, imports.get(f)!, globals.get(f)!);
      if (found?.ctor.kind !== 'consumer') continue;
      const b = bindingOf(f, call, enclosingFunc(call, byNode));
      const name = b.name ?? lastName(f, b.target);
      if (name) consumerNames.add(name);
    }
  const consumerish = (f: PyFile, n: GNode | undefined) => {
    const name = lastName(f, n);
    return !!name && (consumerNames.has(name) || /consumer/i.test(name));
  };
  /** the per-message loop around `n` (inside its function): `for msg in consumer`, or a loop that polls one */
  const loopScope = (f: PyFile, n: GNode, fn: PyFunc | undefined): Scope | undefined => {
    let prev = n;
    for (let p = n.parent; p && p !== fn?.node; prev = p, p = p.parent) {
      if (p.type !== 'for_statement' && p.type !== 'while_statement') continue;
      if (fieldOf(p, 'body') !== prev) continue;
      const entry = fn?.name ?? '<module>';
      const right = p.type === 'for_statement' ? fieldOf(p, 'right') : undefined;
      if (right && consumerish(f, right)) return { kind: 'per-message', entry, how: `loop over ${text(f, right)}`, chain: [] };
      const polls = findAll(
        fieldOf(p, 'body') ?? p,
        (x) => x.type === 'call' && /\.(poll|consume|getone|getmany)$/.test(calleeText(f, x)) && consumerish(f, fieldOf(fieldOf(x, 'function')!, 'object')),
        isFunctionNode,
      );
      if (polls.length) return { kind: 'per-message', entry, how: `loop around ${calleeText(f, polls[0]!)}()`, chain: [] };
    }
    return undefined;
  };

  /**
   * The functions a call names: f(…) — defined in the caller's file (or nested in the caller), else imported from a
   * sibling module (from .helpers import f) — self.m(…) in the caller's class, module.f(…) of a sibling module.
   */
  const resolve = (caller: PyFunc | undefined, c: Call, file?: PyFile): PyFunc[] => {
    const f = caller?.file ?? file;
    const named = byShort.get(c.name) ?? [];
    if (c.method) return named.filter((x) => !!caller?.className && x.className === caller.className && x.file === caller.file);
    const plain = named.filter((x) => !x.className && (!x.outer || x.outer === caller));
    if (c.module) return plain.filter((x) => stemOf(x.file) === c.module);
    const local = plain.filter((x) => x.file === f);
    if (local.length || !f) return local;
    const imp = imports.get(f)!;
    const from = imp.names.get(c.name) ?? imp.relative.get(c.name);
    return from ? plain.filter((x) => from.replace(/^\.+/, '').endsWith(`${stemOf(x.file)}.${c.name}`)) : [];
  };
  const callsIn = (f: PyFile, body: GNode, caller: PyFunc | undefined) => {
    const out: PyFunc['calls'] = [];
    for (const call of findAll(body, (n) => n.type === 'call', isFunctionNode)) {
      const callee = fieldOf(call, 'function');
      let c: Call | undefined;
      if (callee?.type === 'identifier') c = { name: text(f, callee), method: false };
      else if (callee?.type === 'attribute') {
        const obj = fieldOf(callee, 'object');
        const attr = text(f, fieldOf(callee, 'attribute') ?? callee);
        const objText = obj ? text(f, obj) : '';
        if (objText === 'self' || objText === 'cls') c = { name: attr, method: true };
        else if (obj?.type === 'identifier' && stems.has(objText)) c = { name: attr, method: false, module: objText };
      }
      if (!c || !resolve(caller, c, f).length) continue;
      const inLoop = loopScope(f, call, caller);
      out.push({ ...c, node: call, ...(inLoop ? { inLoop } : {}) });
    }
    return out;
  };
  for (const fn of funcs) if (fn.body) fn.calls = callsIn(fn.file, fn.body, fn);
  const callees = (caller: PyFunc) => caller.calls.flatMap((c) => resolve(caller, c));

  /** an entry, or a def nested in one (a callback runs in the request that defines it) */
  const scopeOf1 = (fn: PyFunc): Scope | undefined => {
    for (let x: PyFunc | undefined = fn; x; x = x.outer) if (x.entry) return x.entry;
    return undefined;
  };
  const scopeOf = (fn: PyFunc): Scope | undefined => {
    const own = scopeOf1(fn);
    if (own) return { ...own, chain: [] };
    for (const caller of funcs) {
      for (const c of caller.calls) {
        if (!resolve(caller, c).includes(fn)) continue;
        const direct = c.inLoop ?? scopeOf1(caller);
        if (direct) return { ...direct, chain: [direct.entry, fn.name] };
        for (const top of funcs) {
          const c2 = top.calls.find((x) => resolve(top, x).includes(caller));
          const s = c2 && (c2.inLoop ?? scopeOf1(top));
          if (s) return { ...s, chain: [s.entry, caller.name, fn.name] };
        }
      }
    }
    return undefined;
  };

  // the program's entry: the `if __name__ == "__main__":` block, and the functions it calls (two deep)
  const mainFuncs = new Set<PyFunc>();
  for (const f of files)
    for (const block of f.root.kids.filter(
      (k) => k.type === 'if_statement' && /__name__\s*==\s*["']__main__["']/.test(text(f, fieldOf(k, 'condition') ?? k)),
    )) {
      for (const c of callsIn(f, block, undefined)) for (const m of resolve(undefined, c, f)) mainFuncs.add(m);
    }
  for (const m of [...mainFuncs]) for (const h of callees(m)) mainFuncs.add(h);
  const inMainBlock = (f: PyFile, n: GNode) => {
    for (let p = n.parent; p; p = p.parent)
      if (p.type === 'if_statement' && p.parent === f.root && /__name__\s*==/.test(text(f, fieldOf(p, 'condition') ?? p))) return true;
    return false;
  };

  /** Is the target's base a module-level name here (not a local or parameter of the function)? */
  const moduleLevel = (f: PyFile, fn: PyFunc | undefined, target: GNode | undefined, global: boolean | undefined): boolean => {
    if (global) return true;
    const base = baseName(f, target);
    if (!base || base === 'self' || base === 'cls' || !globals.get(f)!.has(base)) return false;
    if (!fn) return true;
    if (fn.params.includes(base)) return false;
    if (declaredGlobal(f, fn, base)) return true;
    // assigned in the function without `global`: a local of the same name
    return !findAll(
      fn.body ?? fn.node,
      (x) => x.type === 'assignment' && fieldOf(x, 'left')?.type === 'identifier' && text(f, fieldOf(x, 'left')!) === base,
      isFunctionNode,
    ).length;
  };

  /** where a local is kept for good, wherever in the function (flow-insensitive): a module-level list, dict, attribute or global */
  const keptIn = (f: PyFile, fn: PyFunc | undefined, name: string): Kept | undefined => {
    if (!fn?.body) return undefined;
    for (const id of findAll(fn.body, (x) => x.type === 'identifier' && text(f, x) === name, isFunctionNode)) {
      const p = id.parent;
      if (p?.type === 'argument_list' && p.parent?.type === 'call') {
        const target = storingTarget(f, p.parent);
        if (target && moduleLevel(f, fn, target, false)) return { target: text(f, target), node: target, accumulates: true };
      }
      if (p?.type === 'assignment' && fieldOf(p, 'right') === id) {
        const left = fieldOf(p, 'left')!;
        if (left.type === 'identifier' && declaredGlobal(f, fn, text(f, left))) return { target: text(f, left), node: left, global: true, accumulates: false };
        if ((left.type === 'attribute' || left.type === 'subscript') && moduleLevel(f, fn, left, false))
          return { target: text(f, left), node: left, accumulates: accumulates(left) };
      }
    }
    return undefined;
  };

  /** A guard that makes a stored construction a lazy singleton: `if _producer is None`, `if key not in producers`. */
  const singletonGuard = (f: PyFile, call: GNode, fn: PyFunc | undefined, target: GNode | undefined): string | undefined => {
    const base = baseName(f, target);
    if (base) {
      const re = new RegExp(
        `\\b${escapeRe(base)}\\b[\\s\\S]*\\bis\\s+None\\b|\\bnot\\s+(?:\\w+\\s+in\\s+)?${escapeRe(base)}\\b|\\bnot\\s+in\\s+${escapeRe(base)}\\b|\\b${escapeRe(base)}\\b[\\s\\S]*(\\.get\\(|==\\s*None)|hasattr\\(`,
      );
      for (let p = call.parent; p && p !== fn?.node; p = p.parent) {
        if (p.type !== 'if_statement' && p.type !== 'elif_clause') continue;
        const cond = fieldOf(p, 'condition');
        if (cond && re.test(text(f, cond))) return `built only when ${text(f, cond)}`;
      }
    }
    if (fn?.short === '__init__' && !fn.entry && baseName(f, target) === 'self') return 'built in __init__, once per instance';
    return undefined;
  };

  /** What becomes of a client bound as `b` in `fn` (or at module level), by its library's lifecycle. */
  const fateFor = (f: PyFile, fn: PyFunc | undefined, b: Binding, ctor: PyCtor): { fate: Fate; kept?: Kept } => {
    const closers = closersOf(ctor);
    const lent = !!fn?.decorators.some((d) => /(^|\.)a?syncontextmanager$|(^|\.)contextmanager$/.test(decoratorName(f, d)));
    if (b.direct) return { fate: b.direct.status === 'discarded' ? dropped(f, fn, ctor, b.direct, undefined, undefined) : b.direct };
    if (b.storedIn) {
      const kept: Kept | undefined = moduleLevel(f, fn, b.target, b.global)
        ? { target: b.storedIn, node: b.target!, ...(b.global ? { global: true } : {}), accumulates: b.accumulates ?? accumulates(b.target!) }
        : undefined;
      return { fate: { status: 'escapes', how: `stored in ${b.storedIn}` }, ...(kept ? { kept } : {}) };
    }
    if (!b.name || !b.stmt) return { fate: { status: 'escapes', how: 'unknown' } };
    const levels = enclosingLists(b.stmt);
    if (!levels.length) return { fate: { status: 'escapes', how: 'unknown' } };
    const flow = pyFlow(f, { closers, moduleLevel: !fn, lent });
    const fate = closedFate(fateOf(flow, levels, b.name, undefined, false));
    if (fate.status === 'closed') return { fate };
    const flushed =
      ctor.library === 'confluent-kafka-python' && ctor.kind === 'producer'
        ? closedFate(fateOf(pyFlow(f, { closers: new Set([...closers, 'flush']), lent, moduleLevel: !fn }), levels, b.name, undefined, false))
        : undefined;
    if (!fn) return { fate: flushed?.status === 'closed' ? flushed : { status: 'escapes', how: 'a module-level variable: kept until the process exits' } };
    const kept = keptIn(f, fn, b.name);
    if (kept) return { fate: { status: 'escapes', how: `stored in ${kept.target}` }, kept };
    if (fate.status === 'escapes') return { fate };
    return { fate: dropped(f, fn, ctor, fate, b.name, flushed) };
  };

  /** a client no reference is kept to on some path: freed (confluent-kafka, kafka-python's producer) or kept running by its own threads or tasks */
  const dropped = (f: PyFile, fn: PyFunc | undefined, ctor: PyCtor, fate: Fate, name: string | undefined, flushed: Fate | undefined): Fate => {
    const leaves = fate.leakLine ? ` on the path that leaves at line ${fate.leakLine}` : '';
    if (ctor.dropped === 'freed') {
      if (ctor.library === 'kafka-python') return { status: 'closed', how: `dropped${leaves}: KafkaProducer.__del__ closes it` };
      if (ctor.kind === 'producer')
        return flushed?.status === 'closed'
          ? { status: 'closed', how: `${flushed.how}, then dropped: reference counting frees it` }
          : { status: 'closed', how: `dropped without flush()${leaves}: reference counting frees it, and what it still buffers is lost` };
      return {
        status: 'closed',
        how: `dropped without close()${leaves}: reference counting frees it${ctor.kind === 'consumer' ? ', without leaving its group' : ''}`,
      };
    }
    if (ctor.dropped === 'started') {
      const started =
        fate.status === 'discarded'
          ? /^start\(/.test(fate.how ?? '')
          : !!name && !!fn?.body && new RegExp(`\\b${escapeRe(name)}\\s*\\.\\s*start\\s*\\(`).test(text(f, fn.body));
      if (!started) return { status: 'closed', how: `never started${leaves}: it holds no connection` };
      const tasks = ctor.kind === 'consumer' ? 'its fetch and heartbeat tasks keep' : ctor.kind === 'producer' ? 'its sender task keeps' : 'its tasks keep';
      return { ...fate, reason: `starts it${name ? ` (${name}.start())` : ''} and does not stop it${leaves} (${tasks} it running)` };
    }
    return fate;
  };

  /** a client stored at module level in a request: added each time, it stays; overwritten, the one before is dropped (freed or kept alive by its own threads) */
  const keptPerRequest = (f: PyFile, fn: PyFunc | undefined, ctor: PyCtor, kept: Kept, fate: Fate): Fate => {
    if (kept.accumulates)
      return { status: 'leaks', how: `kept in ${kept.target}`, reason: `keeps it in ${kept.target}, which outlives the request and never closes it` };
    if (ctor.dropped === 'freed')
      return { status: 'closed', how: `stored in ${kept.target}, which the next request overwrites: the one before is freed by reference counting` };
    if (ctor.dropped === 'started' && !(fn?.body && /\.start\s*\(/.test(text(f, fn.body)))) return { ...fate, status: 'escapes' };
    const alive = ctor.dropped === 'started' ? 'its tasks keep' : 'its own threads keep';
    return {
      status: 'leaks',
      how: `kept in ${kept.target}`,
      reason: `keeps it in ${kept.target}, which the next request overwrites without closing it (${alive} the one before running)`,
    };
  };

  const held = new Map<Construction, PyHeld>();
  for (const f of files) {
    const imp = imports.get(f)!;
    const site = (n: GNode, fn: PyFunc | undefined, library: Library): Site => ({
      file: f.path,
      line: n.line,
      column: n.column,
      function: fn?.name ?? '<module>',
      snippet: lineText(f, n.line),
      language: 'python',
      library,
    });
    for (const call of findAll(f.root, (n) => n.type === 'call')) {
      const found = ctorOf(f, call, imp, globals.get(f)!);
      if (!found) continue;
      const { ctor, callee } = found;
      const fn = enclosingFunc(call, byNode);
      const b = bindingOf(f, call, fn);
      const { fate, kept } = fateFor(f, fn, b, ctor);
      const scope = loopScope(f, call, fn) ?? (fn ? scopeOf(fn) : undefined);
      const inMain = fn ? mainFuncs.has(fn) : inMainBlock(f, call);
      const c: Construction = {
        ...site(call, fn, ctor.library),
        kind: ctor.kind,
        callee,
        ...(b.name ? { binding: b.name } : {}),
        fate,
        ...(inMain ? { inMain: true } : {}),
      };
      const guard = b.target || kept ? singletonGuard(f, call, fn, b.target ?? kept?.node) : undefined;
      if (guard) c.singleton = guard;
      if (fn?.decorators.some((d) => cacheDecorators.test(decoratorName(f, d))) && fate.how === 'returned')
        c.singleton = `built once: ${fn.short}() is cached by @${decoratorName(
          f,
          fn.decorators.find((d) => cacheDecorators.test(decoratorName(f, d)))!,
        )}`;
      if (scope) {
        c.scope = scope;
        // a helper that returns what it builds: its fate is decided where the caller keeps it
        if (fate.status === 'escapes' && fate.how === 'returned' && scope.chain.length >= 2) {
          const callerFn = funcs.find((x) => x.name === scope.chain[scope.chain.length - 2]);
          const callSite = callerFn?.calls.find((x) => resolve(callerFn, x).some((h) => h.name === scope.chain[scope.chain.length - 1]));
          if (callerFn && callSite) {
            const there = fateFor(callerFn.file, callerFn, bindingOf(callerFn.file, callSite.node, callerFn), ctor);
            c.fate = { ...there.fate, how: `returned to ${callerFn.name}; there ${there.fate.how ?? there.fate.status}` };
            if (there.kept && !c.singleton) c.fate = keptPerRequest(callerFn.file, callerFn, ctor, there.kept, c.fate);
          }
        } else if (kept && !c.singleton) c.fate = keptPerRequest(f, fn, ctor, kept, fate);
      }
      held.set(c, {
        ...(b.name ? { name: b.name } : {}),
        ...(kept ? { stored: lastName(f, kept.node) ?? kept.target, moduleLevel: true } : {}),
        ...(b.storedIn && !kept ? { stored: lastName(f, b.target) ?? b.storedIn, moduleLevel: false } : {}),
        fn,
      });
      facts.constructions.push(c);
    }
  }
  facts.shutdown.push(
    ...pythonShutdownGaps(files, funcs, held, {
      resolve,
      byMethod: (file, name) => funcs.filter((x) => x.file === file && !!x.className && x.short === name),
      consumerish,
      mainFuncs,
    }),
  );
  return facts;
}
