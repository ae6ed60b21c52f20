// The JS/TS half of the scan: oxc-parser's ESTree, one file at a time, with the repository's own
// re-exports of a Kafka instance resolved between files. Request scopes: Express/Koa/Fastify route
// registrations, http.createServer, NestJS route decorators, Next.js route exports; per-message:
// kafkajs eachMessage/eachBatch. Helpers are followed two calls deep inside the file.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-redundant-type-constituents -- the ESTree nodes are untyped (JNode) */
import { posix } from 'node:path';
import type { Library } from '../../../types.js';
import { fateOf, type Enclosing, type FlowLanguage, type Stmt, type Use } from '../flow.js';
import { runsInBackground, type ClientKind, type Construction, type Fate, type RecordStore, type Scope, type Site } from '../types.js';

// ESTree from oxc, walked generically by node type: the analysis reads fields by name, as ESLint rules do
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type JNode = any;

export interface JsFile {
  path: string;
  source: string;
  program: JNode;
  /** line start offsets, for 1-based line and column */
  lines: number[];
}

export interface JsFacts {
  constructions: Construction[];
  stores: RecordStore[];
  /** per file: its SIGTERM/SIGINT handlers (what they disconnect, whether they exit first) and its disconnects */
  signals: JsSignal[];
}

/**
 * A shutdown fact of one file: a signal handler or framework shutdown hook (`handles`), or (`handles: false`) the
 * file's disconnect()/close()/stop() calls, each with whether it runs on a normal or shutdown path or only on an error.
 */
export interface JsSignal {
  file: string;
  handles: boolean;
  /** the handler's line */
  line?: number;
  /** SIGTERM, SIGINT: what the handler is installed for */
  signals?: string[];
  /** what the handler disconnects or closes, as written (consumer, this.producer); '*' a shutdown call kleak cannot follow */
  closes?: string[];
  /** the line of a process.exit the handler reaches before disconnecting anything */
  exitsFirst?: number;
  /** that process.exit is in another module, reached through these functions (the TypeScript program's finding) */
  exitIn?: string;
  disconnects?: { name: string; line: number; normal: boolean; lifecycle?: string }[];
  /** NestJS's app.enableShutdownHooks(): its lifecycle hooks (onModuleDestroy…) run on SIGTERM */
  nestHooks?: boolean;
}

const kafkaModules: Record<string, Library> = {
  kafkajs: 'kafkajs',
  '@confluentinc/kafka-javascript': 'confluent-kafka-javascript',
  'node-rdkafka': 'node-rdkafka',
};
const clientFactories: Record<string, ClientKind> = { producer: 'producer', consumer: 'consumer', admin: 'admin' };
const rdkafkaClasses: Record<string, ClientKind> = { Producer: 'producer', HighLevelProducer: 'producer', KafkaConsumer: 'consumer' };
const closeMethods = new Set(['disconnect', 'close', 'stop']);

const httpVerbs = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'head', 'options', 'use']);
const routeDecorators = new Set(['Get', 'Post', 'Put', 'Patch', 'Delete', 'All', 'Head', 'Options']);
const messageDecorators = new Set(['MessagePattern', 'EventPattern']);

