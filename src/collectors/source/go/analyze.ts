// The Go half of the scan: one package (a directory's non-test files) at a time. Library calls are
// resolved through each file's imports (renamed imports included); request scopes come from handler
// signatures and registrations, per-message scopes from Sarama's ConsumeClaim, franz-go's record
// callbacks and poll loops; helpers are followed two calls deep inside the package.
import type { Library } from '../../../types.js';
import { fateOf, type Enclosing, type FlowLanguage, type Stmt, type Use } from '../flow.js';
import {
  shutdownGap,
  type ClientKind,
  type Construction,
  type Fate,
  type MessageResend,
  type RecordStore,
  type Scope,
  type ShutdownGap,
  type Site,
} from '../types.js';
import { fieldOf, findAll, type GNode } from './tree.js';

export interface GoFile {
  path: string;
  source: string;
  root: GNode;
}

interface Ctor {
  library: Library;
  kind: ClientKind;
  /** New…FromClient: wraps a client it does not close (except the cluster admin, which does) */
  fromClient?: 'keeps-open' | 'closes';
}

const sarama: Record<string, Ctor> = {
  NewClient: { library: 'sarama', kind: 'client' },
  NewSyncProducer: { library: 'sarama', kind: 'producer' },
  NewAsyncProducer: { library: 'sarama', kind: 'producer' },
  NewConsumer: { library: 'sarama', kind: 'consumer' },
  NewConsumerGroup: { library: 'sarama', kind: 'consumer' },
  NewClusterAdmin: { library: 'sarama', kind: 'admin' },
  NewSyncProducerFromClient: { library: 'sarama', kind: 'producer', fromClient: 'keeps-open' },
  NewAsyncProducerFromClient: { library: 'sarama', kind: 'producer', fromClient: 'keeps-open' },
  NewConsumerFromClient: { library: 'sarama', kind: 'consumer', fromClient: 'keeps-open' },
  NewConsumerGroupFromClient: { library: 'sarama', kind: 'consumer', fromClient: 'keeps-open' },
  NewOffsetManagerFromClient: { library: 'sarama', kind: 'consumer', fromClient: 'keeps-open' },
  NewClusterAdminFromClient: { library: 'sarama', kind: 'admin', fromClient: 'closes' },
};

/** Constructors by import path (noctx's table shape). */
export const goConstructors: Record<string, Record<string, Ctor>> = {
  'github.com/IBM/sarama': sarama,
  'github.com/Shopify/sarama': sarama,
  'github.com/twmb/franz-go/pkg/kgo': { NewClient: { library: 'franz-go', kind: 'client' } },
  'github.com/segmentio/kafka-go': {
    NewWriter: { library: 'kafka-go', kind: 'producer' },
    NewReader: { library: 'kafka-go', kind: 'consumer' },
    Dial: { library: 'kafka-go', kind: 'connection' },
    DialContext: { library: 'kafka-go', kind: 'connection' },
    DialLeader: { library: 'kafka-go', kind: 'connection' },
    DialPartition: { library: 'kafka-go', kind: 'connection' },
  },
  'github.com/confluentinc/confluent-kafka-go/kafka': {
    NewProducer: { library: 'confluent-kafka-go', kind: 'producer' },
    NewConsumer: { library: 'confluent-kafka-go', kind: 'consumer' },
    NewAdminClient: { library: 'confluent-kafka-go', kind: 'admin' },
  },
};
goConstructors['github.com/confluentinc/confluent-kafka-go/v2/kafka'] = goConstructors['github.com/confluentinc/confluent-kafka-go/kafka']!;
/** kafka-go's Writer is also built as a composite literal: &kafka.Writer{…} */
const literalCtors: Record<string, Record<string, Ctor>> = {
  'github.com/segmentio/kafka-go': { Writer: { library: 'kafka-go', kind: 'producer' } },
};

export const kafkaImportPaths = Object.keys(goConstructors);
const closeMethods = new Set(['Close', 'AsyncClose', 'CloseClient', 'Shutdown']);
const terminators = /^(panic|os\.Exit|log\.(Fatal|Fatalf|Fatalln|Panic|Panicf|Panicln)|\w+\.(Fatal|Fatalf|Fatalw|Fatalln))$/;
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

