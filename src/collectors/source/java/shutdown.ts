// no-graceful-shutdown in Java: a long-running program (it serves HTTP, polls, or is a Spring application)
// builds a producer or consumer outside any request — in main, a field, a constructor — and nothing closes
// it when the JVM is asked to stop. On SIGTERM the JVM runs its shutdown hooks and exits: main's finally
// blocks do not run, and the producer's sender is a daemon thread, so what is not closed in a hook (or a
// @PreDestroy / DisposableBean.destroy() the Spring context runs from its own hook) is dropped with its
// buffered records, and a consumer stays in its group until the session times out. A @Bean is closed
// by the Spring context and is not reported.
import { shutdownGap, type Construction, type ShutdownGap } from '../types.js';
import { fieldOf, findAll, type GNode } from '../go/tree.js';
import { text, type JavaFile, type JFunc } from './common.js';

const longRunning =
  /\b(createContext|HttpServer\.create|SpringApplication\.run|awaitTermination)\s*\(|@SpringBootApplication\b|@(Component|Service|RestController|Controller|Configuration|Repository)\b|\.join\(\s*\)/;
const lifecycle = new Set(['PreDestroy']);
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

export function javaShutdownGaps(files: JavaFile[], funcs: JFunc[], constructions: Construction[], byShort: Map<string, JFunc[]>): ShutdownGap[] {
  const gaps: ShutdownGap[] = [];
  const endless = (f: JavaFile, n: GNode) =>
    (n.type === 'while_statement' && /^\(\s*true\s*\)$/.test(text(f, fieldOf(n, 'condition') ?? n))) ||
    (n.type === 'for_statement' && !fieldOf(n, 'condition'));
  const runs =
    files.some((f) => longRunning.test(f.source)) ||
    files.some(
      (f) =>
        findAll(f.root, (n) => endless(f, n) || (/_statement$/.test(n.type) && /^(while|for|do)/.test(n.type) && /\.poll\s*\(/.test(text(f, n)))).length > 0,
    );
  if (!runs) return gaps;

  // the shutdown paths: hooks, @PreDestroy methods, DisposableBean.destroy(), and the package's methods they call
  const closers: Closer[] = [];
  for (const f of files)
    for (const call of findAll(f.root, (n) => n.type === 'method_invocation' && text(f, fieldOf(n, 'name') ?? n) === 'addShutdownHook'))
      closers.push({ what: 'the shutdown hook', body: call, file: f, root: f.path });
  for (const fn of funcs) {
    if (!fn.body) continue;
    if (fn.annotations.some((a) => lifecycle.has(a))) closers.push({ what: `@PreDestroy ${fn.name}`, body: fn.body, file: fn.file, root: fn.file.path });
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

  const candidates = constructions.filter(
    (c) =>
      c.language === 'java' &&
      !c.scope &&
      (c.kind === 'producer' || c.kind === 'consumer') &&
      !/^a @Bean/.test(c.singleton ?? '') &&
      (c.inMain || /^stored in /.test(c.fate.how ?? '') || /constructor/.test(c.singleton ?? '')),
  );
  for (const c of candidates) {
    // closed on every path of a function that then returns (a bounded use before serving): nothing left open. A
    // close in the finally of an endless loop is another matter: SIGTERM does not run main's finally blocks
    const fn = funcs.find((x) => x.name === c.function && x.file.path === c.file);
    if (c.fate.status === 'closed' && fn?.body && !findAll(fn.body, (n) => endless(fn.file, n)).length) continue;
    const held = c.binding ?? /^stored in (?:this\.)?([\w$]+)/.exec(c.fate.how ?? '')?.[1];
    // each call on the way out that closes it (any Kafka client when it has no name here), and the condition it runs under
    const found: { line: number; condition?: string }[] = [];
    // the shutdown paths of its own file (another class's hook closing a variable of the same name is not its)
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
    if (!found.length) {
      if (!closers.some((x) => x.root === c.file))
        gaps.push(
          shutdownGap(
            c,
            'no-signal-handler',
            `nothing closes ${name} when the JVM stops: no Runtime.getRuntime().addShutdownHook, @PreDestroy or DisposableBean.destroy() in ${c.file.replace(/^.*\//, '')} (on SIGTERM the JVM exits without flushing or closing it)`,
          ),
        );
      else
        gaps.push(
          shutdownGap(
            c,
            'not-closed',
            `${closers.find((x) => x.root === c.file)!.what} never closes ${name} (on SIGTERM the JVM exits without flushing or closing it)`,
          ),
        );
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
