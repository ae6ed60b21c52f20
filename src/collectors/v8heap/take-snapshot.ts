// Takes a heap snapshot of a running Node process: through its inspector (SIGUSR1 opens it on
// 127.0.0.1:9229; chunks are streamed to a file; the inspector is closed again, also on failure),
// or by signal (SIGUSR2 to a process that loaded heapdump / kleak/agent or runs with
// --heapsnapshot-signal; the new file is awaited in its working directory).
import { createWriteStream, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { InputError } from '../../errors.js';
import { assertMemoryForSnapshot } from '../memory-budget.js';
import { parseSocketInode } from '../process/parse-proc-files.js';
import { parseProcNetTcp, type ParsedTcpTable } from '../process/parse-proc-net-tcp.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The ports PID listens on, from its own fds and its network namespace's tables. SIGUSR1 opens the inspector on
 * the port the process was started with (--inspect-port, 9229 by default), which kleak cannot know: the port that
 * appears is the one, so a kleak that looked at another port never leaves an inspector open behind it.
 */
function listeningPorts(pid: number): Set<number> {
  const inodes = new Set<number>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const inode = parseSocketInode(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (inode !== undefined) inodes.add(inode);
      } catch {
        /* closed meanwhile */
      }
    }
    const table: ParsedTcpTable = { sockets: [], warnings: [] };
    for (const file of ['tcp', 'tcp6']) {
      try {
        parseProcNetTcp(readFileSync(`/proc/${pid}/net/${file}`, 'utf8'), inodes, table);
      } catch {
        /* no IPv6 */
      }
    }
    return new Set(table.sockets.filter((s) => s.state === 'LISTEN').map((s) => s.localPort));
  } catch {
    return new Set(); // not readable: only the given port is tried
  }
}

function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((done) => {
    const s = new Socket();
    const finish = (open: boolean) => {
      s.destroy();
      done(open);
    };
    s.setTimeout(500, () => finish(false));
    s.once('error', () => finish(false));
    s.connect(port, host, () => finish(true));
  });
}

export function assertNodeProcess(pid: number): void {
  let exe: string;
  try {
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `No process with PID ${pid}.` : `Cannot inspect PID ${pid} (${code}).`, {
      cause,
      hint: code === 'ENOENT' ? 'Check the PID with ps or pgrep.' : 'Run kleak as the same user as the process, or as root.',
    });
  }
  if (!/\/node(js)?(\d+)?$/.test(exe)) {
    throw new InputError(`PID ${pid} is not a Node.js process (${exe}).`, {
      hint: 'kleak heap reads V8 heaps of Node services; for Go services use kleak pprof.',
    });
  }
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: { chunk?: string };
  result?: unknown;
  error?: { message: string };
}

/** How long the target keeps its inspector open without hearing from kleak (renewed every second). */
export const inspectorLeaseMs = 5000;

/**
 * Run in the target as soon as the inspector session opens, and again every second: a timer in the
 * target that closes its own inspector when kleak stops renewing it — kleak killed mid-snapshot leaves
 * the inspector open for at most the lease after the snapshot ends, not forever. (While V8 writes the
 * snapshot the main thread runs nothing else; renewals queued then are dispatched before any timer.)
 */
const renewLease = `(() => { clearTimeout(globalThis.__kleakInspectorLease); const t = setTimeout(() => { delete globalThis.__kleakInspectorLease; process._debugEnd(); }, ${inspectorLeaseMs}); if (t.unref) t.unref(); globalThis.__kleakInspectorLease = t; return true; })()`;
/** kleak's own close at the end: the lease cleared and deleted, then the inspector closed (the target as it was). */
const closeInspector = 'clearTimeout(globalThis.__kleakInspectorLease); delete globalThis.__kleakInspectorLease; process._debugEnd()';

