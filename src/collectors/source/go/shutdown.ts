// no-graceful-shutdown in Go: a long-running package main that builds producers or consumers without a
// SIGTERM path to closing them (or closes a producing franz-go client without Flush).
import { shutdownGap, type Construction, type ShutdownGap } from '../types.js';
import { text, type Func, type GoFile } from './common.js';
import { fieldOf, findAll, type GNode } from './tree.js';

const closeCall = /^(Close|AsyncClose|Shutdown)$/;
const isLiteral = (n: GNode) => n.type === 'func_literal';

/**
 * What the program's signal.Notify / NotifyContext calls catch: SIGTERM (or every signal, or a list it cannot
 * read), or only SIGINT — os.Interrupt, syscall.SIGINT — which Kubernetes never sends (it stops a pod with SIGTERM).
 */
function sigtermCaught(files: GoFile[]): { sigterm: boolean; sigintOnly?: { file: GoFile; node: GNode } } {
  let sigintOnly: { file: GoFile; node: GNode } | undefined;
  for (const f of files)
    for (const call of findAll(f.root, (n) => n.type === 'call_expression' && /^signal\.(Notify|NotifyContext)$/.test(text(f, fieldOf(n, 'function') ?? n)))) {
      const args = (fieldOf(call, 'arguments')?.kids ?? []).slice(1);
      // Notify(c) with no signal: every signal; a variable or a spread list: not known here, taken as SIGTERM's
      if (!args.length || args.some((a) => !/^(os\.Interrupt|os\.Kill|(syscall|unix)\.(SIGINT|SIGKILL|SIGQUIT|SIGHUP|SIGUSR1|SIGUSR2))$/.test(text(f, a))))
        return { sigterm: true };
      sigintOnly ??= { file: f, node: call };
    }
  return sigintOnly ? { sigterm: false, sigintOnly } : { sigterm: false };
}

/** A for with no condition: `for {`, or a clause without one (`for i := 0; ; i++ {`). */
const unconditional = (n: GNode) =>
  n.type === 'for_statement' && n.kids.every((k) => k.field === 'body' || (k.type === 'for_clause' && !k.kids.some((c) => c.field === 'condition')));

/** A loop with no way out (no return, no break of its own, no goto): what follows it, and main's defers, never run. */
function neverEnds(loop: GNode): boolean {
  if (!unconditional(loop)) return false;
  const body = fieldOf(loop, 'body');
  if (!body) return true;
  const exits = findAll(
    body,
    (n) => {
      if (n.type === 'return_statement' || n.type === 'goto_statement') return true;
      if (n.type !== 'break_statement') return false;
      if (n.kids.length) return true; // break Label
      // an unlabeled break leaves the innermost for, switch or select
      for (let p = n.parent; p && p !== loop; p = p.parent)
        if (['for_statement', 'expression_switch_statement', 'type_switch_statement', 'select_statement'].includes(p.type)) return false;
      return true;
    },
    isLiteral,
  );
  return exits.length === 0;
}

/** Calls of binding.Close() (or AsyncClose, Shutdown) under `n`, skipping func literals unless `intoLiterals`. */
function closesOf(f: GoFile, n: GNode, binding: string, intoLiterals: boolean): GNode[] {
  return findAll(
    n,
    (x) => {
      if (x.type !== 'call_expression') return false;
      const fn = fieldOf(x, 'function');
      return fn?.type === 'selector_expression' && text(f, fn.kids[0]!) === binding && closeCall.test(text(f, fn.kids[1]!));
    },
    intoLiterals ? undefined : isLiteral,
  );
}

