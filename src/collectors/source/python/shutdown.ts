// no-graceful-shutdown in Python: a program that runs until it is stopped (a Flask/FastAPI/Django app, an
// http.server, a consumer loop) builds a producer or consumer outside any request — at import time, in the app
// factory or lifespan, in main, as a lazy singleton — and nothing flushes, closes or stops it on the way out.
// Python's default SIGTERM action ends the process at once: no finally block, no atexit hook runs, and a
// confluent Producer's buffered messages are lost with it (a consumer leaves its group only when its session
// times out). What counts as the way out: a SIGTERM handler (signal.signal, loop.add_signal_handler), atexit,
// a FastAPI/Starlette lifespan (after its yield) or shutdown event, aiohttp on_shutdown/on_cleanup, Celery's
// worker_shutdown, gunicorn's worker_exit, the code after uvicorn.run()/web.run_app() (both stop on SIGTERM),
// and a finally block when the SIGTERM handler exits through sys.exit(). Not: a SIGINT-only handler or a
// finally only Ctrl-C's KeyboardInterrupt reaches (Kubernetes and systemd send SIGTERM), nor Flask's
// teardown_appcontext (it runs after each request). Judged per directory (a package's modules), matched by the
// name the client is held under.
import { shutdownGap, type Construction, type ShutdownGap } from '../types.js';
import { fieldOf, findAll, type GNode } from '../go/tree.js';
import { calleeText, decoratorName, escapeRe, isFunctionNode, keywordArg, lastName, positionalArgs, stemOf, text, type PyFile, type PyFunc } from './common.js';

/** How a construction is held, for matching the calls on the way out: its local or module name, the attribute or key it is stored under. */
export interface PyHeld {
  name?: string;
  stored?: string;
  /** stored in a module-level container, attribute or global */
  moduleLevel?: boolean;
  fn?: PyFunc;
}

interface Context {
  /** the functions a name called in `file` names: its own, else one it imports from a sibling module */
  resolve: (caller: PyFunc | undefined, c: { name: string; method: boolean; module?: string }, file?: PyFile) => PyFunc[];
  /** the methods of that name of the classes in `file` (a handler given as self.on_term) */
  byMethod: (file: PyFile, name: string) => PyFunc[];
  consumerish: (f: PyFile, n: GNode | undefined) => boolean;
  mainFuncs: Set<PyFunc>;
}

/** term: runs on SIGTERM; exit: runs on the way out of a server or interpreter that handles SIGTERM; int: Ctrl-C only; teardown: after each request */
type Reach = 'term' | 'exit' | 'int' | 'teardown';

interface Closer {
  /** a SIGTERM handler given as stop.set: the flag it sets */
  flag?: string;
  what: string;
  roots: GNode[];
  file: PyFile;
  reach: Reach;
  /** only what comes after this offset (a lifespan's yield) */
  after?: number;
}