/** Opens the inspector with SIGUSR1, streams a snapshot into `file`, closes the inspector again. */
export async function snapshotViaInspector(pid: number, file: string, options: { port?: number; timeoutMs?: number } = {}): Promise<void> {
  const givenPort = options.port ?? 9229;
  const timeoutMs = options.timeoutMs ?? 120_000;
  assertNodeProcess(pid);
  assertMemoryForSnapshot(pid, 'a heap snapshot');
  if (await portOpen(givenPort)) {
    throw new InputError(`Port ${givenPort} is already taken on 127.0.0.1, so PID ${pid}'s inspector cannot open there.`, {
      hint: `Find what listens there (ss -ltnp 'sport = :${givenPort}'), stop it, or use --via signal with a process that loaded heapdump (node -r kleak/agent).`,
    });
  }
  const listenedBefore = listeningPorts(pid);
  process.kill(pid, 'SIGUSR1');
  let wsUrl: string | undefined;
  let port = givenPort;
  const deadline = Date.now() + 5000;
  while (!wsUrl && Date.now() < deadline) {
    // the given port, and any port the process started listening on since the signal (its own --inspect-port)
    const candidates = [givenPort, ...[...listeningPorts(pid)].filter((p) => p !== givenPort && !listenedBefore.has(p))];
    for (const candidate of candidates) {
      try {
        const list = (await (await fetch(`http://127.0.0.1:${candidate}/json/list`, { signal: AbortSignal.timeout(500) })).json()) as Array<{
          webSocketDebuggerUrl?: string;
        }>;
        wsUrl = list[0]?.webSocketDebuggerUrl;
        if (wsUrl) {
          port = candidate;
          break;
        }
      } catch {
        /* not (yet) an inspector */
      }
    }
    if (!wsUrl) await sleep(100);
  }
  if (!wsUrl) {
    throw new InputError(`PID ${pid}'s inspector did not open on 127.0.0.1:${givenPort}, nor on any new port of the process, after SIGUSR1.`, {
      hint: 'The process may run in another network namespace (a container: run kleak inside it), or ignore SIGUSR1. Try --via signal.',
    });
  }
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(wsUrl);
  // written under a temporary name and renamed when whole: a kleak killed mid-snapshot leaves no file that looks complete
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  let failure: unknown;
  let renewer: NodeJS.Timeout | undefined;
  ws.on('close', () => {
    // the process exited, or closed its inspector: every call still waiting fails now, not at the timeout
    for (const p of pending.values()) p.reject(new Error(`PID ${pid} closed its inspector (did it exit?)`));
    pending.clear();
  });
  ws.on('error', () => {});
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const send = (expression: string) =>
      ws.readyState === ws.OPEN && ws.send(JSON.stringify({ id: nextId++, method: 'Runtime.evaluate', params: { expression } }));
    send(renewLease);
    renewer = setInterval(() => send(renewLease), 1000);
    ws.on('message', (data) => {
      const m = JSON.parse(
        (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(new Uint8Array(data))).toString('utf8'),
      ) as CdpMessage;
      if (m.method === 'HeapProfiler.addHeapSnapshotChunk' && m.params?.chunk !== undefined) {
        out.write(m.params.chunk); // written as it arrives, never held whole
        return;
      }
      if (m.id !== undefined && pending.has(m.id)) {
        const p = pending.get(m.id)!;
        pending.delete(m.id);
        if (m.error) p.reject(new Error(m.error.message));
        else p.resolve(m.result);
      }
    });
    await call('HeapProfiler.enable');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      call('HeapProfiler.takeHeapSnapshot', { reportProgress: false }),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the snapshot took longer than ${timeoutMs} ms`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
  } catch (error) {
    failure = error;
  } finally {
    clearInterval(renewer);
    await new Promise<void>((r) => out.end(() => r()));
    // close the inspector again: the evaluate gets no reply, the socket closes under it
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: nextId++, method: 'Runtime.evaluate', params: { expression: closeInspector } }));
    await sleep(300);
    ws.terminate();
  }
  for (let i = 0; i < 20 && (await portOpen(port)); i++) await sleep(100);
  const stillOpen = await portOpen(port);
  if (failure) {
    rmSync(partial, { force: true }); // never leave a half-written snapshot
    throw new InputError(`Taking the heap snapshot of PID ${pid} failed: ${(failure as Error).message}.`, {
      cause: failure,
      hint: stillOpen ? `Its inspector may still be open on port ${port}: restart the process if it is.` : 'The inspector was closed again.',
    });
  }
  renameSync(partial, file);
  if (stillOpen) {
    throw new InputError(`The snapshot was taken, but PID ${pid}'s inspector is still open on 127.0.0.1:${port}.`, {
      hint: 'Anyone on this host can run code in it while it is open: restart the process.',
    });
  }
}

/** SIGUSR2 to a process that writes snapshots on that signal; waits (bounded) for the new file. */
export async function snapshotViaSignal(pid: number, timeoutMs = 120_000): Promise<string> {
  assertNodeProcess(pid);
  const cwd = readlinkSync(`/proc/${pid}/cwd`);
  const isSnapshot = (f: string) => f.endsWith('.heapsnapshot');
  const before = new Set(readdirSync(cwd).filter(isSnapshot));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  let candidate: string | undefined;
  let lastSize = -1;
  while (Date.now() < deadline) {
    await sleep(250);
    candidate ??= readdirSync(cwd)
      .filter(isSnapshot)
      .find((f) => !before.has(f));
    if (!candidate) continue;
    const size = statSync(join(cwd, candidate)).size;
    if (size > 0 && size === lastSize) return join(cwd, candidate); // stopped growing: written
    lastSize = size;
  }
  throw new InputError(`PID ${pid} wrote no new heap snapshot into ${cwd} within ${timeoutMs} ms of SIGUSR2.`, {
    hint: 'With --via signal the process must have loaded heapdump (node -r kleak/agent app.js) or run with --heapsnapshot-signal=SIGUSR2. Otherwise use the inspector (the default).',
  });
}
