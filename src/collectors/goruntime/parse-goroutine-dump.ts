// Parses Go goroutine profiles in text form, both shapes net/http/pprof serves; does no classification.
// debug=1 (grouped by stack, no states):
//   goroutine profile: total 57
//   42 @ 0x48a60e 0x41ad2e 0x757437 0x491d41
//   #	0x757436	github.com/IBM/sarama.(*Broker).responseReceiver+0x76	/go/pkg/mod/…/broker.go:1357
// debug=2 (every goroutine, with its state; the format of runtime.Stack / a panic):
//   goroutine 18 [chan receive, 5 minutes]:
//   github.com/IBM/sarama.(*Broker).responseReceiver(0xc000232000)
//   	/go/pkg/mod/…/broker.go:1357 +0x76
//   created by github.com/IBM/sarama.(*Broker).Open.func1 in goroutine 34
//   	/go/pkg/mod/…/broker.go:318 +0x2b5
// Format: src/runtime/pprof/pprof.go (printCountProfile) and src/runtime/traceback.go.

export interface GoFrame {
  fn: string;
  file?: string;
  line?: number;
}

export interface GoroutineGroup {
  count: number;
  /** debug=2 only: "chan receive", "IO wait", "chan send (nil chan)", … */
  state?: string;
  /** debug=2 only: the longest wait in the group, in minutes ("5 minutes") */
  waitMinutes?: number;
  frames: GoFrame[];
  createdBy?: string;
  /** debug=2: where the `go` statement is, in createdBy */
  createdAt?: { file: string; line: number };
  /** debug=2: the goroutines that created this group's and are still running, with their stacks (the first one's) */
  creators?: Array<{ frames: GoFrame[]; count: number }>;
}

export interface GoroutineDump {
  format: 'debug=1' | 'debug=2';
  /** debug=1: the header's total; debug=2: the number of goroutines listed */
  total: number;
  groups: GoroutineGroup[];
  warnings: string[];
}

/** "pkg.(*T).m-fm" → "pkg.(*T).m": old toolchains add -fm to method values. */
export function normalizeFn(fn: string): string {
  return fn.endsWith('-fm') ? fn.slice(0, -3) : fn;
}

/**
 * "pkg.(*T).m(0xc000, {0x1, 0x2}, ...)" → "pkg.(*T).m": drops the argument list that closes the line,
 * found by one backward scan that counts parentheses (linear on any input; the receiver's "(*T)" stays).
 */
export function stripArguments(line: string): string {
  if (!line.endsWith(')')) return line;
  let depth = 0;
  for (let i = line.length - 1; i >= 0; i--) {
    const c = line.charCodeAt(i);
    if (c === 0x29) depth++;
    else if (c === 0x28 && --depth === 0) return line.slice(0, i);
  }
  return line;
}

/** Lines of a dump as Go wrote them or as they arrive after a Windows editor or a CRLF-converting proxy. */
const lines = (text: string) => text.split(/\r?\n/);