const blocks = (f: GoFile, n: GNode) =>
  unconditional(n) ||
  /\b(ListenAndServe|ListenAndServeTLS|Serve|ServeTLS|Wait|Consume|ReadMessage|FetchMessage|PollFetches|PollRecords|Run|Start)\s*\(|\bselect\s*\{\s*\}|<-/.test(
    text(f, n),
  );

export function shutdownGaps(files: GoFile[], imports: Map<GoFile, Map<string, string>>, main: Func, constructions: Construction[]): ShutdownGap[] {
  const gaps: ShutdownGap[] = [];
  const all = files.map((f) => f.source).join('\n');
  // libraries that catch SIGTERM (and SIGINT) for the program: uber-go/fx, controller-runtime's
  // SetupSignalHandler (ctrl., signals., manager.), knative's signals.NewContext
  const helper = /\bfx\.New\s*\(|\.SetupSignalHandler\s*\(\s*\)|\bsignals\.NewContext\s*\(\s*\)/.test(all);
  const signals = /\bsignal\.(Notify|NotifyContext)\s*\(/.test(all) || helper;
  // only a program that runs until it is stopped needs a SIGTERM path: one that serves, or loops forever
  // only a program that runs until it is stopped needs a SIGTERM path: one that serves, blocks forever, loops
  // forever in main, or polls a consumer in an endless loop (a tool that runs to completion closes on return)
  const serves = files.some((f) => /\b(ListenAndServe|ListenAndServeTLS|Serve|ServeTLS)\s*\(|\bselect\s*\{\s*\}/.test(f.source));
  const endless = unconditional;
  const mainLoops = !!main.body && findAll(main.body, endless, (n) => n.type === 'func_literal').length > 0;
  const pollLoops = files.some(
    (f) => findAll(f.root, (n) => endless(n) && /\.(Consume|PollFetches|PollRecords|ReadMessage|FetchMessage|Poll)\(/.test(text(f, n))).length > 0,
  );
  if (!serves && !mainLoops && !pollLoops && !signals) return gaps;
  const built = constructions.filter((c) => c.inMain && !c.scope && (c.kind === 'producer' || c.kind === 'consumer' || c.kind === 'client'));
  const caught = sigtermCaught(files);
  const mainList = main.body?.kids.find((k) => k.type === 'statement_list')?.kids ?? [];
  const mf = main.file;
  for (const c of built) {
    const own = c.function === main.name && c.file === mf.path && c.binding ? c.binding : undefined;
    const at = own ? mainList.findIndex((st) => st.line <= c.line && st.endLine >= c.line) : -1;
    if (own && at >= 0) {
      // closed by a plain statement of main before anything that blocks (a loop, a server, a wait): SIGTERM later loses nothing of it
      // …unconditionally: the call is the statement, or in its head (if err := w.Close(); err != nil), not in a branch
      const plain = (st: GNode) =>
        closesOf(mf, st, own, false).some((call) => {
          for (let p = call.parent; p && p !== st; p = p.parent) if (p.type === 'block') return false;
          return true;
        });
      const closedAt = mainList.findIndex((st, i) => i > at && st.type !== 'defer_statement' && st.type !== 'go_statement' && plain(st));
      if (closedAt > at && !mainList.slice(at + 1, closedAt).some((st) => st.type !== 'defer_statement' && st.type !== 'go_statement' && blocks(mf, st)))
        continue;
    }
    if (signals && !caught.sigterm && caught.sigintOnly && !helper) {
      const { file, node } = caught.sigintOnly;
      gaps.push(
        shutdownGap(
          c,
          'no-signal-handler',
          `${text(file, node)} (line ${node.line}) catches SIGINT only: Kubernetes stops a pod with SIGTERM, which ends the process without closing it`,
        ),
      );
      continue;
    }
    if (signals && own && at >= 0 && c.fate.status === 'closed') {
      // main closes it only by defer (or after its loop), and main never returns: an endless loop with no way out
      const loopAt = mainList.findIndex((st, i) => i > at && neverEnds(st));
      // a goroutine or closure that closes it, or is handed it (go shutdown(group), func() { <-sigs; stop(group) }): its path may close it
      const handed = (n: GNode) => findAll(n, (x) => x.type === 'identifier' && text(mf, x) === own && x.parent?.type === 'argument_list').length > 0;
      const inLiteral =
        !!main.body &&
        (findAll(main.body, isLiteral).some((lit) => closesOf(mf, lit, own, true).length || handed(lit)) ||
          mainList.some((st) => st.type === 'go_statement' && handed(st)));
      const elsewhere = files.some((f) => f !== mf && closesOf(f, f.root, own, true).length);
      if (loopAt > at && !inLiteral && !elsewhere) {
        const early = mainList.slice(at + 1, loopAt).some((st) => st.type !== 'defer_statement' && closesOf(mf, st, own, true).length);
        if (!early) {
          gaps.push(
            shutdownGap(
              c,
              'not-closed',
              `${own}.Close() is never reached: the loop at line ${mainList[loopAt]!.line} never ends, so ${main.name} never returns to run its defers, and nothing on the signal's path closes ${own}`,
            ),
          );
          continue;
        }
      }
    }
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
