// no-graceful-shutdown's facts for JS/TS, per package (the nearest package.json): a producer or consumer built
// outside a request (at module level, in a startup function such as `async function run()`, a consumer started
// with run() included) or once by one (a lazy singleton) that no SIGTERM path disconnects. A disconnect on a normal path of its file (the end of a
// script, a Fastify onClose hook, a NestJS onModuleDestroy when the app calls enableShutdownHooks()) counts as closing it; one only in a catch, a .catch(), an
// 'error'/crash listener, a SIGINT-only handler or a function of the file nothing names does not (Kubernetes stops a pod with SIGTERM). A SIGTERM
// handler in the same file must disconnect it by name (or call a shutdown function kleak cannot follow); one in
// another file of the package, anything at all. Where a TypeScript program was built (js/program.ts), a handler
// counts for a client when one entry module (main.ts) loads both — across packages of a workspace, and not from
// another app of the same monorepo — and a handler's path is followed into the modules it calls (a shared
// doTerminationCleanup() that calls process.exit). A SIGTERM listener that exits before disconnecting ends the
// process in the same tick: another listener's async disconnect() does not finish.
import { statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { runsInBackground, shutdownGap, type Construction, type ShutdownGap, type SourceEvidence } from '../types.js';
import type { JsSignal } from './analyze.js';
import { programShutdownFacts } from './program.js';

/** The package a JS file belongs to: the nearest directory (within root) with a package.json. */
function packageDir(root: string, file: string, cache: Map<string, string>): string {
  const start = posix.dirname(file);
  const known = cache.get(start);
  if (known !== undefined) return known;
  let found = '.';
  for (let d = start; ; d = posix.dirname(d)) {
    try {
      statSync(join(root, d, 'package.json'));
      found = d;
      break;
    } catch {
      if (d === '.' || d === '/' || d === '') break;
    }
  }
  cache.set(start, found);
  return found;
}

/** The name the code holds a client by: its variable, or the module variable or field it is stored in. */
function heldAs(c: Construction): string | undefined {
  const kept = /(?:then kept in|kept in the module-level|built only when) ((?:this|[\w$]+)(?:\.[\w$]+)*)(?: is unset|$)/.exec(c.singleton ?? '');
  if (kept?.[1] && kept[1] !== 'it') return kept[1];
  if (c.binding) return c.binding;
  return /^stored in (?:the module variable )?((?:this|[\w$]+)(?:\.[\w$]+)*)$/.exec(c.fate.how ?? '')?.[1];
}

const where = (pkg: string) => (pkg === '.' ? 'the project' : pkg);

export function jsShutdownGaps(root: string, evidence: SourceEvidence, perFile: readonly JsSignal[]): ShutdownGap[] {
  const gaps: ShutdownGap[] = [];
  const dirs = new Map<string, string>();
  const byPackage = new Map<string, JsSignal[]>();
  const disconnectsIn = new Map<string, NonNullable<JsSignal['disconnects']>>();
  const facts = programShutdownFacts(root);
  // a handler's path followed across modules
  const signals = perFile.map((s): JsSignal => {
    const cross = s.handles && s.line !== undefined ? facts?.handlers.get(`${s.file}:${s.line}`) : undefined;
    if (!cross) return s;
    const { exitsFirst: _, ...rest } = s;
    return {
      ...rest,
      closes: cross.closes,
      ...(cross.exit
        ? { exitsFirst: s.line!, exitIn: `${cross.exit.via.length ? `${cross.exit.via.join(' → ')}, ` : ''}${cross.exit.file}:${cross.exit.line}` }
        : {}),
    };
  });
  const handlersIn = new Map<string, JsSignal[]>();
  // the handlers of the files a program loads, by the entry modules that load them
  const byEntry = new Map<string, Set<JsSignal>>();
  for (const s of signals) {
    if (s.disconnects) disconnectsIn.set(s.file, [...(disconnectsIn.get(s.file) ?? []), ...s.disconnects]);
    if (!s.handles) continue;
    const d = packageDir(root, s.file, dirs);
    const list = byPackage.get(d);
    if (list) list.push(s);
    else byPackage.set(d, [s]);
    const own = handlersIn.get(s.file);
    if (own) own.push(s);
    else handlersIn.set(s.file, [s]);
    for (const e of facts?.entries.get(s.file) ?? []) {
      const set = byEntry.get(e);
      if (set) set.add(s);
      else byEntry.set(e, new Set([s]));
    }
  }
  /**
   * The handlers that run in a client's process: its package's, less those a program shows are loaded only by other
   * entry modules, and other packages' that a program shows one entry loads with it. A client's module nothing
   * imports may be loaded by a path kleak cannot read (require(variable), a framework's glob): its package's, as before.
   */
  const memo = new Map<string, JsSignal[]>();
  const handlersFor = (file: string, pkg: string): JsSignal[] => {
    const inPackage = byPackage.get(pkg) ?? [];
    const loadedBy = facts?.entries.get(file);
    if (!loadedBy || loadedBy.has(file)) return inPackage;
    // the same for every file the same entries load (a handler in the client's own file is loaded by them too)
    const key = `${pkg}\0${[...loadedBy].sort().join('\0')}`;
    const known = memo.get(key);
    if (known) return known;
    const together = new Set<JsSignal>();
    for (const e of loadedBy) for (const h of byEntry.get(e) ?? []) together.add(h);
    const out = [
      ...inPackage.filter((h) => together.has(h) || !facts!.entries.has(h.file)),
      ...[...together].filter((h) => packageDir(root, h.file, dirs) !== pkg),
    ];
    memo.set(key, out);
    return out;
  };
  const sigtermIn = (h: JsSignal) => !h.signals || h.signals.includes('SIGTERM');
  // disconnected by a SIGTERM listener of its own file: another listener's process.exit can still cut it short
  const bySignal = (c: Construction) => {
    const name = heldAs(c);
    return !!name && (handlersIn.get(c.file) ?? []).some((h) => sigtermIn(h) && h.closes?.includes(name));
  };
  const open = (c: Construction) => c.fate.how === runsInBackground || (c.fate.status !== 'closed' && !/disconnect|close/i.test(c.fate.how ?? ''));
  const candidates = evidence.constructions.filter(
    (c) =>
      c.language === 'js' &&
      // built at start-up, or once (a lazy singleton) by a request
      (!c.scope || c.singleton) &&
      (c.kind === 'producer' || c.kind === 'consumer') &&
      (open(c) || bySignal(c)),
  );
  // one finding per file: a service's two start-up consumers in two modules are two clients SIGTERM drops
  const reported = new Set<string>();
  for (const c of candidates) {
    const pkg = packageDir(root, c.file, dirs);
    if (reported.has(c.file)) continue;
    const name = heldAs(c);
    const mine = (disconnectsIn.get(c.file) ?? []).filter((d) => !name || d.name === name);
    // the package's handlers, less those a program shows run in another process; those of other packages it shows run in this one
    const handlers = handlersFor(c.file, pkg);
    const loadedBy = facts?.entries.get(c.file);
    const scope =
      loadedBy && handlers.length !== (byPackage.get(pkg) ?? []).length
        ? `the program that loads it (${[...loadedBy].sort().slice(0, 2).join(', ')}${loadedBy.size > 2 ? ', …' : ''})`
        : where(pkg);
    // another SIGTERM listener exits first: the process ends in that tick, and this file's async disconnect() with it
    // (only a listener a program shows one entry module loads with the client: the package's handlers of modules
    // nothing imports are other processes, as likely as not — fixtures/node's services, one entry each)
    const together = (h: JsSignal) => !!loadedBy && [...(facts?.entries.get(h.file) ?? [])].some((e) => loadedBy.has(e));
    const exitsElsewhere = handlers.find((h) => h.exitsFirst && h.file !== c.file && sigtermIn(h) && together(h));
    const closedBySignal = !open(c);
    if (exitsElsewhere && (closedBySignal || mine.some((d) => d.normal))) {
      gaps.push(
        shutdownGap(
          c,
          'exit-before-disconnect',
          `the SIGTERM handler in ${exitsElsewhere.file} (line ${exitsElsewhere.line ?? 1}) calls process.exit${exitsElsewhere.exitIn ? ` (${exitsElsewhere.exitIn})` : ` (line ${exitsElsewhere.exitsFirst})`} before disconnecting anything: the process ends in that tick, and line ${mine.find((d) => d.normal)!.line}'s disconnect of ${name ?? 'it'} does not finish`,
        ),
      );
      reported.add(c.file);
      continue;
    }
    if (closedBySignal) continue;
    const nestHooks = handlers.some((h) => h.nestHooks);
    // disconnected on a path that runs when the program ends (or that kleak cannot tell from shutdown); a NestJS
    // lifecycle hook runs on SIGTERM only when the application enabled its shutdown hooks
    if (mine.some((d) => d.normal && (!d.lifecycle || nestHooks))) continue;
    const hook = mine.find((d) => d.normal && d.lifecycle);
    if (hook && !handlers.some((h) => !h.signals || h.signals.includes('SIGTERM'))) {
      gaps.push(
        shutdownGap(
          c,
          'no-signal-handler',
          `line ${hook.line} disconnects ${name ?? 'it'} in ${hook.lifecycle}(), which NestJS runs on SIGTERM only after app.enableShutdownHooks(), and nothing in ${where(pkg)} calls it: on SIGTERM Node exits without disconnecting it`,
        ),
      );
      reported.add(c.file);
      continue;
    }
    const sigterm = handlers.filter((h) => !h.signals || h.signals.includes('SIGTERM'));
    const onError = mine.length
      ? `; only line ${mine[0]!.line} disconnects ${name ?? 'it'}, on a path SIGTERM does not take (a catch, an error listener, a SIGINT handler or a function nothing calls)`
      : '';
    if (!sigterm.length) {
      const sigint = handlers.find((h) => h.signals?.includes('SIGINT'));
      const detail = sigint
        ? `only a SIGINT handler (${sigint.file}:${sigint.line ?? 1}) in ${where(pkg)}, and Kubernetes stops a pod with SIGTERM: Node then exits without disconnecting it`
        : `no process.on('SIGTERM') in ${scope}: on SIGTERM Node exits without disconnecting it${onError}`;
      gaps.push(shutdownGap(c, 'no-signal-handler', detail));
      reported.add(c.file);
      continue;
    }
    const exits = sigterm.find((s) => s.exitsFirst);
    if (exits) {
      gaps.push(
        shutdownGap(
          c,
          'exit-before-disconnect',
          exits.exitIn
            ? `the SIGTERM handler in ${exits.file} (line ${exits.line ?? 1}) calls process.exit (${exits.exitIn}) before disconnecting`
            : `the SIGTERM handler in ${exits.file} calls process.exit (line ${exits.exitsFirst}) before disconnecting`,
        ),
      );
      reported.add(c.file);
      continue;
    }
    // a handler that disconnects it (by name in its own file; anything, from another file) or calls a shutdown kleak cannot follow
    const closes = (h: JsSignal) => !h.closes || h.closes.includes('*') || (h.file === c.file && name ? h.closes.includes(name) : h.closes.length > 0);
    if (sigterm.some(closes)) continue;
    // the SIGTERM handlers close other things: only report when its file shows it is disconnected somewhere else
    // (an error path), or when the handlers close nothing at all
    if (mine.length || sigterm.every((h) => h.closes?.length === 0)) {
      const h = sigterm[0]!;
      gaps.push(
        shutdownGap(
          c,
          'not-closed',
          `the SIGTERM handler (${h.file}:${h.line ?? 1}) never disconnects ${name ?? 'it'}${onError || ''}: on SIGTERM Node exits with it connected`,
        ),
      );
      reported.add(c.file);
    }
  }
  return gaps;
}