export function isGoroutineDump(text: string): boolean {
  return /^goroutine profile: total \d+/m.test(text.slice(0, 4096)) || /^goroutine \d+ (?:gp=\S+ m=\S+ (?:mp=\S+ )?)?\[/m.test(text.slice(0, 4096));
}

export function parseGoroutineDump(text: string): GoroutineDump {
  const header = /^goroutine profile: total (\d+)/m.exec(text.slice(0, 4096));
  return header ? parseDebug1(text, Number(header[1])) : parseDebug2(text);
}

function parseDebug1(text: string, total: number): GoroutineDump {
  const groups: GoroutineGroup[] = [];
  const warnings: string[] = [];
  let current: GoroutineGroup | undefined;
  for (const line of lines(text)) {
    if (line.startsWith('goroutine profile:') || line.trim() === '') {
      current = undefined;
      continue;
    }
    const head = /^(\d+) @(?: 0x[0-9a-f]+)*\s*$/.exec(line);
    if (head) {
      current = { count: Number(head[1]), frames: [] };
      groups.push(current);
      continue;
    }
    const frame = /^#\t0x[0-9a-f]+\t(\S+)\+0x[0-9a-f]+\t(.*):(\d+)$/.exec(line);
    if (frame && current) {
      current.frames.push({ fn: normalizeFn(frame[1]!), file: frame[2]!, line: Number(frame[3]) });
      continue;
    }
    if (line.startsWith('# labels:') || line.startsWith('#\t')) continue; // labels; frames without symbols
    if (warnings.length < 20) warnings.push(`unrecognised line in a debug=1 goroutine profile: ${line.slice(0, 120)}`);
  }
  return { format: 'debug=1', total, groups, warnings };
}

const goroutineHead = /^goroutine (\d+) (?:gp=\S+ m=\S+ (?:mp=\S+ )?)?\[(.*)\]:$/;

function parseState(raw: string): { state: string; waitMinutes?: number } {
  const parts = raw.split(', ');
  let waitMinutes: number | undefined;
  const kept: string[] = [];
  for (const p of parts) {
    const m = /^(\d+) minutes?$/.exec(p);
    if (m) waitMinutes = Number(m[1]);
    else if (p !== 'locked to thread' && !p.startsWith('GC assist')) kept.push(p);
  }
  return { state: kept.join(', '), ...(waitMinutes !== undefined ? { waitMinutes } : {}) };
}

function parseDebug2(text: string): GoroutineDump {
  const byKey = new Map<string, GoroutineGroup>();
  const warnings: string[] = [];
  let total = 0;
  const all = lines(text);
  // goroutine id → its group, and per group the ids of the goroutines that created its members
  const groupOf = new Map<number, GoroutineGroup>();
  const creatorIds = new Map<GoroutineGroup, Map<number, number>>();
  for (let i = 0; i < all.length; i++) {
    const head = goroutineHead.exec(all[i]!);
    if (!head) {
      const l = all[i]!;
      if (l.trim() !== '' && warnings.length < 20) warnings.push(`unrecognised line in a debug=2 goroutine dump: ${l.slice(0, 120)}`);
      continue;
    }
    total++;
    const { state, waitMinutes } = parseState(head[2]!);
    const frames: GoFrame[] = [];
    let createdBy: string | undefined;
    let createdAt: { file: string; line: number } | undefined;
    let creatorId: number | undefined;
    for (i++; i < all.length && all[i] !== ''; i++) {
      const l = all[i]!;
      if (l.startsWith('\t')) {
        const at = /^\t(.*):(\d+)(?: \+0x[0-9a-f]+)?$/.exec(l);
        const last = frames[frames.length - 1];
        if (at && createdBy && !createdAt) createdAt = { file: at[1]!, line: Number(at[2]) };
        else if (at && last && last.file === undefined && !createdBy) Object.assign(last, { file: at[1]!, line: Number(at[2]) });
        continue;
      }
      if (l.startsWith('created by ')) {
        const creator = / in goroutine (\d+)$/.exec(l);
        if (creator) creatorId = Number(creator[1]);
        createdBy = normalizeFn(l.slice('created by '.length).replace(/ in goroutine \d+$/, ''));
        continue;
      }
      if (l.startsWith('...')) continue; // "...additional frames elided..."
      frames.push({ fn: normalizeFn(stripArguments(l)) });
    }
    const key = `${state}\n${frames.map((f) => f.fn).join('\n')}\n${createdBy ?? ''}\n${createdAt ? `${createdAt.file}:${createdAt.line}` : ''}`;
    let group = byKey.get(key);
    if (group) {
      group.count++;
      if (waitMinutes !== undefined) group.waitMinutes = Math.max(group.waitMinutes ?? 0, waitMinutes);
    } else {
      group = {
        count: 1,
        state,
        ...(waitMinutes !== undefined ? { waitMinutes } : {}),
        frames,
        ...(createdBy ? { createdBy } : {}),
        ...(createdAt ? { createdAt } : {}),
      };
      byKey.set(key, group);
    }
    groupOf.set(Number(head[1]), group);
    if (creatorId !== undefined) {
      const ids = creatorIds.get(group) ?? new Map<number, number>();
      ids.set(creatorId, (ids.get(creatorId) ?? 0) + 1);
      creatorIds.set(group, ids);
    }
  }
  // runtime/pprof stops writing a debug=2 dump at 64 MiB (writeGoroutineStacks): say so when it did
  if (text.length >= 64 << 20)
    warnings.push(
      `the dump is ${text.length} bytes, the most runtime/pprof writes: it was cut off after ${total} goroutines and more may exist (debug=1 has the full count)`,
    );
  // creators still running: their stacks show where in the service the creating goroutine is now
  for (const [group, ids] of creatorIds) {
    const alive = [...ids].filter(([id]) => groupOf.has(id)).map(([id, count]) => ({ frames: groupOf.get(id)!.frames, count }));
    if (alive.length) group.creators = alive;
  }
  return { format: 'debug=2', total, groups: [...byKey.values()], warnings };
}
