// What a target process looks like from /proc, to prove that a kleak operation left nothing behind in it: its
// open files, its sockets by TCP state (listeners by port), its threads by name, whether something traces or stops
// it, and the files kleak could have left in its working directory or /tmp (a snapshot, an attach trigger).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface TargetState {
  /** open fds that are not sockets, pipes or anon inodes: their link targets, sorted */
  files: string[];
  fdCount: number;
  /** ports the target listens on, sorted */
  listening: number[];
  /** the target's sockets in CLOSE_WAIT (a peer closed, the target did not) */
  closeWait: number;
  /** thread names, sorted (a thread started by an operation and left running shows here) */
  threads: string[];
  tracerPid: number;
  /** R, S, D, T (stopped), t (stopped by a tracer)… */
  state: string;
  /** names in the target's cwd and /tmp (through /proc/PID/root) that an operation could leave */
  leftovers: string[];
}

const tcpStates: Record<string, string> = { '0A': 'LISTEN', '08': 'CLOSE_WAIT' };

function socketStates(pid: number): Map<string, { state: string; port: number }> {
  const byInode = new Map<string, { state: string; port: number }>();
  for (const file of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const state = tcpStates[f[3]!];
      if (state) byInode.set(f[9]!, { state, port: parseInt(f[1]!.split(':')[1]!, 16) });
    }
  }
  return byInode;
}

const leftoverPattern = /^(\.attach_pid\d+|.*\.heapsnapshot|.*\.hprof(\.gz)?|kleak[-_].*)$/;

function leftovers(pid: number): string[] {
  const dirs = [`/proc/${pid}/cwd`, `/proc/${pid}/root/tmp`];
  const out: string[] = [];
  for (const dir of dirs) {
    try {
      for (const name of readdirSync(dir)) if (leftoverPattern.test(name)) out.push(join(dir.endsWith('cwd') ? 'cwd' : '/tmp', name));
    } catch {
      /* gone or not readable */
    }
  }
  return out.sort();
}

export function targetState(pid: number): TargetState {
  const files: string[] = [];
  const sockets = socketStates(pid);
  const listening = new Set<number>();
  let closeWait = 0;
  let fdCount = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    fdCount++;
    const socket = /^socket:\[(\d+)\]$/.exec(link);
    if (socket) {
      const s = sockets.get(socket[1]!);
      if (s?.state === 'LISTEN') listening.add(s.port);
      if (s?.state === 'CLOSE_WAIT') closeWait++;
    } else if (!/^(pipe|anon_inode):/.test(link)) files.push(link);
  }
  const threads = readdirSync(`/proc/${pid}/task`)
    .map((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      } catch {
        return '';
      }
    })
    .filter(Boolean)
    .sort();
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    files: files.sort(),
    fdCount,
    listening: [...listening].sort((a, b) => a - b),
    closeWait,
    threads,
    tracerPid: Number(/TracerPid:\s+(\d+)/.exec(status)?.[1] ?? 0),
    state: /State:\s+(\S)/.exec(status)?.[1] ?? '?',
    leftovers: leftovers(pid),
  };
}

/** Names present in `after` more often than in `before` (threads started and left running). */
export function added(before: string[], after: string[]): string[] {
  const counts = new Map<string, number>();
  for (const x of before) counts.set(x, (counts.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of after) {
    const n = counts.get(x) ?? 0;
    if (n > 0) counts.set(x, n - 1);
    else out.push(x);
  }
  return out;
}
