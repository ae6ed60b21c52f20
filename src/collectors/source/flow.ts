// "Closed on every path, or escaping": the path analysis of go vet's lostcancel, on the structured
// statements of Go and JS (no goto). Each language turns its statements into these shapes; the walk
// follows every path from just after the construction to a return, a jump out of the variable's scope
// or the end of the function, and reports the ones on which the variable was neither closed nor
// handed on (returned, stored, passed to a call, captured by a goroutine or closure that uses it).
import type { Fate } from './types.js';

export type Use = { status: 'closed' | 'escapes'; how: string } | undefined;

/** A statement as the walk sees it; `node` is the language's own node, passed back to `uses`. */
export type Stmt<N> =
  | { t: 'simple'; node: N }
  | { t: 'return'; node: N; line: number }
  /** panic, log.Fatal, os.Exit, throw: the path ends and nothing leaks past it */
  | { t: 'terminate'; node: N }
  | { t: 'defer'; node: N }
  | { t: 'if'; head: N[]; branches: N[][]; exhaustive: boolean; skipFirst: boolean }
  | { t: 'loop'; head: N[]; body: N[]; infinite: boolean; endLine: number }
  | { t: 'switch'; head: N[]; cases: N[][]; exhaustive: boolean }
  | { t: 'try'; block: N[]; handler?: N[]; finalizer?: N[] }
  | { t: 'block'; body: N[] }
  | { t: 'break' | 'continue'; line: number };

export interface FlowLanguage<N> {
  stmt(node: N): Stmt<N>;
  /** how `node` (a simple statement, a head expression or a defer) uses the variable, if it does */
  uses(node: N, name: string): Use;
  /** `if err != nil` right after the construction: its first branch runs when the client is nil */
  isErrCheck(stmt: Stmt<N>, errVar: string | undefined): boolean;
  line(node: N): number;
}

type State = 'open' | 'done' | 'terminated' | 'break' | 'continue';
interface Walk {
  state: State;
  how?: string;
  leaks: number[];
}

/** Walks `list` from `start` and says how the paths that reach its end leave it. */
function walkList<N>(lang: FlowLanguage<N>, list: readonly N[], start: number, name: string, errVar: string | undefined): Walk {
  const leaks: number[] = [];
  let how: string | undefined;
  let first = true;
  for (let i = start; i < list.length; i++) {
    const s = lang.stmt(list[i]!);
    const r = walkStmt(lang, s, name, first ? errVar : undefined);
    first = false;
    leaks.push(...r.leaks);
    how ??= r.how;
    if (r.state !== 'open') return { state: r.state, how, leaks };
  }
  return { state: 'open', how, leaks };
}

const usesAny = <N>(lang: FlowLanguage<N>, nodes: readonly N[], name: string): Use => {
  for (const n of nodes) {
    const u = lang.uses(n, name);
    if (u) return u;
  }
  return undefined;
};

/** Merges the ways branches leave: open if any path falls through, else the least final. */
function merge(states: State[]): State {
  for (const s of ['open', 'done', 'continue', 'break', 'terminated'] as const) if (states.includes(s)) return s;
  return 'open';
}

function walkStmt<N>(lang: FlowLanguage<N>, s: Stmt<N>, name: string, errVar: string | undefined): Walk {
  switch (s.t) {
    case 'simple':
    case 'defer': {
      const u = lang.uses(s.node, name);
      return u ? { state: 'done', how: u.how, leaks: [] } : { state: 'open', leaks: [] };
    }
    case 'return': {
      const u = lang.uses(s.node, name);
      return u ? { state: 'done', how: u.how, leaks: [] } : { state: 'terminated', leaks: [s.line] };
    }
    case 'terminate':
      return { state: 'terminated', leaks: [] };
    case 'break':
    case 'continue':
      return { state: s.t, leaks: [] };
    case 'block':
      return walkList(lang, s.body, 0, name, undefined);
    case 'if': {
      const u = usesAny(lang, s.head, name);
      if (u) return { state: 'done', how: u.how, leaks: [] };
      const skip = lang.isErrCheck(s, errVar);
      const walks = s.branches.map((b, i) => (i === 0 && skip ? { state: 'terminated' as const, leaks: [] } : walkList(lang, b, 0, name, undefined)));
      const states = walks.map((w) => w.state);
      if (!s.exhaustive) states.push('open');
      return { state: merge(states), how: walks.find((w) => w.how)?.how, leaks: walks.flatMap((w) => w.leaks) };
    }
    case 'loop': {
      const u = usesAny(lang, s.head, name);
      if (u) return { state: 'done', how: u.how, leaks: [] };
      const body = walkList(lang, s.body, 0, name, undefined);
      // a loop may run zero times; an infinite loop without a break is left only by return
      const breaks = body.state === 'break' || containsBreak(lang, s.body);
      const state: State = s.infinite && !breaks ? (body.state === 'done' ? 'done' : 'terminated') : 'open';
      return { state, how: body.how, leaks: body.leaks };
    }
    case 'switch': {
      const u = usesAny(lang, s.head, name);
      if (u) return { state: 'done', how: u.how, leaks: [] };
      const walks = s.cases.map((c) => walkList(lang, c, 0, name, undefined));
      const states = walks.map((w) => (w.state === 'break' ? 'open' : w.state));
      if (!s.exhaustive) states.push('open');
      return { state: merge(states), how: walks.find((w) => w.how)?.how, leaks: walks.flatMap((w) => w.leaks) };
    }
    case 'try': {
      if (s.finalizer) {
        const fin = walkList(lang, s.finalizer, 0, name, undefined);
        if (fin.state === 'done') return { state: 'done', how: `${fin.how ?? 'closed'} in finally`, leaks: [] };
      }
      const walks = [walkList(lang, s.block, 0, name, undefined), ...(s.handler ? [walkList(lang, s.handler, 0, name, undefined)] : [])];
      return { state: merge(walks.map((w) => w.state)), how: walks.find((w) => w.how)?.how, leaks: walks.flatMap((w) => w.leaks) };
    }
  }
}