export function lineStarts(source: string): number[] {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function position(f: JsFile, offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = f.lines.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (f.lines[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - f.lines[lo]! + 1 };
}

const isNode = (x: unknown): x is JNode => !!x && typeof x === 'object' && typeof (x as { type?: unknown }).type === 'string';

/** Per node type, the keys that can hold child nodes (oxc gives every node of a type the same keys). */
const childKeys = new Map<string, string[]>();
function keysOf(node: JNode): string[] {
  let keys = childKeys.get(node.type);
  if (!keys) {
    keys = Object.keys(node).filter((k) => k !== 'parent' && (node[k] === null || typeof node[k] === 'object'));
    childKeys.set(node.type, keys);
  }
  return keys;
}

/** Visits every node with its parent; `enter` returning false skips the node's children. */
export function walk(node: JNode, enter: (n: JNode, parent: JNode | undefined) => boolean | void, parent?: JNode): void {
  if (enter(node, parent) === false) return;
  for (const key of keysOf(node)) {
    const v = node[key];
    if (v === null || v === undefined) continue;
    if (Array.isArray(v)) {
      for (const x of v) if (isNode(x)) walk(x, enter, node);
    } else if (isNode(v)) walk(v, enter, node);
  }
}

const isFunction = (n: JNode) => n && (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression');
const propName = (n: JNode): string | undefined =>
  n?.type === 'Identifier' ? n.name : n?.type === 'Literal' && typeof n.value === 'string' ? n.value : undefined;
const unwrap = (n: JNode): JNode => {
  let x = n;
  while (
    x &&
    (x.type === 'AwaitExpression' ||
      x.type === 'ChainExpression' ||
      x.type === 'TSAsExpression' ||
      x.type === 'TSNonNullExpression' ||
      x.type === 'ParenthesizedExpression')
  )
    x = x.expression ?? x.argument;
  return x;
};

/** The Kafka names a file binds: classes (Kafka), namespaces (kafkajs.*), instances (const kafka = new Kafka()). */
interface Names {
  classes: Map<string, Library>;
  namespaces: Map<string, Library>;
  instances: Map<string, Library>;
  /** this.kafka = new Kafka(): instance properties */
  props: Map<string, Library>;
  /** the file imports a Kafka library or a module of the repository that exports an instance */
  kafkaAware?: Library;
}

function requireOf(n: JNode): string | undefined {
  const x = unwrap(n);
  if (x?.type === 'CallExpression' && x.callee?.type === 'Identifier' && x.callee.name === 'require' && x.arguments[0]?.type === 'Literal')
    return String(x.arguments[0].value);
  if (x?.type === 'MemberExpression') return requireOf(x.object);
  return undefined;
}

function resolveModule(fromFile: string, spec: string, known: Set<string>): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = posix.normalize(posix.join(posix.dirname(fromFile), spec));
  // TypeScript sources import './x.js' and mean x.ts
  const stem = base.replace(/\.(js|mjs|cjs|jsx)$/, '');
  const candidates = [base, ...['.js', '.ts', '.mjs', '.cjs', '.jsx', '.tsx'].map((e) => stem + e), `${base}/index.js`, `${base}/index.ts`];
  return candidates.find((c) => known.has(c));
}

/** What one walk of a file finds for naming: its imports (module, imported name, local name) and its `new X(…)`. */
interface Bindings {
  imports: { spec: string; imported: string | undefined; local: string }[];
  news: { node: JNode; parent: JNode | undefined }[];
}
const bindingsCache = new WeakMap<JsFile, Bindings>();

function bindingsOf(f: JsFile): Bindings {
  const cached = bindingsCache.get(f);
  if (cached) return cached;
  const b: Bindings = { imports: [], news: [] };
  walk(f.program, (n, parent) => {
    if (n.type === 'ImportDeclaration') {
      for (const s of n.specifiers ?? []) {
        if (s.type === 'ImportSpecifier') b.imports.push({ spec: n.source.value, imported: propName(s.imported), local: s.local.name });
        else if (s.type === 'ImportDefaultSpecifier') b.imports.push({ spec: n.source.value, imported: 'default', local: s.local.name });
        else b.imports.push({ spec: n.source.value, imported: undefined, local: s.local.name });
      }
      return false;
    }
    if (n.type === 'NewExpression') b.news.push({ node: n, parent });
    if (n.type === 'VariableDeclarator' && n.init) {
      const spec = requireOf(n.init);
      if (spec === undefined) return;
      const member = unwrap(n.init).type === 'MemberExpression' ? propName(unwrap(n.init).property) : undefined;
      if (n.id.type === 'Identifier') b.imports.push({ spec, imported: member, local: n.id.name });
      else if (n.id.type === 'ObjectPattern')
        for (const p of n.id.properties)
          if (p.type === 'Property' && p.value.type === 'Identifier') b.imports.push({ spec, imported: propName(p.key) ?? p.value.name, local: p.value.name });
    }
  });
  bindingsCache.set(f, b);
  return b;
}

/** Names of a file's imports from Kafka libraries and of the repository's modules exporting an instance. */
function namesOf(f: JsFile, exported: Map<string, Map<string, Library>>, known: Set<string>): Names {
  const names: Names = { classes: new Map(), namespaces: new Map(), instances: new Map(), props: new Map() };
  const { imports, news } = bindingsOf(f);
  for (const { spec, imported, local } of imports) {
    const lib = kafkaModules[spec.replace(/\/.*$/, '')] ?? kafkaModules[spec];
    if (lib) {
      names.kafkaAware = lib;
      if (imported === undefined) names.namespaces.set(local, lib);
      else names.classes.set(local, lib);
      continue;
    }
    const target = resolveModule(f.path, spec, known);
    const exports = target ? exported.get(target) : undefined;
    if (!exports?.size) continue;
    const instance = imported === undefined ? exports.get('default') : exports.get(imported);
    if (instance) {
      names.instances.set(local, instance);
      names.kafkaAware ??= instance;
    } else if (imported === undefined) names.kafkaAware ??= [...exports.values()][0];
  }
  // instances: new Kafka(…), new ns.Kafka(…)
  for (const { node: n, parent } of news) {
    const lib = kafkaClassOf(names, n.callee);
    if (!lib || lib === 'node-rdkafka') continue;
    if (parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier') names.instances.set(parent.id.name, lib);
    if (parent?.type === 'AssignmentExpression' && parent.left.type === 'MemberExpression') {
      const p = propName(parent.left.property);
      if (p) names.props.set(p, lib);
    }
    if (parent?.type === 'AssignmentExpression' && parent.left.type === 'Identifier') names.instances.set(parent.left.name, lib);
    if (parent?.type === 'PropertyDefinition') {
      const p = propName(parent.key);
      if (p) names.props.set(p, lib);
    }
  }
  return names;
}

function kafkaClassOf(names: Names, callee: JNode): Library | undefined {
  if (callee?.type === 'Identifier') return names.classes.get(callee.name);
  if (callee?.type === 'MemberExpression') {
    const root = callee.object?.type === 'Identifier' ? callee.object.name : undefined;
    if (root && names.namespaces.has(root)) return names.namespaces.get(root);
    if (root && names.classes.has(root)) return names.classes.get(root);
    if (callee.object?.type === 'MemberExpression') return kafkaClassOf(names, callee.object);
  }
  return undefined;
}

/** Instances a module exports (export const kafka = new Kafka(); module.exports = { kafka }), by export name. */
export function exportsOf(f: JsFile): Map<string, Library> {
  const names = namesOf(f, new Map(), new Set());
  const out = new Map<string, Library>();
  // exports are top-level statements: export const …, export { … }, export default …, module.exports = …
  for (const statement of f.program.body) {
    const n = statement.type === 'ExpressionStatement' ? statement.expression : statement;
    if (n.type === 'ExportNamedDeclaration' && n.declaration?.type === 'VariableDeclaration') {
      for (const d of n.declaration.declarations)
        if (d.id.type === 'Identifier' && names.instances.has(d.id.name)) out.set(d.id.name, names.instances.get(d.id.name)!);
    }
    if (n.type === 'ExportNamedDeclaration' && !n.declaration)
      for (const s of n.specifiers ?? []) {
        const local = propName(s.local);
        if (local && names.instances.has(local)) out.set(propName(s.exported) ?? local, names.instances.get(local)!);
      }
    if (n.type === 'ExportDefaultDeclaration' && n.declaration?.type === 'Identifier' && names.instances.has(n.declaration.name))
      out.set('default', names.instances.get(n.declaration.name)!);
    if (n.type === 'AssignmentExpression' && /^(module\.)?exports(\.\w+)?$/.test(memberText(n.left))) {
      const key = memberText(n.left).replace(/^(module\.)?exports\.?/, '') || 'default';
      if (n.right.type === 'Identifier' && names.instances.has(n.right.name)) out.set(key, names.instances.get(n.right.name)!);
      if (n.right.type === 'ObjectExpression')
        for (const p of n.right.properties) {
          const v = p.type === 'Property' && p.value.type === 'Identifier' ? p.value.name : undefined;
          if (v && names.instances.has(v)) out.set(propName(p.key) ?? v, names.instances.get(v)!);
        }
    }
  }
  return out;
}

function memberText(n: JNode): string {
  if (n?.type === 'Identifier') return n.name;
  if (n?.type === 'ThisExpression') return 'this';
  if (n?.type === 'MemberExpression' && !n.computed) return `${memberText(n.object)}.${propName(n.property) ?? '?'}`;
  if (n?.type === 'MemberExpression') return `${memberText(n.object)}[…]`;
  if (n?.type === 'CallExpression') return `${memberText(n.callee)}(…)`;
  return '…';
}

interface Fn {
  node: JNode;
  name: string;
  entry?: Scope;
  calls: { name: string; node: JNode }[];
}

/** Every function with a readable name: declarations, variables, properties, class methods. */
/** One walk: every function with a readable name, every call and `new`, and each node's parent. */
function collectFunctions(f: JsFile, parents: Map<JNode, JNode>, calls: JNode[]): Fn[] {
  const out: Fn[] = [];
  walk(f.program, (n, parent) => {
    if (parent) parents.set(n, parent);
    if (n.type === 'CallExpression' || n.type === 'NewExpression') calls.push(n);
    if (!isFunction(n)) return;
    let name = n.id?.name as string | undefined;
    if (!name && parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier') name = parent.id.name;
    if (!name && (parent?.type === 'Property' || parent?.type === 'MethodDefinition' || parent?.type === 'PropertyDefinition')) {
      const key = propName(parent.key) ?? '(computed)';
      const cls = parent.type === 'Property' ? undefined : parents.get(parents.get(parent))?.id?.name;
      name = cls ? `${cls}.${key}` : key;
    }
    if (!name && parent?.type === 'ArrayExpression' && parents.get(parent)?.type === 'CallExpression') {
      const call = parents.get(parent);
      const path = call.arguments[0]?.type === 'Literal' && typeof call.arguments[0].value === 'string' ? call.arguments[0].value : undefined;
      name = path !== undefined ? `${memberText(call.callee)}('${path}')` : `(anonymous in ${memberText(call.callee)})`;
    }
    // a handler wrapper's only argument (const h = asyncHandler(async (req, res) => …)) is named as the wrapped value
    const holder = parent?.type === 'CallExpression' && parent.arguments.length === 1 && parent.arguments[0] === n ? parents.get(parent) : undefined;
    if (!name && holder?.type === 'VariableDeclarator' && holder.init === parent && holder.id.type === 'Identifier') name = holder.id.name;
    if (!name && (holder?.type === 'Property' || holder?.type === 'PropertyDefinition') && holder.value === parent) {
      const key = propName(holder.key) ?? '(computed)';
      const cls = holder.type === 'Property' ? undefined : parents.get(parents.get(holder))?.id?.name;
      name = cls ? `${cls}.${key}` : key;
    }
    if (!name && holder?.type === 'CallExpression' && holder.arguments.includes(parent) && holder.callee?.type === 'MemberExpression') {
      const path = holder.arguments[0]?.type === 'Literal' && typeof holder.arguments[0].value === 'string' ? holder.arguments[0].value : undefined;
      if (path !== undefined && httpVerbs.has(propName(holder.callee.property) ?? '')) name = `${memberText(holder.callee)}('${path}')`;
    }
    if (!name && parent?.type === 'CallExpression') {
      const path = parent.arguments[0]?.type === 'Literal' && typeof parent.arguments[0].value === 'string' ? parent.arguments[0].value : undefined;
      name = path !== undefined ? `${memberText(parent.callee)}('${path}')` : `(anonymous in ${memberText(parent.callee)})`;
    }
    out.push({ node: n, name: name ?? '(anonymous)', calls: [] });
  });
  return out;
}

function entryOf(f: JsFile, fn: Fn, parents: Map<JNode, JNode>): void {
  const n = fn.node;
  const parent = parents.get(n);
  // app.get('/p', fn), router.post(…), app.use((req, res, next) => …), fastify.get(path, opts, fn), a list of
  // handlers (app.post('/p', [auth, fn])), and app.route('/p').post(fn) (the path is route's)
  const call = registrationCall(n, parents);
  if (call) {
    const callee = call.callee;
    const method = callee?.type === 'MemberExpression' ? propName(callee.property) : undefined;
    const first = call.arguments[0];
    const pathFirst = (first && (first.type === 'Literal' || first.type === 'TemplateLiteral' || first.type === 'ArrayExpression')) || routeChain(callee);
    const reqParams = n.params.length >= 2 && /^(req|request|ctx|context|_req|_request)$/.test(n.params[0]?.name ?? '');
    if (method && httpVerbs.has(method) && (pathFirst || (method === 'use' && reqParams)))
      fn.entry = { kind: 'request', entry: fn.name, how: `registered with ${memberText(callee)}`, chain: [] };
    else if (/(^|\.)createServer$/.test(memberText(callee))) fn.entry = { kind: 'request', entry: fn.name, how: `${memberText(callee)} handler`, chain: [] };
  }
  // typed as a handler: static start: RequestHandler = async (req, res) => …; export const h: RequestHandler = …;
  // or taking (req: Request, res: Response)
  if (!fn.entry) {
    // start: RequestHandler = asyncHandler(async (req, res) => …): the wrapper's result is the handler
    const holder = parent?.type === 'CallExpression' && parent.arguments.includes(n) ? parents.get(parent) : parent;
    const typed = handlerType(
      holder?.type === 'PropertyDefinition' ? holder.typeAnnotation : holder?.type === 'VariableDeclarator' ? holder.id?.typeAnnotation : undefined,
    );
    if (typed) fn.entry = { kind: 'request', entry: fn.name, how: `typed ${typed}`, chain: [] };
    else {
      const [req, res] = n.params.map((p: JNode) => typeName(p?.typeAnnotation));
      if (req && res && requestType.test(req) && responseType.test(res))
        fn.entry = { kind: 'request', entry: fn.name, how: `takes (${req}, ${res})`, chain: [] };
    }
  }
  // { eachMessage: async ({ message }) => … } passed to consumer.run(…)
  const key = parent?.type === 'Property' ? propName(parent.key) : undefined;
  // a route table: { 'POST /orders': async (req, res) => … }
  if (key && /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \//.test(key)) fn.entry = { kind: 'request', entry: fn.name, how: 'route table entry', chain: [] };
  if (key === 'eachMessage' || key === 'eachBatch') fn.entry = { kind: 'per-message', entry: fn.name, how: `${key} callback`, chain: [] };
  if (key === 'handler' && parents.get(parents.get(parent))?.type === 'CallExpression' && /\.route$/.test(memberText(parents.get(parents.get(parent)).callee)))
    fn.entry = { kind: 'request', entry: fn.name, how: `${memberText(parents.get(parents.get(parent)).callee)} handler`, chain: [] };
  // NestJS: @Get() on a controller method; @MessagePattern/@EventPattern per message
  if (parent?.type === 'MethodDefinition') {
    for (const d of parent.decorators ?? []) {
      const dn = d.expression?.type === 'CallExpression' ? memberText(d.expression.callee) : memberText(d.expression);
      if (routeDecorators.has(dn)) fn.entry = { kind: 'request', entry: fn.name, how: `@${dn}() route`, chain: [] };
      if (messageDecorators.has(dn)) fn.entry = { kind: 'per-message', entry: fn.name, how: `@${dn}() handler`, chain: [] };
    }
  }
  // Next.js app router: export async function POST(req)
  if (/^(GET|POST|PUT|PATCH|DELETE)$/.test(fn.name) && /(^|\/)route\.[cm]?[jt]sx?$/.test(f.path) && parent?.type === 'ExportNamedDeclaration')
    fn.entry = { kind: 'request', entry: fn.name, how: 'Next.js route handler', chain: [] };
}

/** The call a function is registered with: an argument of it, or an element of a list that is one. */
function registrationCall(n: JNode, parents: Map<JNode, JNode>): JNode | undefined {
  const parent = parents.get(n);
  if (parent?.type === 'CallExpression' && parent.arguments.includes(n)) {
    const method = parent.callee?.type === 'MemberExpression' ? propName(parent.callee.property) : undefined;
    if ((method && httpVerbs.has(method)) || /(^|\.)createServer$/.test(memberText(parent.callee))) return parent;
    // a wrapper: app.post('/p', asyncHandler(async (req, res) => …))
    return registrationCall(parent, parents) ?? parent;
  }
  const grand = parent?.type === 'ArrayExpression' ? parents.get(parent) : undefined;
  if (grand?.type === 'CallExpression' && grand.arguments.includes(parent) && grand.arguments[0] !== parent) return grand;
  if (grand?.type === 'CallExpression' && grand.arguments[0] === parent && routeChain(grand.callee)) return grand;
  return undefined;
}

/** router.route('/p').post: the verb's path is route's argument. */
const routeChain = (callee: JNode) =>
  callee?.type === 'MemberExpression' && callee.object?.type === 'CallExpression' && propName(callee.object.callee?.property) === 'route';

/** A type's name as written: RequestHandler, express.RequestHandler, Handler<…> (the arguments dropped). */
function typeName(annotation: JNode): string | undefined {
  const t = annotation?.type === 'TSTypeAnnotation' ? annotation.typeAnnotation : annotation;
  if (t?.type !== 'TSTypeReference') return undefined;
  const name = (x: JNode): string => (x?.type === 'Identifier' ? x.name : x?.type === 'TSQualifiedName' ? `${name(x.left)}.${name(x.right)}` : '?');
  return name(t.typeName);
}

/** The handler types of Express, Next.js, AWS Lambda and the like: a value of one runs once per request. */
const handlerTypes = /^(RequestHandler|ErrorRequestHandler|NextApiHandler|RouteHandler(Method)?|Handler|APIGatewayProxyHandler(V2)?|Middleware)$/;
const requestType = /^((express|Express)\.)?(Request|FastifyRequest|NextApiRequest|NextRequest|IncomingMessage)$/;
const responseType = /^((express|Express)\.)?(Response|FastifyReply|NextApiResponse|ServerResponse)$/;

function handlerType(annotation: JNode): string | undefined {
  const name = typeName(annotation);
  return name && handlerTypes.test(name.replace(/^.*\./, '')) ? name : undefined;
}

/** Handlers passed by name: app.post('/p', handler). */
function registeredByName(calls: readonly JNode[], byName: Map<string, Fn>): void {
  for (const n of calls) {
    if (n.type !== 'CallExpression' || n.callee?.type !== 'MemberExpression') continue;
    const method = propName(n.callee.property);
    if (!method || !httpVerbs.has(method)) continue;
    const first = n.arguments[0];
    const routed = routeChain(n.callee);
    if (!routed && !(first && (first.type === 'Literal' || first.type === 'TemplateLiteral'))) continue;
    // app.post('/p', auth, handler), app.post('/p', [auth, handler]), app.route('/p').post(handler), Controller.handler
    const args = (routed ? n.arguments : n.arguments.slice(1)).flatMap((a: JNode) => (a.type === 'ArrayExpression' ? a.elements : [a]));
    for (const arg of args) {
      // asyncHandler(createOrder), ctrl.create.bind(ctrl): the function inside
      let a = arg;
      if (a?.type === 'CallExpression' && a.callee?.type === 'MemberExpression' && propName(a.callee.property) === 'bind') a = a.callee.object;
      else if (a?.type === 'CallExpression' && a.arguments.length === 1) a = a.arguments[0];
      const target =
        a?.type === 'Identifier' ? byName.get(a.name) : a?.type === 'MemberExpression' && !a.computed ? byName.get(propName(a.property) ?? '') : undefined;
      if (target && (!target.entry || target.entry.how.startsWith('takes (')))
        target.entry = { kind: 'request', entry: target.name, how: `registered with ${memberText(n.callee)}`, chain: [] };
    }
  }
}

// ---- flow ----

/**
 * Where an exception leaves a function: after `from` (the client's connect()), an awaited call that can reject or
 * a throw, outside any try of the function. `lines` collects what each such exit is, by line.
 */
interface Throwing {
  from: number;
  lines: Map<number, string>;
}

function jsFlow(f: JsFile, parents: Map<JNode, JNode>, throwing?: Throwing): FlowLanguage<JNode> {
  const listOf = (n: JNode): JNode[] => (!n ? [] : n.type === 'BlockStatement' ? n.body : [n]);
  // in a try of its own function, an exception goes to the catch or through the finally, which the walk follows
  const inTry = (n: JNode) => {
    for (let c = n, p = parents.get(n); p && !isFunction(p); c = p, p = parents.get(p)) if (p.type === 'TryStatement' && p.block === c) return true;
    return false;
  };
  const awaitIn = (n: JNode): JNode | undefined => {
    let found: JNode;
    walk(n, (x) => {
      if (found || isFunction(x)) return false;
      if (x.type === 'AwaitExpression') {
        const call = unwrap(x.argument);
        const method = call?.type === 'CallExpression' && call.callee?.type === 'MemberExpression' ? propName(call.callee.property) : undefined;
        // the client's own connect() and disconnect(): a failed connect leaves nothing open, the close is what is looked
        // for; a pause (await sleep(100), await new Promise((r) => setTimeout(r, 100))) does not reject
        const pause =
          call?.type === 'NewExpression' ||
          (call?.type === 'CallExpression' && /(^|\.)(sleep|delay|wait|setTimeout|setImmediate)$/i.test(memberText(call.callee)));
        if (!(method && (method === 'connect' || closeMethods.has(method))) && !pause) found = x;
      }
    });
    return found;
  };
  const exits = (n: JNode, what: string): Stmt<JNode> => {
    const line = position(f, n.start).line;
    throwing!.lines.set(line, what);
    return { t: 'return', node: { type: 'KleakException', start: n.start }, line };
  };
  const stmt = (n: JNode): Stmt<JNode> => {
    if (throwing && !n.kleakPlain && n.start > throwing.from && (n.type === 'ExpressionStatement' || n.type === 'VariableDeclaration') && !inTry(n)) {
      const rejects = awaitIn(n);
      if (rejects) {
        const call = unwrap(rejects.argument);
        return {
          t: 'if',
          head: [],
          branches: [[{ type: 'KleakRejects', start: n.start, call }], [{ ...n, kleakPlain: true }]],
          exhaustive: true,
          skipFirst: false,
        };
      }
    }
    if (n.type === 'KleakRejects') return exits(n, `the awaited ${n.call?.type === 'CallExpression' ? `${memberText(n.call.callee)}(…)` : 'call'}`);
    switch (n.kleakPlain ? 'plain' : n.type) {
      case 'plain':
        return { t: 'simple', node: n };
      case 'ReturnStatement':
        return { t: 'return', node: n, line: position(f, n.start).line };
      case 'ThrowStatement':
        return throwing && n.start > throwing.from && !inTry(n) ? exits(n, 'the throw') : { t: 'terminate', node: n };
      case 'BreakStatement':
        return { t: 'break', line: position(f, n.start).line };
      case 'ContinueStatement':
        return { t: 'continue', line: position(f, n.start).line };
      case 'BlockStatement':
        return { t: 'block', body: n.body };
      case 'LabeledStatement':
        return stmt(n.body);
      case 'IfStatement':
        return {
          t: 'if',
          head: [n.test],
          branches: n.alternate ? [listOf(n.consequent), listOf(n.alternate)] : [listOf(n.consequent)],
          exhaustive: !!n.alternate,
          skipFirst: false,
        };
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement':
      case 'WhileStatement':
      case 'DoWhileStatement': {
        const head = [n.init, n.test, n.update, n.right].filter(Boolean);
        const infinite =
          (n.type === 'ForStatement' && !n.test) ||
          ((n.type === 'WhileStatement' || n.type === 'DoWhileStatement') && n.test?.type === 'Literal' && n.test.value === true);
        return { t: 'loop', head, body: listOf(n.body), infinite, endLine: position(f, n.end).line };
      }
      case 'SwitchStatement':
        return { t: 'switch', head: [n.discriminant], cases: n.cases.map((c: JNode) => c.consequent), exhaustive: n.cases.some((c: JNode) => c.test === null) };
      case 'TryStatement':
        return {
          t: 'try',
          block: n.block.body,
          ...(n.handler ? { handler: n.handler.body.body } : {}),
          ...(n.finalizer ? { finalizer: n.finalizer.body } : {}),
        };
      case 'ExpressionStatement': {
        const e = unwrap(n.expression);
        if (e?.type === 'CallExpression' && /^process\.(exit|abort)$/.test(memberText(e.callee))) return { t: 'terminate', node: n };
        return { t: 'simple', node: n };
      }
      default:
        return { t: 'simple', node: n };
    }
  };
  const uses = (node: JNode, name: string): Use => {
    let found: Use;
    const local = new Map<JNode, JNode>();
    // a reference inside a function written in this statement: the closure keeps it alive
    const inFunction = (n: JNode) => {
      for (let p = local.get(n); p && p !== node; p = local.get(p)) if (isFunction(p)) return true;
      return false;
    };
    walk(node, (n, parent) => {
      if (found) return false;
      if (parent) local.set(n, parent);
      if (n.type !== 'Identifier' || n.name !== name) return;
      const p = parent ?? parents.get(n);
      if (p?.type === 'MemberExpression' && p.property === n && !p.computed) return;
      if ((p?.type === 'Property' || p?.type === 'MethodDefinition' || p?.type === 'PropertyDefinition') && p.key === n && !p.shorthand) return;
      if (p?.type === 'MemberExpression' && p.object === n) {
        const method = propName(p.property);
        let up = local.get(p) ?? parents.get(p);
        if (up?.type === 'ChainExpression') up = local.get(up) ?? parents.get(up);
        const called = up?.type === 'CallExpression' && (up.callee === p || unwrap(up.callee) === p);
        if (method && closeMethods.has(method) && called) found = { status: 'closed', how: `${name}.${method}()` };
        // consumer.run(…) hands the consumer to its own fetch loop, which keeps it until disconnect()
        else if (method === 'run' && called) found = { status: 'escapes', how: runsInBackground };
        else if (inFunction(n)) found = { status: 'escapes', how: 'captured by a closure' };
        return;
      }
      if (p?.type === 'VariableDeclarator' && p.id === n) return;
      if (p?.type === 'AssignmentExpression' && p.left === n) return;
      if (p?.type === 'BinaryExpression' && [p.left, p.right].some((x: JNode) => x.type === 'Literal' && x.value === null)) return;
      if (p?.type === 'UnaryExpression') return;
      if (p?.type === 'IfStatement' || p?.type === 'LogicalExpression' || p?.type === 'ConditionalExpression') return;
      found = { status: 'escapes', how: describeEscape(p, name) };
    });
    return found;
  };
  return { stmt, uses, isErrCheck: () => false, line: (n) => position(f, n.start).line };
}

function describeEscape(p: JNode, name: string): string {
  switch (p?.type) {
    case 'ReturnStatement':
    case 'ArrowFunctionExpression':
      return 'returned';
    case 'CallExpression':
    case 'NewExpression':
      return `passed to ${memberText(p.callee)}`;
    case 'AssignmentExpression':
      return `stored in ${memberText(p.left)}`;
    case 'Property':
    case 'ArrayExpression':
      return 'stored in an object or array';
    default:
      return `used as ${name}`;
  }
}

// ---- the file ----

export function analyzeJsFile(f: JsFile, exported: Map<string, Map<string, Library>>, known: Set<string>): JsFacts {
  const facts: JsFacts = { constructions: [], stores: [], signals: [] };
  const names = namesOf(f, exported, known);
  const parents = new Map<JNode, JNode>();
  const calls: JNode[] = [];
  const fns = collectFunctions(f, parents, calls);
  const byNode = new Map(fns.map((x) => [x.node, x]));
  const byName = new Map(fns.filter((x) => !x.name.startsWith('(')).map((x) => [x.name.replace(/^.*\./, ''), x]));
  for (const fn of fns) entryOf(f, fn, parents);
  registeredByName(calls, byName);
  const enclosingFn = (n: JNode): Fn | undefined => {
    for (let p = parents.get(n); p; p = parents.get(p)) if (byNode.has(p)) return byNode.get(p);
    return undefined;
  };
  // calls by name to the file's own functions, for following helpers
  for (const n of calls) {
    if (n.type !== 'CallExpression') continue;
    const c =
      n.callee?.type === 'Identifier'
        ? n.callee.name
        : n.callee?.type === 'MemberExpression' && n.callee.object?.type === 'ThisExpression'
          ? propName(n.callee.property)
          : undefined;
    if (c && byName.has(c)) enclosingFn(n)?.calls.push({ name: c, node: n });
  }
  const scopeOf = (fn: Fn | undefined): Scope | undefined => {
    if (!fn) return undefined;
    // a closure inside an entry runs in its scope
    for (let x: Fn | undefined = fn; x; x = enclosingFn(x.node)) if (x.entry) return x === fn ? x.entry : { ...x.entry, chain: [] };
    for (const caller of fns) {
      if (!caller.calls.some((c) => byName.get(c.name) === fn)) continue;
      const s = scopeOf1(caller);
      if (s) return { ...s, chain: [s.entry, fn.name] };
      for (const top of fns) {
        if (!top.calls.some((c) => byName.get(c.name) === caller)) continue;
        const t = scopeOf1(top);
        if (t) return { ...t, chain: [t.entry, caller.name, fn.name] };
      }
    }
    return undefined;
  };
  const scopeOf1 = (fn: Fn): Scope | undefined => {
    for (let x: Fn | undefined = fn; x; x = enclosingFn(x.node)) if (x.entry) return x.entry;
    return undefined;
  };
  const flow = jsFlow(f, parents);
  const moduleLevel = moduleLevelNames(f);
  const site = (n: JNode, fn: Fn | undefined, library: Library): Site => {
    const { line, column } = position(f, n.start);
    return {
      file: f.path,
      line,
      column,
      function: fn?.name ?? '(module)',
      snippet: (f.source.slice(f.lines[line - 1], f.lines[line] ?? f.source.length) ?? '').trim(),
      language: 'js',
      library,
    };
  };

  for (const n of calls) {
    const ctor = constructionOf(n, names);
    if (!ctor) continue;
    const fn = enclosingFn(n);
    const c: Construction = { ...site(n, fn, ctor.library), kind: ctor.kind, callee: ctor.callee, ...ownership(f, n, parents, flow, moduleLevel, fn) };
    const scope = scopeOf(fn);
    if (scope) c.scope = scope;
    facts.constructions.push(c);
  }

  // records kept: in an eachMessage/eachBatch callback, message or message.value stored in module state
  for (const fn of fns.filter((x) => x.entry?.kind === 'per-message')) {
    const vars = new Set<string>();
    walk(fn.node, (n) => {
      if (n.type === 'ObjectPattern')
        for (const p of n.properties) if (p.type === 'Property' && propName(p.key) === 'message' && p.value.type === 'Identifier') vars.add(p.value.name);
      if (
        (n.type === 'ForOfStatement' && /\.messages$/.test(memberText(n.right))) ||
        (n.type === 'CallExpression' && /\.messages\.(forEach|map)$/.test(memberText(n.callee)))
      ) {
        const left = n.type === 'ForOfStatement' ? n.left.declarations?.[0]?.id : n.arguments[0]?.params?.[0];
        if (left?.type === 'Identifier') vars.add(left.name);
      }
    });
    if (!vars.size) continue;
    const library = names.kafkaAware ?? 'kafkajs';
    walk(fn.node, (n) => {
      const store = storeOf(n, vars, moduleLevel);
      if (store) facts.stores.push({ ...site(n, fn, library), value: store.value, into: store.into });
    });
  }

  facts.signals.push(...signalsOf(f, calls, parents, byName));
  return facts;
}

/** What becomes of the client a call returns, in the function that makes the call: its fate, and whether it is built only once. */
function ownership(
  f: JsFile,
  n: JNode,
  parents: Map<JNode, JNode>,
  flow: FlowLanguage<JNode>,
  moduleLevel: Set<string>,
  fn: Fn | undefined,
): Pick<Construction, 'fate' | 'binding' | 'singleton'> {
  const { fate, binding, stored } = fateOfJs(n, parents, flow, moduleLevel, fn, f);
  // consumer.run() hands it to its fetch loop until it is disconnected: kept, not closed
  if (fate.how === runsInBackground) fate.status = 'escapes';
  const out: Pick<Construction, 'fate' | 'binding' | 'singleton'> = { ...(binding ? { binding } : {}), fate };
  if (stored) {
    const guard = singletonJs(n, parents, stored, moduleLevel, fn) ?? lazyGuard(f, fn, stored, n);
    if (guard) out.singleton = guard;
  }
  // const p = kafka.producer(); await p.connect(); producer = p (or connecting = p.connect().then(() => p)) — under a
  // check that the module variable or field it is kept in is unset
  if (!out.singleton && !stored && binding && fate.status === 'escapes') {
    for (const target of longLivedAssignments(fn, moduleLevel)) {
      const guard = lazyGuard(f, fn, target, n);
      if (guard) {
        out.singleton = guard;
        break;
      }
    }
  }
  if (!fn) {
    // built when the module loads, but connected and disconnected by one start-up function with awaited calls
    // between and no try/finally: when one rejects, the function leaves with it connected
    const leak = binding ? unguardedSession(f, binding) : undefined;
    if (leak) return { binding: binding!, fate: { status: 'leaks', leakLine: leak.line, how: leak.how, reason: leak.reason } };
    out.singleton = 'built once when the module loads';
  }
  return out;
}

/** A function of the file whose body connects `name`, awaits calls that can reject, then disconnects it, all outside a try. */
function unguardedSession(f: JsFile, name: string): { line: number; how: string; reason: string } | undefined {
  const own = (st: JNode, method: string) => {
    const x = st?.type === 'ExpressionStatement' ? unwrap(st.expression) : undefined;
    const call = x?.type === 'AwaitExpression' ? unwrap(x.argument) : x;
    return call?.type === 'CallExpression' && memberText(unwrap(call.callee)) === `${name}.${method}`;
  };
  // a named function nothing calls, passes or exports (`// run().catch(…)` commented out) connects nothing
  const names = new Map<JNode, string>();
  const exported = new Set<JNode>();
  const uses = new Map<string, number>();
  walk(f.program, (x) => {
    if (x.type === 'Identifier') uses.set(x.name, (uses.get(x.name) ?? 0) + 1);
    if (x.type === 'FunctionDeclaration' && x.id) names.set(x, x.id.name);
    if (x.type === 'VariableDeclarator' && x.id?.type === 'Identifier' && x.init && isFunction(x.init)) names.set(x.init, x.id.name);
    if (x.type === 'ExportNamedDeclaration' && x.declaration) {
      if (x.declaration.type === 'FunctionDeclaration') exported.add(x.declaration);
      for (const d of x.declaration.declarations ?? []) if (d.init) exported.add(d.init);
    }
  });
  const dead = (fnNode: JNode) => {
    const name = names.get(fnNode);
    return name !== undefined && !exported.has(fnNode) && (uses.get(name) ?? 0) <= 1;
  };
  let found: { line: number; how: string; reason: string } | undefined;
  walk(f.program, (fnNode) => {
    if (found) return false;
    if (!isFunction(fnNode) || fnNode.body?.type !== 'BlockStatement' || dead(fnNode)) return;
    const body: JNode[] = fnNode.body.body;
    const open = body.findIndex((st) => own(st, 'connect'));
    const close = body.findIndex((st, i) => i > open && own(st, 'disconnect'));
    if (open < 0 || close < 0) return;
    for (const st of body.slice(open + 1, close)) {
      if (st.type === 'TryStatement') continue;
      let rejects: JNode;
      walk(st, (x) => {
        if (rejects || isFunction(x)) return false;
        if (x.type !== 'AwaitExpression') return;
        const call = unwrap(x.argument);
        if (call?.type !== 'CallExpression' || /(^|\.)(sleep|delay|wait|setTimeout|setImmediate)$/i.test(memberText(call.callee))) return;
        if (memberText(unwrap(call.callee)).startsWith(`${name}.connect`)) return;
        rejects = call;
      });
      if (rejects) {
        const line = position(f, st.start).line;
        const closeLine = position(f, body[close].start).line;
        found = {
          line,
          how: `${name}.disconnect() at line ${closeLine}`,
          reason: `connects it and disconnects it (line ${closeLine}) in one function, but the awaited ${memberText(rejects.callee)}(…) at line ${line} can reject first and leave it connected (no try/finally)`,
        };
        return false;
      }
    }
  });
  return found;
}

/**
 * The ownership of what a call returns (a factory of another module, called here), judged as the file's own
 * constructions are: closed on every path, returned, kept once, or leaking; with the function that makes the call,
 * named as the scan names functions. The file is walked once; each call is found by its start and end offsets.
 */
export function fateJudge(
  f: JsFile,
): (start: number, end: number) => (Pick<Construction, 'fate' | 'binding' | 'singleton'> & { function: string }) | undefined {
  const parents = new Map<JNode, JNode>();
  const calls: JNode[] = [];
  const fns = collectFunctions(f, parents, calls);
  const byNode = new Map(fns.map((x) => [x.node, x]));
  const flow = jsFlow(f, parents);
  const moduleLevel = moduleLevelNames(f);
  const bySpan = new Map<string, JNode>(calls.map((n) => [`${n.start}:${n.end}`, n]));
  return (start, end) => {
    const n = bySpan.get(`${start}:${end}`);
    if (!n) return undefined;
    let fn: Fn | undefined;
    for (let p = parents.get(n); p && !fn; p = parents.get(p)) fn = byNode.get(p);
    return { ...ownership(f, n, parents, flow, moduleLevel, fn), function: fn?.name ?? '(module)' };
  };
}

function moduleLevelNames(f: JsFile): Set<string> {
  const moduleLevel = new Set<string>();
  for (const s of f.program.body) {
    const decl = s.type === 'ExportNamedDeclaration' ? s.declaration : s;
    if (decl?.type === 'VariableDeclaration') for (const d of decl.declarations) if (d.id.type === 'Identifier') moduleLevel.add(d.id.name);
  }
  return moduleLevel;
}

/**
 * A file's shutdown facts: each process.on/once(SIGTERM | SIGINT, handler) — the signals it is for (a literal, or a
 * list the call is made over: ['SIGTERM', 'SIGINT'].forEach((s) => process.on(s, …))), the clients its handler
 * (and the file's functions it calls, three deep) disconnects or closes ('*': it calls a shutdown function kleak
 * cannot see), and whether it exits first; shutdown hooks of frameworks (NestJS enableShutdownHooks, terminus,
 * close-with-grace); and, in one record, every disconnect()/close()/stop() in the file with whether it is on a path
 * that runs at shutdown or only on an error (a catch, a .catch() or 'error'/crash listener, a SIGINT-only handler).
 */
function signalsOf(f: JsFile, calls: readonly JNode[], parents: Map<JNode, JNode>, byName: Map<string, Fn>): JsSignal[] {
  const out: JsSignal[] = [];
  const handlerCalls: { node: JNode; signals: string[]; handler: JNode }[] = [];
  const signalCall = (n: JNode) =>
    n.type === 'CallExpression' && /^process\.(on|once|addListener|prependListener|prependOnceListener)$/.test(memberText(n.callee));
  for (const n of calls) {
    if (!signalCall(n) || !n.arguments[1]) continue;
    const signals = signalNames(f, n.arguments[0], parents);
    if (signals && !signals.some((x) => /^SIG(TERM|INT)$/.test(x))) continue;
    handlerCalls.push({ node: n, signals: signals ?? ['SIGTERM'], handler: n.arguments[1] });
  }
  // the function a handler runs: written in place, or named (a function of the file, this.method)
  const target = (h: JNode): JNode | undefined => {
    if (isFunction(h)) return h;
    const name = h.type === 'Identifier' ? h.name : h.type === 'MemberExpression' && h.object?.type === 'ThisExpression' ? propName(h.property) : undefined;
    if (h.type === 'CallExpression' && h.callee?.type === 'MemberExpression' && propName(h.callee.property) === 'bind') return target(h.callee.object);
    return name ? byName.get(name)?.node : undefined;
  };
  const closeCall = /^(disconnect|close|stop|shutdown|flush|destroy|end|terminate)$/;
  const shutdownName = /shut|close|stop|clean|disconnect|teardown|graceful|terminat|dispose|exit|quit|drain/i;
  /** the objects a function disconnects or closes, following the file's functions it calls by name */
  const closedBy = (fnNode: JNode, seen: Set<JNode>, depth: number): string[] => {
    if (seen.has(fnNode)) return [];
    seen.add(fnNode);
    const names: string[] = [];
    const params = new Set<string>();
    walk(fnNode, (x) => {
      if (isFunction(x)) for (const p of x.params ?? []) if (p?.type === 'Identifier') params.add(p.name);
      if (x.type !== 'CallExpression') return;
      const callee = unwrap(x.callee);
      if (callee?.type === 'MemberExpression') {
        const method = propName(callee.property);
        if (method && closeCall.test(method)) names.push(memberText(unwrap(callee.object)));
        const own = callee.object?.type === 'ThisExpression' && method ? byName.get(method) : undefined;
        if (own && depth > 0) names.push(...closedBy(own.node, seen, depth - 1));
        else if (!own && method && shutdownName.test(method) && !closeCall.test(method)) names.push('*');
      } else if (callee?.type === 'Identifier') {
        const own = byName.get(callee.name);
        if (own && depth > 0) names.push(...closedBy(own.node, seen, depth - 1));
        else if (!own && shutdownName.test(callee.name)) names.push('*');
      }
    });
    // shutdown(consumer) → async function shutdown(c) { await c.disconnect() }: which client is not known here
    return names.map((n) => (params.has(n.replace(/\..*$/, '')) ? '*' : n));
  };
  for (const { node, signals, handler } of handlerCalls) {
    const fnNode = target(handler);
    const closes = fnNode ? closedBy(fnNode, new Set(), 3) : ['*'];
    const body = fnNode ? f.source.slice(fnNode.start, fnNode.end) : '';
    const exit = body.search(/process\.exit\s*\(/);
    const close = body.search(/\.(disconnect|close|stop|shutdown)\s*\(|\b(shutdown|close|stop|cleanup|gracefulShutdown)\w*\s*\(/i);
    out.push({
      file: f.path,
      handles: true,
      line: position(f, node.start).line,
      signals,
      closes: [...new Set(closes.filter((x) => x !== 'process'))],
      ...(exit !== -1 && (close === -1 || exit < close) ? { exitsFirst: position(f, fnNode.start + exit).line } : {}),
    });
  }
  for (const n of calls) {
    const callee = n.type === 'CallExpression' ? memberText(n.callee) : '';
    if (/(^|\.)(enableShutdownHooks|createTerminus|closeWithGrace|exitHook|asyncExitHook|nodeCleanup|onShutdown|lightship|createLightship)$/.test(callee))
      out.push({
        file: f.path,
        handles: true,
        line: position(f, n.start).line,
        signals: ['SIGTERM'],
        closes: ['*'],
        ...(/enableShutdownHooks$/.test(callee) ? { nestHooks: true } : {}),
      });
  }
  // every disconnect in the file, and whether it is on a path that runs at shutdown or only when something failed
  const sigintOnly = new Set(
    handlerCalls
      .filter((h) => !h.signals.includes('SIGTERM'))
      .map((h) => target(h.handler))
      .filter(Boolean),
  );
  const errorEvent = /error|crash|fail|exception|rejection/i;
  // a function of the file that nothing names (not called, passed, exported): what it disconnects is never reached
  let referenced: Map<string, number> | undefined;
  const inDeadFunction = (n: JNode): boolean => {
    for (let p = parents.get(n); p; p = parents.get(p)) {
      if (!isFunction(p)) continue;
      const holder = parents.get(p);
      const name =
        p.type === 'FunctionDeclaration' ? p.id?.name : holder?.type === 'VariableDeclarator' && holder.id?.type === 'Identifier' ? holder.id.name : undefined;
      const exported = parents.get(p.type === 'FunctionDeclaration' ? p : parents.get(holder))?.type === 'ExportNamedDeclaration';
      if (!name || exported) return false;
      if (!referenced) {
        referenced = new Map();
        const counts = referenced;
        walk(f.program, (x) => {
          if (x.type === 'Identifier') counts.set(x.name, (counts.get(x.name) ?? 0) + 1);
        });
      }
      // the declaration's own name is one reference; a function's inner functions are judged by the outermost named one
      if ((referenced.get(name) ?? 0) <= 1) return true;
    }
    return false;
  };
  const onErrorPath = (n: JNode): boolean => {
    for (let c = n, p = parents.get(n); p; c = p, p = parents.get(p)) {
      if (p.type === 'CatchClause') return true;
      if (sigintOnly.has(c)) return true;
      if (isFunction(c) && p.type === 'CallExpression' && p.arguments.includes(c) && p.callee?.type === 'MemberExpression') {
        const method = propName(p.callee.property);
        if (method === 'catch') return true;
        const event = p.arguments[0];
        // errorTypes.forEach((type) => process.on(type, …)) over ['unhandledRejection', 'uncaughtException']
        const events = event?.type === 'Identifier' ? signalNames(f, event, parents) : undefined;
        const errorOnly = events?.length
          ? events.every((e) => errorEvent.test(e))
          : errorEvent.test(event?.type === 'Literal' ? String(event.value) : memberText(event));
        if (method && /^(on|once|addListener|prependListener)$/.test(method) && event !== c && errorOnly) return true;
      }
    }
    return false;
  };
  const disconnects: NonNullable<JsSignal['disconnects']> = [];
  for (const n of calls) {
    if (n.type !== 'CallExpression') continue;
    const callee = unwrap(n.callee);
    if (callee?.type !== 'MemberExpression' || !/^(disconnect|close|stop)$/.test(propName(callee.property) ?? '')) continue;
    const name = memberText(unwrap(callee.object));
    const lifecycle = nestLifecycle(n, parents);
    disconnects.push({ name, line: position(f, n.start).line, normal: !onErrorPath(n) && !inDeadFunction(n), ...(lifecycle ? { lifecycle } : {}) });
  }
  if (disconnects.length) out.push({ file: f.path, handles: false, disconnects });
  return out;
}

/** The NestJS lifecycle hook a call is in (onModuleDestroy, beforeApplicationShutdown, onApplicationShutdown): Nest runs them on app.close(), and on SIGTERM only after app.enableShutdownHooks(). */
function nestLifecycle(n: JNode, parents: Map<JNode, JNode>): string | undefined {
  for (let p = parents.get(n); p; p = parents.get(p)) {
    if (p.type !== 'MethodDefinition' && p.type !== 'Property' && p.type !== 'PropertyDefinition') continue;
    const name = propName(p.key);
    if (name && /^(onModuleDestroy|beforeApplicationShutdown|onApplicationShutdown)$/.test(name)) return name;
  }
  return undefined;
}

/** The signals a process.on(…) call is for: a literal, or the list a forEach / for…of runs it over; undefined when not known. */
function signalNames(f: JsFile, arg: JNode, parents: Map<JNode, JNode>): string[] | undefined {
  const x = unwrap(arg);
  if (x?.type === 'Literal') return [String(x.value)];
  if (x?.type !== 'Identifier') return undefined;
  const strings = (list: JNode): string[] | undefined => {
    let l = unwrap(list);
    if (l?.type === 'Identifier') {
      let init: JNode;
      walk(f.program, (d) => {
        if (init) return false;
        if (d.type === 'VariableDeclarator' && d.id?.type === 'Identifier' && d.id.name === l.name && d.init) init = d.init;
      });
      l = unwrap(init);
    }
    if (l?.type !== 'ArrayExpression') return undefined;
    return l.elements.filter((e: JNode) => e?.type === 'Literal').map((e: JNode) => String(e.value));
  };
  for (let p = parents.get(x); p; p = parents.get(p)) {
    if (isFunction(p) && p.params?.[0]?.type === 'Identifier' && p.params[0].name === x.name) {
      const call = parents.get(p);
      if (call?.type === 'CallExpression' && call.callee?.type === 'MemberExpression' && propName(call.callee.property) === 'forEach')
        return strings(call.callee.object);
      return undefined;
    }
    if (p.type === 'ForOfStatement' && p.left?.declarations?.[0]?.id?.name === x.name) return strings(p.right);
  }
  return undefined;
}

function constructionOf(n: JNode, names: Names): { library: Library; kind: ClientKind; callee: string } | undefined {
  if (n.type === 'CallExpression' && n.callee?.type === 'MemberExpression') {
    const method = propName(n.callee.property);
    // node-rdkafka's streams: Kafka.Producer.createWriteStream(…) and KafkaConsumer.createReadStream(…) build the client inside
    if (method === 'createWriteStream' || method === 'createReadStream') {
      const holder = unwrap(n.callee.object);
      const cls = holder?.type === 'Identifier' ? holder.name : holder?.type === 'MemberExpression' ? propName(holder.property) : undefined;
      const kind = cls ? rdkafkaClasses[cls] : undefined;
      const lib = kind ? (kafkaClassOf(names, holder) ?? (holder.type === 'Identifier' ? names.classes.get(holder.name) : undefined)) : undefined;
      return kind && lib && lib !== 'kafkajs' && (method === 'createWriteStream') === (kind === 'producer')
        ? { library: lib, kind, callee: memberText(n.callee) }
        : undefined;
    }
    const kind = method ? clientFactories[method] : undefined;
    if (!kind) return undefined;
    const obj = unwrap(n.callee.object);
    let lib: Library | undefined;
    if (obj?.type === 'Identifier') lib = names.instances.get(obj.name) ?? (names.kafkaAware && /kafka/i.test(obj.name) ? names.kafkaAware : undefined);
    else if (obj?.type === 'MemberExpression') {
      const p = propName(obj.property);
      lib = (p ? names.props.get(p) : undefined) ?? (names.kafkaAware && p && /kafka/i.test(p) ? names.kafkaAware : undefined);
    } else if (obj?.type === 'NewExpression') lib = kafkaClassOf(names, obj.callee);
    if (!lib || lib === 'node-rdkafka') return undefined;
    return { library: lib, kind, callee: `${memberText(obj).replace(/^new .*/, 'Kafka')}.${method}` };
  }
  if (n.type === 'NewExpression') {
    const cls = n.callee?.type === 'Identifier' ? n.callee.name : n.callee?.type === 'MemberExpression' ? propName(n.callee.property) : undefined;
    const kind = cls ? rdkafkaClasses[cls] : undefined;
    const lib = kind ? (kafkaClassOf(names, n.callee) ?? (n.callee.type === 'Identifier' ? names.classes.get(n.callee.name) : undefined)) : undefined;
    if (kind && lib && lib !== 'kafkajs') return { library: lib, kind, callee: `new ${memberText(n.callee)}` };
  }
  return undefined;
}

function fateOfJs(
  call: JNode,
  parents: Map<JNode, JNode>,
  flow: FlowLanguage<JNode>,
  moduleLevel: Set<string>,
  fn: Fn | undefined,
  f?: JsFile,
): { fate: Fate; binding?: string; stored?: string } {
  let n = call;
  let p = parents.get(n);
  while (p && (p.type === 'AwaitExpression' || p.type === 'TSAsExpression' || p.type === 'TSNonNullExpression' || p.type === 'ParenthesizedExpression')) {
    n = p;
    p = parents.get(p);
  }
  if (!p) return { fate: { status: 'escapes', how: 'unknown' } };
  if (p.type === 'MemberExpression' && p.object === n)
    return { fate: { status: 'discarded', how: `${memberText(p)}(…) is called on it, but no reference is kept to disconnect it` } };
  if (p.type === 'ExpressionStatement') return { fate: { status: 'discarded', how: 'the result is dropped' } };
  if (p.type === 'ReturnStatement' || (p.type === 'ArrowFunctionExpression' && p.body === n)) return { fate: { status: 'escapes', how: 'returned' } };
  if (p.type === 'CallExpression' || p.type === 'NewExpression')
    return { fate: { status: 'escapes', how: `passed to ${memberText(p.callee)}` }, stored: memberText(p.callee) };
  if (p.type === 'Property' || p.type === 'ArrayExpression' || p.type === 'PropertyDefinition')
    return {
      fate: { status: 'escapes', how: 'stored in an object, array or class field' },
      stored: p.type === 'PropertyDefinition' ? `this.${propName(p.key)}` : 'object',
    };
  let name: string | undefined;
  let declared = false;
  let stmtNode: JNode;
  if (p.type === 'VariableDeclarator' && p.id.type === 'Identifier') {
    name = p.id.name;
    declared = true;
    stmtNode = parents.get(p);
  } else if (p.type === 'AssignmentExpression') {
    if (p.left.type !== 'Identifier') return { fate: { status: 'escapes', how: `stored in ${memberText(p.left)}` }, stored: memberText(p.left) };
    const assigned: string = p.left.name;
    name = assigned;
    if (moduleLevel.has(assigned) && !declaredIn(fn, assigned))
      return { fate: { status: 'escapes', how: `stored in the module variable ${assigned}` }, stored: assigned };
    stmtNode = parents.get(p);
  } else return { fate: { status: 'escapes', how: describeEscape(p, '') } };
  if (!fn) return { fate: { status: 'escapes', how: 'a module-level variable' }, binding: name, stored: name };
  // the statement lists around it, innermost first
  const levels: Enclosing<JNode>[] = [];
  let cur = stmtNode;
  for (let q = parents.get(cur); q; cur = q, q = parents.get(q)) {
    const list = q.type === 'BlockStatement' || q.type === 'Program' ? q.body : q.type === 'SwitchCase' ? q.consequent : undefined;
    if (list) {
      const owner = parents.get(q);
      const kind = isFunction(owner)
        ? 'function'
        : /(For|While)/.test(owner?.type ?? '')
          ? 'loop'
          : owner?.type === 'TryStatement' && owner.block === q
            ? 'try'
            : 'branch';
      levels.push({
        list,
        index: list.indexOf(cur),
        owner: kind,
        endLine: flow.line({ start: q.end - 1 }),
        ...(kind === 'try' && owner.finalizer ? { finalizer: owner.finalizer.body } : {}),
      });
      if (kind === 'function') break;
    }
    if (isFunction(q)) {
      // an arrow with an expression body, or a list we did not model: nothing to walk
      break;
    }
  }
  if (!levels.length || !name) return { fate: { status: 'escapes', how: 'unknown' }, ...(name ? { binding: name } : {}) };
  const fate = fateOf(flow, levels, name, undefined, declared);
  // closed, but not in a finally: an awaited call that rejects (or a throw) after connect() leaves before the close
  if (fate.status === 'closed' && f && fn) {
    const bound: string = name;
    let from = call.end;
    walk(fn.node, (x) => {
      if (x.type === 'CallExpression' && x.start > call.end && memberText(unwrap(x.callee)) === `${bound}.connect`) {
        if (from === call.end) from = x.end;
        return false;
      }
    });
    const throwing: Throwing = { from, lines: new Map() };
    const strict = fateOf(jsFlow(f, parents, throwing), levels, name, undefined, declared);
    const what = strict.status === 'leaks' && strict.leakLine ? throwing.lines.get(strict.leakLine) : undefined;
    if (what)
      return {
        fate: {
          status: 'leaks',
          leakLine: strict.leakLine!,
          how: fate.how!,
          reason: `closes it (${fate.how}) only when nothing fails first: ${what} at line ${strict.leakLine} ${what === 'the throw' ? 'leaves' : 'can reject and leave'} it open (no try/finally)`,
        },
        binding: name,
      };
  }
  return { fate, binding: name };
}

function declaredIn(fn: Fn | undefined, name: string): boolean {
  if (!fn) return false;
  let found = false;
  walk(fn.node, (n) => {
    if (found) return false;
    if (n.type === 'VariableDeclarator' && n.id.type === 'Identifier' && n.id.name === name) found = true;
    if (n.type === 'Identifier' && n.name === name && fn.node.params.includes(n)) found = true;
  });
  return found;
}

function singletonJs(call: JNode, parents: Map<JNode, JNode>, stored: string, moduleLevel: Set<string>, fn: Fn | undefined): string | undefined {
  const root = stored.replace(/[.[(].*$/, '');
  if (moduleLevel.has(root) && !declaredIn(fn, root)) return `kept in the module-level ${root}`;
  for (let p = parents.get(call); p; p = parents.get(p)) {
    if (p.type === 'IfStatement' || p.type === 'ConditionalExpression') return `built only when ${testText(p.test)}`;
    if (p.type === 'LogicalExpression' && (p.operator === '??' || p.operator === '||')) return `built only when ${stored} is unset`;
    if (p.type === 'AssignmentExpression' && (p.operator === '??=' || p.operator === '||=')) return `built only when ${stored} is unset (${p.operator})`;
    if (p.type === 'MethodDefinition' && (p.kind === 'constructor' || /^(init|connect|start|setup|onModuleInit|bootstrap)/i.test(propName(p.key) ?? '')))
      return `built in ${propName(p.key) ?? 'the constructor'}, once per instance`;
    if (isFunction(p) && p !== fn?.node) break;
  }
  if (stored.startsWith('this.')) return undefined;
  return undefined;
}

/** What a function assigns that outlives it: module variables (not its own), this.x, Class.x. */
function longLivedAssignments(fn: Fn | undefined, moduleLevel: Set<string>): string[] {
  if (!fn) return [];
  const out = new Set<string>();
  walk(fn.node, (x) => {
    if (x !== fn.node && isFunction(x)) return false;
    if (x.type !== 'AssignmentExpression') return;
    const target = memberText(x.left);
    if (target.includes('…') || target.includes('[')) return;
    if (x.left.type === 'MemberExpression' || (moduleLevel.has(target) && !declaredIn(fn, target))) out.add(target);
  });
  return [...out];
}

/**
 * A lazy singleton's check, in the function that builds the client: the client is built only when `target`
 * (a module variable, this.field or Class.field) is unset — inside `if (!target)`, `if (target === null)`,
 * `if (typeof target === 'undefined')` — or after `if (target) return target` (any check that target is set,
 * whose branch returns).
 */
function lazyGuard(f: JsFile, fn: Fn | undefined, target: string, call: JNode): string | undefined {
  if (!fn) return undefined;
  const nullish = (x: JNode) => {
    const u = unwrap(x);
    return (u?.type === 'Literal' && u.value === null) || (u?.type === 'Identifier' && u.name === 'undefined');
  };
  // the variable itself, or a flag the function sets once it has built it (this.ready = true)
  const targets = new Set([target]);
  walk(fn.node, (x) => {
    if (x !== fn.node && isFunction(x)) return false;
    if (x.type !== 'AssignmentExpression' || x.operator !== '=' || x.start < call.end) return;
    const flag = memberText(x.left);
    if (unwrap(x.right)?.type === 'Literal' && unwrap(x.right).value === true && !flag.includes('…') && (flag.includes('.') || !declaredIn(fn, flag)))
      targets.add(flag);
  });
  let matched = target;
  const isTarget = (x: JNode) => {
    const text = memberText(unwrap(x));
    if (!targets.has(text)) return false;
    matched = text;
    return true;
  };
  const typeofTarget = (x: JNode) => x?.type === 'UnaryExpression' && x.operator === 'typeof' && isTarget(x.argument);
  const compares = (x: JNode, ops: string[]) =>
    x?.type === 'BinaryExpression' &&
    ops.includes(x.operator) &&
    ((isTarget(x.left) && nullish(x.right)) ||
      (nullish(x.left) && isTarget(x.right)) ||
      (typeofTarget(x.left) && x.right?.value === 'undefined') ||
      (typeofTarget(x.right) && x.left?.value === 'undefined'));
  // true when the test, or one operand of && / ||, says target is unset (or set)
  const checks = (t: JNode, unset: boolean): boolean => {
    const x = unwrap(t);
    if (!x) return false;
    if (x.type === 'LogicalExpression' && x.operator !== '??') return checks(x.left, unset) || checks(x.right, unset);
    if (unset) return (x.type === 'UnaryExpression' && x.operator === '!' && isTarget(x.argument)) || compares(x, ['===', '==']);
    return isTarget(x) || compares(x, ['!==', '!=']);
  };
  const returns = (n: JNode) => {
    let found = false;
    walk(n, (x) => {
      if (found || isFunction(x)) return false;
      if (x.type === 'ReturnStatement' || x.type === 'ThrowStatement') found = true;
    });
    return found;
  };
  let guard: JNode;
  walk(fn.node, (x) => {
    if (guard) return false;
    if (x !== fn.node && isFunction(x)) return false;
    if (x.type !== 'IfStatement') return;
    const inside = x.consequent.start <= call.start && call.end <= x.consequent.end;
    if (inside && checks(x.test, true)) guard = x;
    else if (x.end <= call.start && checks(x.test, false) && returns(x.consequent)) guard = x;
  });
  if (!guard) return undefined;
  const line = position(f, guard.start).line;
  return matched === target
    ? `built only when ${target} is unset (checked at line ${line}), then kept in it`
    : `built only until ${matched} is set (checked at line ${line}), then kept in ${target}`;
}

const testText = (n: JNode) => memberText(n.type === 'UnaryExpression' ? n.argument : n).replace(/^/, n.type === 'UnaryExpression' ? '!' : '');

/** message, message.value, message.value.subarray(…), { value: message.value }, [message] — views of the fetch buffer. */
function keptPart(n: JNode, vars: Set<string>): string | undefined {
  const x = unwrap(n);
  if (!x) return undefined;
  if (x.type === 'Identifier') return vars.has(x.name) ? x.name : undefined;
  if (
    x.type === 'MemberExpression' &&
    !x.computed &&
    x.object.type === 'Identifier' &&
    vars.has(x.object.name) &&
    /^(value|key|headers)$/.test(propName(x.property) ?? '')
  )
    return memberText(x);
  if (
    x.type === 'CallExpression' &&
    x.callee.type === 'MemberExpression' &&
    /^(subarray|slice)$/.test(propName(x.callee.property) ?? '') &&
    keptPart(x.callee.object, vars)
  )
    return memberText(x);
  if (x.type === 'ObjectExpression')
    for (const p of x.properties) {
      const part = keptPart(p.type === 'SpreadElement' ? p.argument : p.value, vars);
      if (part) return part;
    }
  if (x.type === 'ArrayExpression')
    for (const e of x.elements) {
      const part = e && keptPart(e.type === 'SpreadElement' ? e.argument : e, vars);
      if (part) return part;
    }
  return undefined;
}

function storeOf(n: JNode, vars: Set<string>, moduleLevel: Set<string>): { value: string; into: string } | undefined {
  const longLived = (target: JNode) => {
    const root = memberText(target).replace(/[.[(].*$/, '');
    return root === 'this' || moduleLevel.has(root) ? memberText(target) : undefined;
  };
  if (n.type === 'CallExpression' && n.callee.type === 'MemberExpression' && /^(push|unshift|set|add)$/.test(propName(n.callee.property) ?? '')) {
    const into = longLived(n.callee.object);
    const value =
      into &&
      n.arguments
        .slice(propName(n.callee.property) === 'set' ? 1 : 0)
        .map((a: JNode) => keptPart(a, vars))
        .find(Boolean);
    return value ? { value, into: `${into}.${propName(n.callee.property)}(…)` } : undefined;
  }
  if (n.type === 'AssignmentExpression' && n.left.type === 'MemberExpression') {
    const into = longLived(n.left);
    const value = into && keptPart(n.right, vars);
    return value ? { value, into } : undefined;
  }
  return undefined;
}