const serving =
  /\b(Flask|FastAPI|Starlette|Quart|Sanic|Bottle)\s*\(|\bweb\.Application\s*\(|\.serve_forever\s*\(|\.run_forever\s*\(|\buvicorn\.run\s*\(|\bweb\.run_app\s*\(|\bget_[wa]sgi_application\s*\(/;
const startupName = /^(lifespan|startup|on_startup|init_app|create_app|make_app|build_app|setup_app|app_factory|init_kafka|setup_kafka)/;
const exits = /\b(sys\.exit|exit|quit)\s*\(|\braise\s+(SystemExit|KeyboardInterrupt)\b/;

/** while True, while not stop.is_set(), while running, for msg in consumer, serve_forever(): until the process is stopped */
function untilStopped(f: PyFile, n: GNode, consumerish: Context['consumerish']): boolean {
  if (n.type === 'while_statement') {
    const cond = text(f, fieldOf(n, 'condition') ?? n).trim();
    return /^(True|1)$/.test(cond) || /^not\s+[\w.]+(\.is_set\(\))?$/.test(cond) || /^[\w.]*(running|alive|serving)\w*(\(\))?$/i.test(cond);
  }
  if (n.type === 'for_statement') return consumerish(f, fieldOf(n, 'right'));
  if (n.type === 'call') return /(^|\.)(serve_forever|run_forever)$/.test(calleeText(f, n));
  return false;
}

export function pythonShutdownGaps(files: PyFile[], funcs: PyFunc[], held: Map<Construction, PyHeld>, ctx: Context): ShutdownGap[] {
  const gaps: ShutdownGap[] = [];
  /** a loop until stopped after the construction and before the first call that closes it (or wrapping it: a close in finally) */
  const loopsBeforeClose = (f: PyFile, body: GNode, c: Construction, h: PyHeld): boolean => {
    const at = f.source.split('\n', c.line - 1).join('\n').length;
    const name = h.name ?? h.stored;
    const close = name
      ? findAll(body, (n) => n.type === 'call' && new RegExp(`(^|\\.)${escapeRe(name)}\\.(close|flush|stop)$`).test(calleeText(f, n)), isFunctionNode)
      : [];
    const closeAt = close.find((n) => n.start > at)?.start ?? Infinity;
    return findAll(body, (n) => untilStopped(f, n, ctx.consumerish), isFunctionNode).some(
      (n) => (n.start > at && n.start < closeAt) || (n.start < at && n.end > at) || (n.start < closeAt && n.end > closeAt),
    );
  };
  // a file runs until stopped when it serves, handles requests or loops until stopped, or a sibling that does imports it
  const runs = new Map<string, boolean>();
  for (const f of files)
    runs.set(
      f.path,
      serving.test(f.source) || funcs.some((fn) => fn.file === f && fn.entry) || findAll(f.root, (n) => untilStopped(f, n, ctx.consumerish)).length > 0,
    );
  for (const f of files) {
    if (runs.get(f.path)) continue;
    const stem = escapeRe(stemOf(f));
    const importsIt = new RegExp(
      `^\\s*(from\\s+\\.?${stem}\\s+import|import\\s+\\.?${stem}\\b|from\\s+\\.\\s+import\\s+[^\\n]*\\b${stem}\\b|from\\s+[\\w.]+\\.${stem}\\s+import)`,
      'm',
    );
    runs.set(
      f.path,
      files.some((o) => o !== f && runs.get(o.path) && importsIt.test(o.source)),
    );
  }
  if (![...runs.values()].some(Boolean)) return gaps;

  const closers = findClosers(files, funcs, held, ctx);
  // a closer covers the clients of its own module and of the modules it imports (app.py's SIGTERM handler flushes kafka.py's producer)
  const imports = (a: PyFile, b: PyFile) =>
    new RegExp(
      `^\\s*(from\\s+[\\w.]*\\.?${escapeRe(stemOf(b))}\\s+import|import\\s+[\\w.]*${escapeRe(stemOf(b))}\\b|from\\s+[\\w.]*\\.?\\s+import\\s+[^\\n]*\\b${escapeRe(stemOf(b))}\\b)`,
      'm',
    ).test(a.source);
  const related = (closer: Closer, f: PyFile) => closer.file === f || imports(closer.file, f) || imports(f, closer.file);
  const closing = (c: Construction) => (c.kind === 'producer' ? new Set(['flush', 'close', 'stop']) : new Set(['close', 'stop']));

  for (const [c, h] of held) {
    if ((c.kind !== 'producer' && c.kind !== 'consumer') || (c.scope && !c.singleton) || !runs.get(c.file)) continue;
    if (!c.singleton && /^(returned|passed (to|on)|captured|yielded|unpacked)/.test(c.fate.how ?? '')) continue;
    const fn = h.fn;
    const f = files.find((x) => x.path === c.file)!;
    const longLived =
      !fn ||
      c.inMain ||
      h.moduleLevel ||
      !!c.singleton ||
      startup(f, fn, files) ||
      (fn.short === '__init__' &&
        !!fn.className &&
        files.some((o) => new RegExp(`^\\w+\\s*=\\s*${fn.className!.replace(/^.*\./, '')}\\s*\\(`, 'm').test(o.source)));
    if (!longLived) continue;
    // closed on every path of a function that then returns (a bounded use): nothing left open. A close in the
    // finally of an endless loop is another matter: SIGTERM does not run it
    if (c.fate.status === 'closed' && !loopsBeforeClose(f, fn?.body ?? f.root, c, h)) continue;
    const cached = /^built once: (\w+)\(\)/.exec(c.singleton ?? '')?.[1];
    const names = [h.name, h.stored, cached].filter((x): x is string => !!x);
    const name = h.stored ?? h.name ?? cached ?? 'it';
    const methods = closing(c);
    const found: { closer: Closer; line: number; condition?: string }[] = [];
    const mine = closers.filter((x) => related(x, f));
    for (const closer of mine) {
      for (const root of hops(closer, ctx)) {
        for (const n of findAll(root, (x) => x.type === 'call' || x.type === 'attribute')) {
          if (closer.after !== undefined && n.start < closer.after) continue;
          let obj: GNode | undefined;
          let method: string | undefined;
          if (n.type === 'call') {
            const callee = fieldOf(n, 'function');
            if (callee?.type !== 'attribute') continue;
            obj = fieldOf(callee, 'object');
            method = text(closer.file, fieldOf(callee, 'attribute') ?? callee);
          } else if (n.parent && /^(argument_list|keyword_argument|list|tuple)$/.test(n.parent.type)) {
            // a bound method registered to run later: atexit.register(producer.flush), on_shutdown=[consumer.close]
            obj = fieldOf(n, 'object');
            method = text(closer.file, fieldOf(n, 'attribute') ?? n);
          }
          if (!obj || !method || !methods.has(method)) continue;
          const objName = lastName(closer.file, obj);
          if (names.length && (!objName || !names.includes(objName))) continue;
          let condition: string | undefined;
          for (let q = n.parent; q && q !== root; q = q.parent) {
            if (q.type === 'if_statement' || q.type === 'elif_clause' || q.type === 'conditional_expression') {
              const cond = text(closer.file, (q.type === 'conditional_expression' ? q.kids[1] : fieldOf(q, 'condition')) ?? q);
              // `if producer is not None:` / `if producer:` only guards the call: it is not a condition on the way out
              if (!new RegExp(`^\\(?\\s*[\\w.]*\\b${escapeRe(objName ?? '_')}\\s*(is\\s+not\\s+None\\s*)?\\)?$`).test(cond)) condition = cond;
              break;
            }
          }
          found.push({ closer, line: n.line, ...(condition ? { condition } : {}) });
        }
      }
    }
    const verb = c.library === 'aiokafka' ? 'stops' : c.kind === 'producer' ? 'flushes' : 'closes';
    const onTerm = found.filter((x) => x.closer.reach === 'term' || x.closer.reach === 'exit');
    const onInt = found.find((x) => x.closer.reach === 'int');
    const teardown = found.find((x) => x.closer.reach === 'teardown');
    const lost =
      c.kind === 'producer'
        ? `with the messages ${name} still buffers`
        : `and ${name} leaves its group only when its session times out (its partitions wait that long)`;
    const also = teardown ? `; ${teardown.closer.what} runs after each request, not at shutdown` : '';
    if (!onTerm.length) {
      const wayOut = mine.find((x) => x.reach === 'term' || x.reach === 'exit');
      const where = `${c.file.replace(/^.*\//, '')}${files.length > 1 ? ' or the modules beside it that import it' : ''}`;
      if (wayOut)
        gaps.push(
          shutdownGap(
            c,
            'not-closed',
            `${wayOut.what} never ${verb} ${name}${onInt ? ` (only ${onInt.closer.what} does, which SIGTERM never reaches)` : ''}: the process exits ${lost}${also}`,
          ),
        );
      else if (onInt)
        gaps.push(
          shutdownGap(
            c,
            'no-signal-handler',
            `only ${onInt.closer.what} ${verb} ${name} (line ${onInt.line}), and SIGTERM never reaches it: on SIGTERM, which Kubernetes and systemd send, Python's default action ends the process at once, ${lost}${also}`,
          ),
        );
      else if (c.fate.status === 'closed' && !/^(dropped|never started)/.test(c.fate.how ?? ''))
        gaps.push(
          shutdownGap(
            c,
            'no-signal-handler',
            `${c.function} ${verb} ${name} (${(c.fate.how ?? '').replace(/, then dropped.*$/, '')}) only once its loop ends, and nothing handles SIGTERM: Python's default action ends the process at once, ${lost}${also}`,
          ),
        );
      else
        gaps.push(
          shutdownGap(
            c,
            'no-signal-handler',
            `nothing ${verb} ${name} on the way out: no signal.signal(signal.SIGTERM, …), atexit.register, lifespan or shutdown event in ${where} (on SIGTERM Python's default action ends the process at once, ${lost})${also}`,
          ),
        );
      continue;
    }
    if (onTerm.every((x) => x.condition)) {
      const first = onTerm[0]!;
      gaps.push(
        shutdownGap(
          c,
          'not-closed',
          `${first.closer.what} ${verb} ${name} only when ${first.condition} (line ${first.line}): otherwise the process exits ${lost}`,
        ),
      );
    }
  }
  return gaps;
}

/** Built where the application starts: the lifespan, a startup event, the app factory. */
function startup(f: PyFile, fn: PyFunc, files: PyFile[]): boolean {
  if (startupName.test(fn.short)) return true;
  if (
    fn.decorators.some(
      (d) => /(^|\.)(on_event|listener|before_serving|before_first_request)$/.test(decoratorName(f, d)) || /contextmanager$/.test(decoratorName(f, d)),
    )
  )
    return true;
  const registered = new RegExp(
    `\\b(lifespan|on_startup)\\s*=\\s*\\[?[^\\]\\n]*\\b${fn.short}\\b|["']startup["']\\s*,\\s*${fn.short}\\b|\\bon_startup\\.append\\(\\s*${fn.short}\\b`,
  );
  return files.some((o) => registered.test(o.source));
}

/** The functions a closer's roots call (two deep): `def on_term(*_): shutdown()` reaches shutdown's body. */
function hops(closer: Closer, ctx: Context): GNode[] {
  const out = [...closer.roots];
  let frontier = closer.roots;
  for (let depth = 0; depth < 2; depth++) {
    const next: GNode[] = [];
    for (const root of frontier)
      for (const call of findAll(root, (n) => n.type === 'call')) {
        const callee = fieldOf(call, 'function');
        const obj = callee?.type === 'attribute' ? fieldOf(callee, 'object') : undefined;
        const c =
          callee?.type === 'identifier'
            ? { name: text(closer.file, callee), method: false }
            : callee?.type === 'attribute' && obj?.type === 'identifier'
              ? { name: text(closer.file, fieldOf(callee, 'attribute') ?? callee), method: false, module: text(closer.file, obj) }
              : undefined;
        if (!c) continue;
        for (const fn of ctx.resolve(undefined, c, closer.file)) if (fn.body && !out.includes(fn.body)) next.push(fn.body);
      }
    out.push(...next);
    frontier = next;
  }
  return out;
}

/** The bodies a handler expression names: a def by name, a lambda, functools.partial(def, …), or a bound method (producer.flush) as it is. */
function handlerRoots(f: PyFile, h: GNode | undefined, ctx: Context): { roots: GNode[]; after?: number } {
  if (!h) return { roots: [] };
  if (h.type === 'lambda') return { roots: [fieldOf(h, 'body') ?? h] };
  if (h.type === 'call' && /(^|\.)partial$/.test(calleeText(f, h))) return handlerRoots(f, positionalArgs(h)[0], ctx);
  if (h.type === 'attribute' && /^(close|flush|stop)$/.test(text(f, fieldOf(h, 'attribute') ?? h))) return { roots: [h] };
  if (h.type !== 'identifier' && h.type !== 'attribute') return { roots: [] };
  const name = lastName(f, h);
  if (!name || /^SIG_(IGN|DFL)$/.test(name)) return { roots: [] };
  const obj = h.type === 'attribute' ? fieldOf(h, 'object') : undefined;
  const c = { name, method: obj?.type === 'identifier' && /^(self|cls)$/.test(text(f, obj)), ...(obj?.type === 'identifier' ? { module: text(f, obj) } : {}) };
  const named = c.method ? ctx.resolve(undefined, { name, method: false }, f).concat(ctx.byMethod(f, name)) : ctx.resolve(undefined, c, f);
  return { roots: named.flatMap((fn) => (fn.body ? [fn.body] : [])) };
}

/** What runs after the statement that holds `n`: the statements after it in each enclosing block up to its function, and the finally blocks around it. */
function after(n: GNode): GNode[] {
  const out: GNode[] = [];
  let stmt = n;
  for (let p = n.parent; p && p.type !== 'function_definition'; stmt = p, p = p.parent) {
    if (p.type === 'block' || p.type === 'source_file') out.push(...p.kids.slice(p.kids.indexOf(stmt) + 1));
    if (p.type === 'try_statement') out.push(...p.kids.filter((k) => k.type === 'finally_clause'));
  }
  return out;
}

/** The first yield's offset in a generator's body (what runs after it is the shutdown half of a lifespan). */
function yieldAt(bodies: GNode[]): number | undefined {
  for (const b of bodies) {
    const y = findAll(b, (n) => n.type === 'yield', isFunctionNode)[0];
    if (y) return y.end;
  }
  return undefined;
}

function findClosers(files: PyFile[], funcs: PyFunc[], held: Map<Construction, PyHeld>, ctx: Context): Closer[] {
  const closers: Closer[] = [];
  let termExits = false;
  for (const f of files) {
    for (const call of findAll(f.root, (n) => n.type === 'call')) {
      const callee = calleeText(f, call);
      const args = positionalArgs(call);
      if (callee === 'signal.signal' || (callee === 'signal' && /^\s*from\s+signal\s+import\b/m.test(f.source)) || /\.add_signal_handler$/.test(callee)) {
        const sig = args[0];
        if (!sig) continue;
        let sigText = text(f, sig);
        // for sig in (signal.SIGTERM, signal.SIGINT): signal.signal(sig, h)
        if (sig.type === 'identifier')
          for (let p = call.parent; p; p = p.parent)
            if (p.type === 'for_statement' && text(f, fieldOf(p, 'left') ?? p) === sigText) {
              sigText = text(f, fieldOf(p, 'right') ?? p);
              break;
            }
        const reach: Reach | undefined = /SIGTERM/.test(sigText) ? 'term' : /SIGINT/.test(sigText) ? 'int' : undefined;
        if (!reach) continue;
        const { roots } = handlerRoots(f, args[1], ctx);
        if (reach === 'term' && roots.some((r) => exits.test(text(f, r)))) termExits = true;
        const h = args[1];
        const flag = h?.type === 'attribute' && /^(set|cancel)$/.test(text(f, fieldOf(h, 'attribute') ?? h)) ? lastName(f, fieldOf(h, 'object')) : undefined;
        closers.push({
          what: `the ${reach === 'term' ? 'SIGTERM' : 'SIGINT'} handler ${h ? text(f, h) : ''}`.trim(),
          roots,
          file: f,
          reach,
          ...(flag ? { flag } : {}),
        });
        continue;
      }
      if (callee === 'atexit.register' || (callee === 'register' && /^\s*from\s+atexit\s+import\b/m.test(f.source))) {
        closers.push({ what: `atexit.register(${args[0] ? text(f, args[0]) : '…'})`, ...handlerRoots(f, args[0], ctx), file: f, reach: 'exit' });
        continue;
      }
      if (/\.add_event_handler$/.test(callee) && args[0] && /shutdown/.test(text(f, args[0]))) {
        closers.push({ what: `add_event_handler("shutdown", ${args[1] ? text(f, args[1]) : '…'})`, ...handlerRoots(f, args[1], ctx), file: f, reach: 'exit' });
        continue;
      }
      if (/\.(on_shutdown|on_cleanup)\.append$/.test(callee) || /(^|\.)(worker_shutdown|worker_process_shutdown)\.connect$/.test(callee)) {
        closers.push({ what: `${callee}(${args[0] ? text(f, args[0]) : '…'})`, ...handlerRoots(f, args[0], ctx), file: f, reach: 'exit' });
        continue;
      }
      if (/\.cleanup_ctx\.append$/.test(callee)) {
        const { roots } = handlerRoots(f, args[0], ctx);
        const after = yieldAt(roots);
        closers.push({
          what: `the cleanup context ${args[0] ? text(f, args[0]) : ''}`.trim(),
          roots,
          file: f,
          reach: 'exit',
          ...(after !== undefined ? { after } : {}),
        });
        continue;
      }
      const lifespan = keywordArg(f, call, 'lifespan');
      if (lifespan) {
        const { roots } = handlerRoots(f, lifespan, ctx);
        const after = yieldAt(roots);
        if (after !== undefined) closers.push({ what: `the lifespan ${text(f, lifespan)}`, roots, file: f, reach: 'exit', after });
      }
      const onShutdown = keywordArg(f, call, 'on_shutdown');
      if (onShutdown)
        for (const h of onShutdown.type === 'list' || onShutdown.type === 'tuple' ? onShutdown.kids : [onShutdown])
          closers.push({ what: `on_shutdown=[${text(f, h)}]`, ...handlerRoots(f, h, ctx), file: f, reach: 'exit' });
      // uvicorn.run() and aiohttp's run_app() stop on SIGTERM and return: what follows them runs on the way out
      if (/(^|\.)(uvicorn\.run|run_app)$/.test(callee)) {
        const roots: GNode[] = [];
        let stmt = call;
        while (stmt.parent && stmt.parent.type !== 'block' && stmt.parent.type !== 'source_file') stmt = stmt.parent;
        const list = stmt.parent?.kids ?? [];
        roots.push(...list.slice(list.indexOf(stmt) + 1));
        for (let p = stmt.parent; p; p = p.parent) if (p.type === 'try_statement') roots.push(...p.kids.filter((k) => k.type === 'finally_clause'));
        closers.push({ what: `the code after ${callee}() (it returns on SIGTERM)`, roots, file: f, reach: 'exit' });
      }
    }
  }
  for (const fn of funcs) {
    if (!fn.body) continue;
    const f = fn.file;
    for (const d of fn.decorators) {
      const name = decoratorName(f, d);
      const arg = d.type === 'call' ? positionalArgs(d)[0] : undefined;
      if (/^(atexit\.)?register$/.test(name) && /atexit/.test(f.source))
        closers.push({ what: `@${name} ${fn.name}`, roots: [fn.body], file: f, reach: 'exit' });
      else if (/(^|\.)on_event$/.test(name) && arg && /shutdown/.test(text(f, arg)))
        closers.push({ what: `@${name}("shutdown") ${fn.name}`, roots: [fn.body], file: f, reach: 'exit' });
      else if (/(^|\.)(worker_shutdown|worker_process_shutdown)\.connect$/.test(name) || /(^|\.)after_serving$/.test(name))
        closers.push({ what: `@${name} ${fn.name}`, roots: [fn.body], file: f, reach: 'exit' });
      else if (/(^|\.)(teardown_appcontext|teardown_request)$/.test(name))
        closers.push({ what: `@${name} ${fn.name}`, roots: [fn.body], file: f, reach: 'teardown' });
      else if (/asynccontextmanager$/.test(name) && /lifespan/.test(fn.short)) {
        const after = yieldAt([fn.body]);
        if (after !== undefined) closers.push({ what: `the lifespan ${fn.name}`, roots: [fn.body], file: f, reach: 'exit', after });
      }
    }
    if (/^(worker_exit|on_exit|worker_int)$/.test(fn.short) && /gunicorn/.test(f.path))
      closers.push({ what: `gunicorn's ${fn.short}`, roots: [fn.body], file: f, reach: 'exit' });
  }
  // a SIGTERM handler that sets a flag (running = False, self.run = False, stop.set()): the code after a loop on that
  // flag, or after stop.wait(), runs on the way out
  const flags = new Set<string>();
  for (const closer of closers.filter((x) => x.reach === 'term')) {
    for (const root of hops(closer, ctx)) {
      for (const n of findAll(root, (x) => x.type === 'assignment' || x.type === 'call')) {
        const target =
          n.type === 'assignment'
            ? fieldOf(n, 'left')
            : fieldOf(n, 'function')?.type === 'attribute' && /^(set|cancel)$/.test(text(closer.file, fieldOf(fieldOf(n, 'function')!, 'attribute')!))
              ? fieldOf(fieldOf(n, 'function')!, 'object')
              : undefined;
        const name = lastName(closer.file, target);
        if (name) flags.add(name);
      }
    }
    if (closer.flag) flags.add(closer.flag);
  }
  if (flags.size)
    for (const f of files) {
      const mentions = (n: GNode | undefined) => !!n && (text(f, n).match(/\w+/g) ?? []).some((w) => flags.has(w));
      for (const n of findAll(f.root, (x) => x.type === 'while_statement' || (x.type === 'call' && /\.wait$/.test(calleeText(f, x))))) {
        const on = n.type === 'while_statement' ? fieldOf(n, 'condition') : fieldOf(fieldOf(n, 'function')!, 'object');
        if (!mentions(on)) continue;
        closers.push({
          what: `the code after ${n.type === 'while_statement' ? `the loop on ${text(f, on!)}` : `${calleeText(f, n)}()`}, which the SIGTERM handler ends`,
          roots: after(n),
          file: f,
          reach: 'term',
        });
      }
    }

  // finally blocks (and except KeyboardInterrupt/SystemExit) where the program runs: the module, main, where a client is built.
  // SIGTERM reaches them only when its handler exits through sys.exit(); else only Ctrl-C's KeyboardInterrupt does
  const owners = new Set<GNode>([...files.map((f) => f.root), ...[...ctx.mainFuncs].flatMap((m) => (m.body ? [m.body] : []))]);
  for (const h of held.values()) if (h.fn?.body && !h.fn.entry) owners.add(h.fn.body);
  for (const owner of owners) {
    const f = files.find((x) => x.root === owner) ?? funcs.find((fn) => fn.body === owner)?.file;
    if (!f) continue;
    for (const t of findAll(owner, (n) => n.type === 'try_statement', isFunctionNode)) {
      for (const k of t.kids) {
        const isFinally = k.type === 'finally_clause';
        const isInterrupt = k.type === 'except_clause' && /^except\s*(\(?[\w.,\s]*\b(KeyboardInterrupt|SystemExit|BaseException)\b|:)/.test(text(f, k));
        if (!isFinally && !isInterrupt) continue;
        closers.push({
          what: isFinally ? `the finally block at line ${k.line}` : `the except block at line ${k.line}`,
          roots: [k],
          file: f,
          reach: termExits ? 'term' : 'int',
        });
      }
    }
  }
  return closers;
}