function containsBreak<N>(lang: FlowLanguage<N>, body: readonly N[]): boolean {
  for (const n of body) {
    const s = lang.stmt(n);
    if (s.t === 'break') return true;
    if (s.t === 'if' && s.branches.some((b) => containsBreak(lang, b))) return true;
    if (s.t === 'block' && containsBreak(lang, s.body)) return true;
    if (s.t === 'try' && [s.block, s.handler ?? [], s.finalizer ?? []].some((b) => containsBreak(lang, b))) return true;
  }
  return false;
}

/**
 * One level of the statement lists that enclose a construction, innermost first: the list, the index of
 * the statement holding the construction (or of the compound statement that contains it), what owns the
 * list, and the line where its scope ends.
 */
export interface Enclosing<N> {
  list: readonly N[];
  index: number;
  owner: 'function' | 'loop' | 'branch' | 'try' | 'finally';
  endLine: number;
  /** for a try block: its finally, which runs on every path out of it */
  finalizer?: readonly N[];
}

/**
 * The fate of `name`, bound by the statement at `levels[0].index`. `declaredHere`: the binding is new in
 * that list (Go :=, JS const/let), so its scope ends with the list; else the walk goes on outwards.
 */
export function fateOf<N>(lang: FlowLanguage<N>, levels: readonly Enclosing<N>[], name: string, errVar: string | undefined, declaredHere: boolean): Fate {
  const leaks: number[] = [];
  let how: string | undefined;
  // a defer written before the construction (Go: `var c sarama.Client; defer func() { if c != nil { c.Close() } }()`)
  // runs on every path out of the function, as one after it does
  for (const level of levels)
    for (let i = 0; i < level.index; i++) {
      const s = lang.stmt(level.list[i]!);
      const u = s.t === 'defer' ? lang.uses(s.node, name) : undefined;
      if (u) return closedOrEscapes(u.how);
    }
  for (let depth = 0; depth < levels.length; depth++) {
    const level = levels[depth]!;
    const w = walkList(lang, level.list, level.index + 1, name, depth === 0 ? errVar : undefined);
    leaks.push(...w.leaks);
    how ??= w.how;
    if (w.state === 'done') return leaks.length ? { status: 'leaks', leakLine: leaks[0]! } : closedOrEscapes(w.how ?? how ?? 'used');
    if (w.state === 'terminated') return leaks.length ? { status: 'leaks', leakLine: leaks[0]! } : closedOrEscapes(how ?? 'kept until the process exits');
    if (level.finalizer) {
      // every path out of the try block, the returns found inside it included, runs the finally
      const fin = walkList(lang, level.finalizer, 0, name, undefined);
      if (fin.state === 'done') return closedOrEscapes(`${fin.how ?? 'closed'} in finally`);
    }
    // open (or a jump) at the end of this list: the variable goes out of scope here, or the walk goes on outwards
    if (level.owner === 'function' || level.owner === 'loop' || (declaredHere && depth === 0)) {
      leaks.push(level.endLine);
      return { status: 'leaks', leakLine: leaks[0]! };
    }
  }
  return leaks.length ? { status: 'leaks', leakLine: leaks[0]! } : closedOrEscapes(how ?? 'unknown');
}

function closedOrEscapes(how: string): Fate {
  return { status: /close|disconnect|flush|shutdown/i.test(how) ? 'closed' : 'escapes', how };
}
