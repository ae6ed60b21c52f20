// no-graceful-shutdown in Go: a long-running package main that builds producers or consumers without a
// SIGTERM path to closing them (or closes a producing franz-go client without Flush).
import { shutdownGap, type Construction, type ShutdownGap } from '../types.js';
import { text, type Func, type GoFile } from './common.js';
import { findAll, type GNode } from './tree.js';

export function shutdownGaps(files: GoFile[], imports: Map<GoFile, Map<string, string>>, main: Func, constructions: Construction[]): ShutdownGap[] {
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