const text = (f: GoFile, n: GNode) => f.source.slice(n.start, n.end);
const lineText = (f: GoFile, line: number) => (f.source.split('\n', line)[line - 1] ?? '').trim();

interface Func {
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

export interface GoFacts {
  constructions: Construction[];
  stores: RecordStore[];
  resends: MessageResend[];
  shutdown: ShutdownGap[];
}

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

function defaultName(path: string): string {
  const parts = path.split('/');
  let last = parts[parts.length - 1]!;
  if (/^v\d+$/.test(last) && parts.length > 1) last = parts[parts.length - 2]!;
  if (path === 'github.com/segmentio/kafka-go') return 'kafka';
  return last.replace(/^go-/, '').replace(/[-.]go$/, '');
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

// ---- the flow language for Go ----

function goFlow(f: GoFile): FlowLanguage<GNode> {
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

function describeEscape(f: GoFile, n: GNode, name: string): string {
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

/** Guards that make a stored construction a lazy singleton: sync.Once, `if x == nil`. */
function singletonGuard(f: GoFile, call: GNode, storedIn: string): string | undefined {
  for (let p = call.parent; p; p = p.parent) {
    if (p.type === 'if_statement') {
      const cond = fieldOf(p, 'condition');
      if (
        cond &&
        new RegExp(`${storedIn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*==\\s*nil|!\\s*ok\\b|!\\s*exists\\b|\\bok\\s*==\\s*false`).test(text(f, cond))
      )
        return `built only when ${text(f, cond)}`;
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
          }
        }
      }
      const stored = b.storedIn ?? (fate.status === 'escapes' && /^stored in /.test(fate.how ?? '') ? fate.how!.slice(10) : undefined);
      if (stored) {
        const guard = singletonGuard(f, call, stored);
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

/** Variables holding a consumed record in `fn`, with the library. */
function messageVars(f: GoFile, fn: Func, imp: Map<string, string>): Map<string, Library> {
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
function keptRecordPart(f: GoFile, expr: GNode, vars: Map<string, Library>): string | undefined {
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
function recordStore(f: GoFile, fn: Func, n: GNode, vars: Map<string, Library>): { at: GNode; value: string; into: string } | undefined {
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

const isInside = (n: GNode, ancestor: GNode) => {
  for (let p: GNode | undefined = n; p; p = p.parent) if (p === ancestor) return true;
  return false;
};

function resendsIn(f: GoFile, fn: Func, site: (n: GNode, fn: Func, library: Library) => Site): MessageResend[] {
  const out: MessageResend[] = [];
  const sends = findAll(
    fn.body!,
    (n) => {
      if (n.type === 'call_expression') {
        const callee = fieldOf(n, 'function');
        return callee?.type === 'selector_expression' && text(f, callee.kids[1]!) === 'SendMessage';
      }
      return n.type === 'send_statement' && /\.Input\(\)$/.test(text(f, n.kids[0]!));
    },
    (n) => n.type === 'func_literal',
  );
  for (const lit of findAll(
    fn.body!,
    (n) => n.type === 'composite_literal' && /ProducerMessage/.test(text(f, fieldOf(n, 'type') ?? n)),
    (n) => n.type === 'func_literal',
  )) {
    const elements = findAll(lit, (n) => n.type === 'literal_element' && n.kids[0]?.type === 'identifier' && n.parent?.parent === lit).map((n) =>
      text(f, n.kids[0]!),
    );
    const twice = elements.find((e, i) => elements.indexOf(e) !== i);
    if (twice) out.push({ ...site(lit, fn, 'sarama'), message: twice, how: 'listed-twice', firstLine: lit.line });
  }
  const seen = new Map<string, { producer: string; line: number }>();
  for (const s of sends) {
    const isCall = s.type === 'call_expression';
    const msgNode = isCall ? fieldOf(s, 'arguments')?.kids[0] : s.kids[1];
    if (msgNode?.type !== 'identifier') continue;
    const msg = text(f, msgNode);
    const producer = isCall ? text(f, fieldOf(s, 'function')!.kids[0]!) : text(f, s.kids[0]!).replace(/\.Input\(\)$/, '');
    const first = seen.get(msg);
    if (first && first.producer !== producer) {
      out.push({ ...site(s, fn, 'sarama'), message: msg, how: 'two-producers', firstLine: first.line });
      continue;
    }
    seen.set(msg, { producer, line: s.line });
    // re-sent in a retry loop: the message is built outside the loop that sends it
    for (let p = s.parent; p && p !== fn.body; p = p.parent) {
      if (p.type !== 'for_statement') continue;
      if (p.kids.some((k) => k.field !== 'body' && findAll(k, (x) => x.type === 'identifier' && text(f, x) === msg).length)) break;
      const body = fieldOf(p, 'body');
      const rebuilt =
        body &&
        findAll(
          body,
          (x) =>
            (x.type === 'short_var_declaration' || x.type === 'assignment_statement') &&
            text(f, fieldOf(x, 'left') ?? x)
              .split(/\s*,\s*/)
              .includes(msg),
        ).length;
      // a retry loop: it leaves on success, or goes round again on an error (a throughput loop that resends on success is not one)
      const retries = body && /err\s*==\s*nil\s*\{\s*(?:\/\/[^\n]*\n\s*)*(break|return)\b|err\s*!=\s*nil\s*\{[^}]*\bcontinue\b/.test(text(f, body));
      if (!rebuilt && retries) out.push({ ...site(s, fn, 'sarama'), message: msg, how: 'retry', firstLine: s.line });
      break;
    }
  }
  return out;
}

function shutdownGaps(files: GoFile[], imports: Map<GoFile, Map<string, string>>, main: Func, constructions: Construction[]): ShutdownGap[] {
  const gaps: ShutdownGap[] = [];
  const all = files.map((f) => f.source).join('\n');
  const signals = /\bsignal\.(Notify|NotifyContext)\s*\(/.test(all) || /\bfx\.New\s*\(/.test(all);
  // only a program that runs until it is stopped needs a SIGTERM path: one that serves, or loops forever
  // only a program that runs until it is stopped needs a SIGTERM path: one that serves, blocks forever, loops
  // forever in main, or polls a consumer in an endless loop (a tool that runs to completion closes on return)
  const serves = files.some((f) => /\b(ListenAndServe|ListenAndServeTLS|Serve|ServeTLS)\s*\(|\bselect\s*\{\s*\}/.test(f.source));
  const endless = (n: GNode) => n.type === 'for_statement' && n.kids.every((k) => k.field === 'body');
  const mainLoops = !!main.body && findAll(main.body, endless, (n) => n.type === 'func_literal').length > 0;
  const pollLoops = files.some(
    (f) => findAll(f.root, (n) => endless(n) && /\.(Consume|PollFetches|PollRecords|ReadMessage|FetchMessage|Poll)\(/.test(text(f, n))).length > 0,
  );
  if (!serves && !mainLoops && !pollLoops && !signals) return gaps;
  const built = constructions.filter((c) => c.inMain && !c.scope && (c.kind === 'producer' || c.kind === 'consumer' || c.kind === 'client'));
  for (const c of built) {
    if (!signals) {
      gaps.push(
        shutdownGap(c, 'no-signal-handler', `${main.name} has no signal.Notify or signal.NotifyContext: on SIGTERM the process dies without closing it`),
      );
      continue;
    }
    if (c.fate.status === 'leaks' || c.fate.status === 'discarded') {
      gaps.push(shutdownGap(c, 'not-closed', `${c.binding ?? 'it'} is never closed on the way out of ${main.name}`));
      continue;
    }
    if (c.library === 'franz-go' && c.binding) {
      const f = files.find((x) => x.path === c.file)!;
      // ProduceSync waits for its acks: only the buffered Produce/TryProduce lose records on Close
      const uses = new RegExp(`\\b${c.binding}\\.(Produce|TryProduce)\\s*\\(`).test(f.source);
      const flush = new RegExp(`\\b${c.binding}\\.Flush\\(`).test(f.source);
      if (uses && !flush && c.fate.status === 'closed')
        gaps.push(shutdownGap(c, 'close-without-flush', `${c.binding}.Close() does not flush: records still buffered are failed with ErrClientClosed`));
    }
    void imports;
  }
  return gaps;
}
