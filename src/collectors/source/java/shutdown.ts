// no-graceful-shutdown in Java: a program that runs until it is stopped (it serves HTTP, polls until told to
// stop, or is a Spring application) builds a producer or consumer outside any request — in main, or in a field
// of a Spring component or of the program's class — and nothing closes it when the JVM is asked to stop. On
// SIGTERM the JVM runs its shutdown hooks and exits: main's finally blocks do not run, and the producer's sender
// is a daemon thread, so what is not closed in a hook (or in a @PreDestroy / DisposableBean.destroy() the Spring
// context runs from its own hook) is dropped with its buffered records, and a consumer stays in its group until
// the session times out. Not reported: a @Bean (the Spring context closes it), a client returned from a helper
// or handed to an object that owns it (how that owner stops is not visible here), a field its own file closes
// somewhere (the owner's close()), and programs that run to completion.
import { shutdownGap, type Construction, type ShutdownGap } from '../types.js';
import { fieldOf, findAll, type GNode } from '../go/tree.js';
import { text, type JavaFile, type JFunc } from './common.js';

const longRunning = /\b(createContext|HttpServer\.create|SpringApplication\.run|awaitTermination)\s*\(|@SpringBootApplication\b|\.join\(\s*\)/;
const springComponent = /@(Component|Service|RestController|Controller|Configuration|Repository)\b/;
const serving = /\b(createContext|HttpServer\.create|SpringApplication\.run|awaitTermination)\s*\(|\.start\(\s*\)/;
/** what takes a client down on the way out: close (a producer flushes first), wakeup (the poll loop ends and closes), a factory's destroy */
const closing = new Set(['close', 'destroy', 'reset', 'wakeup', 'flush']);

interface Closer {
  /** where the shutdown path starts, in words */
  what: string;
  body: GNode;
  file: JavaFile;
  /** the file of the hook or method it starts from */
  root: string;
}

/** while (true), for (;;), while (running) / while (!closed): a loop that runs until the process is stopped */
function untilStopped(f: JavaFile, n: GNode): boolean {
  if (n.type === 'for_statement') return !fieldOf(n, 'condition');
  if (n.type !== 'while_statement' && n.type !== 'do_statement') return false;
  const cond = text(f, fieldOf(n, 'condition') ?? n);
  return /^\(\s*true\s*\)$/.test(cond) || /^\(\s*!?\s*(this\.)?\w*(running|closed|stopped|shutdown|stop|done)\w*(\.get\(\))?\s*\)$/i.test(cond);
}

export function javaShutdownGaps(files: JavaFile[], funcs: JFunc[], constructions: Construction[], byShort: Map<string, JFunc[]>): ShutdownGap[] {
  const gaps: ShutdownGap[] = [];
  // judged per file, as one Java package (org.apache.kafka.tools) often holds many programs; a file also runs
  // until stopped when it calls a method of its package that serves (Svc.serve → server.start())
  const runs = new Map<string, boolean>();
  for (const f of files) {
    const callsServing = findAll(f.root, (n) => n.type === 'method_invocation').some((call) =>
      (byShort.get(text(f, fieldOf(call, 'name') ?? call)) ?? []).some((m) => m.file !== f && !!m.body && serving.test(text(m.file, m.body))),
    );
    runs.set(f.path, longRunning.test(f.source) || springComponent.test(f.source) || callsServing || findAll(f.root, (n) => untilStopped(f, n)).length > 0);
  }
  if (![...runs.values()].some(Boolean)) return gaps;

  // the shutdown paths: hooks, @PreDestroy methods, DisposableBean.destroy(), and the package's methods they call
  const closers: Closer[] = [];
  for (const f of files)
    for (const call of findAll(f.root, (n) => n.type === 'method_invocation' && text(f, fieldOf(n, 'name') ?? n) === 'addShutdownHook'))
      closers.push({ what: 'the shutdown hook', body: call, file: f, root: f.path });
  for (const fn of funcs) {
    if (!fn.body) continue;
    if (fn.annotations.includes('PreDestroy')) closers.push({ what: `@PreDestroy ${fn.name}`, body: fn.body, file: fn.file, root: fn.file.path });
    else if (fn.short === 'destroy' && /\bDisposableBean\b/.test(fn.file.source))
      closers.push({ what: `${fn.name}()`, body: fn.body, file: fn.file, root: fn.file.path });
  }
  const hops = (c: Closer): Closer[] => {
    const out = [c];
    for (const call of findAll(c.body, (n) => n.type === 'method_invocation')) {
      const obj = fieldOf(call, 'object');
      if (obj && obj.type !== 'this' && obj.type !== 'identifier') continue;
      for (const m of byShort.get(text(c.file, fieldOf(call, 'name') ?? call)) ?? [])
        if (m.body && m.body !== c.body && !closing.has(m.short)) out.push({ what: c.what, body: m.body, file: m.file, root: c.root });
    }
    return out;
  };
  const paths = closers.flatMap(hops);
  const source = new Map(files.map((f) => [f.path, f.source]));

  const candidates = constructions.filter((c) => {
    if (c.language !== 'java' || c.scope || (c.kind !== 'producer' && c.kind !== 'consumer') || /^a @Bean/.test(c.singleton ?? '')) return false;
    if (!runs.get(c.file)) return false;
    if (c.fate.how === 'returned' || /^passed (to|on)/.test(c.fate.how ?? '')) return false;
    if (c.inMain) return true;
    const field = /^stored in (?:this\.)?([\w$]+)/.exec(c.fate.how ?? '')?.[1];
    const own = source.get(c.file) ?? '';
    if (!field || !(springComponent.test(own) || /\bstatic\s+void\s+main\s*\(/.test(own))) return false;
    // its own file closes it somewhere (the owner's close(), a hook): the shutdown path is checked below only for hooks
    const closedSomewhere = new RegExp(`\\b${field.replace(/\$/g, '\\$')}\\s*(\\.\\s*(close|destroy|wakeup)\\s*\\(|::\\s*(close|destroy|wakeup)\\b)`).test(own);
    return !closedSomewhere || closers.some((x) => x.root === c.file);
  });
  for (const c of candidates) {
    // closed on every path of a function that then returns (a bounded use before serving): nothing left open. A
    // close in the finally of an endless loop is another matter: SIGTERM does not run main's finally blocks
    const fn = funcs.find((x) => x.name === c.function && x.file.path === c.file);
    if (c.fate.status === 'closed' && fn?.body && !findAll(fn.body, (n) => untilStopped(fn.file, n)).length) continue;
    const held = c.binding ?? /^stored in (?:this\.)?([\w$]+)/.exec(c.fate.how ?? '')?.[1];
    // each call on the way out that closes it (any Kafka client when it has no name here), and the condition it runs under;
    // only the shutdown paths of its own file (another class's hook closing a variable of the same name is not its)
    const found: { line: number; condition?: string }[] = [];
    for (const p of paths.filter((x) => x.root === c.file)) {
      for (const n of findAll(p.body, (x) => x.type === 'method_invocation' || x.type === 'method_reference')) {
        const t = text(p.file, n);
        const m = n.type === 'method_reference' ? /^(?:this\.)?([\w$]+)\s*::\s*(\w+)$/.exec(t) : undefined;
        const obj = n.type === 'method_invocation' ? fieldOf(n, 'object') : undefined;
        const objName = m?.[1] ?? (obj ? text(p.file, obj).replace(/^this\./, '') : undefined);
        const method = m?.[2] ?? text(p.file, fieldOf(n, 'name') ?? n);
        if (!objName || !closing.has(method) || (held && objName !== held)) continue;
        let condition: string | undefined;
        for (let q = n.parent; q && q !== p.body; q = q.parent) {
          if (q.type === 'if_statement' || q.type === 'ternary_expression') {
            condition = text(p.file, fieldOf(q, 'condition') ?? q);
            break;
          }
        }
        found.push({ line: n.line, ...(condition ? { condition } : {}) });
      }
    }
    const name = held ?? 'it';
    const closer = closers.find((x) => x.root === c.file);
    if (!found.length) {
      if (!closer)
        gaps.push(
          shutdownGap(
            c,
            'no-signal-handler',
            `nothing closes ${name} when the JVM stops: no Runtime.getRuntime().addShutdownHook, @PreDestroy or DisposableBean.destroy() in ${c.file.replace(/^.*\//, '')} (on SIGTERM the JVM exits without flushing or closing it)`,
          ),
        );
      else gaps.push(shutdownGap(c, 'not-closed', `${closer.what} never closes ${name} (on SIGTERM the JVM exits without flushing or closing it)`));
      continue;
    }
    if (found.every((x) => x.condition)) {
      const first = found[0]!;
      gaps.push(
        shutdownGap(
          c,
          'not-closed',
          `the shutdown path closes ${name} only when ${first.condition!.replace(/^\((.*)\)$/s, '$1')} (line ${first.line}): otherwise the JVM exits with it open`,
        ),
      );
    }
  }
  return gaps;
}
