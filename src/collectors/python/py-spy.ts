// A Python process's threads and their stacks, through py-spy (PyPI; it reads the interpreter's memory from outside,
// with process_vm_readv, and with --nonblocking never pauses the target). Only with the user's consent (--stacks
// --yes): it needs ptrace rights over the target. What kleak takes from it: every thread's name and Python frames,
// and the Kafka client threads among them — kafka-python's IO thread per client (3.x: "kafka-io-<client_id>"; 2.x:
// "<client_id>-network-thread" and "<group>-heartbeat"), recognised by name and by the library's frames.
import { spawnSync } from 'node:child_process';
import { InputError } from '../../errors.js';
import type { PythonStacks, PythonThread } from '../process/types.js';

interface PySpyFrame {
  name: string;
  filename: string;
  short_filename?: string;
  line: number;
}
interface PySpyThread {
  thread_name?: string | null;
  os_thread_id?: number | null;
  thread_id: number;
  frames: PySpyFrame[];
}

/** py-spy's executable: KLEAK_PY_SPY, else py-spy on PATH. */
export function pySpyCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.KLEAK_PY_SPY || 'py-spy';
}

const kafkaPythonFrame = /\/site-packages\/kafka\//;

/** The Kafka client threads of a dump: kafka-python's, by name or by the library's frames at the bottom of the stack. */
export function kafkaThreads(threads: readonly PythonThread[]): PythonStacks['clients'] {
  const byKind = new Map<string, { library: 'kafka-python'; kind: string; threads: number; names: string[] }>();
  for (const t of threads) {
    const kind = /^kafka-io-/.test(t.name)
      ? 'client IO thread'
      : /-network-thread$/.test(t.name)
        ? 'producer network thread'
        : /-heartbeat$/.test(t.name)
          ? 'consumer heartbeat thread'
          : t.frames.some((f) => kafkaPythonFrame.test(f.file))
            ? 'client thread'
            : undefined;
    if (!kind) continue;
    const entry = byKind.get(kind) ?? { library: 'kafka-python' as const, kind, threads: 0, names: [] };
    entry.threads++;
    if (!entry.names.includes(t.name)) entry.names.push(t.name);
    byKind.set(kind, entry);
  }
  return [...byKind.values()];
}

/** Parses `py-spy dump --json` (one process): threads with their frames, innermost first. */
export function parsePySpyDump(text: string): PythonThread[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new InputError('py-spy did not print the JSON kleak asked for.', {
      hint: 'Use py-spy 0.3.14 or later (pip install py-spy==0.4.3): `py-spy dump --json`.',
    });
  }
  const list = Array.isArray(data) ? (data as PySpyThread[]) : [];
  return list.map((t) => ({
    name: t.thread_name ?? `thread ${t.os_thread_id ?? t.thread_id}`,
    ...(typeof t.os_thread_id === 'number' ? { tid: t.os_thread_id } : {}),
    frames: (t.frames ?? []).map((f) => ({ function: f.name, file: f.filename, line: f.line })),
  }));
}

/** One `py-spy dump --nonblocking --json` of the process, bounded to 30 s; a clear InputError when it cannot be run. */
export function readPythonStacks(pid: number, env: NodeJS.ProcessEnv = process.env): PythonStacks {
  const command = pySpyCommand(env);
  const r = spawnSync(command, ['dump', '--pid', String(pid), '--nonblocking', '--json'], { encoding: 'utf8', timeout: 30_000, maxBuffer: 64 << 20 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT')
    throw new InputError(`py-spy was not found (${command}): kleak reads a Python process's threads and stacks through it.`, {
      hint: 'Install it where kleak runs: pip install py-spy==0.4.3 (or point KLEAK_PY_SPY at it). It reads the interpreter from outside and, with --nonblocking as kleak runs it, never pauses it.',
    });
  if (r.error)
    throw new InputError(`py-spy could not be run on PID ${pid} (${r.error.message}).`, { hint: 'It is given 30 s; try `py-spy dump --pid PID` by hand.' });
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ');
    const denied = /permission|denied|operation not permitted|ptrace/i.test(why);
    throw new InputError(`py-spy could not read PID ${pid}: ${why || `exit ${r.status}`}.`, {
      hint: denied
        ? 'py-spy needs ptrace rights over the target: run kleak as root, as the same user with kernel.yama.ptrace_scope=0, or with CAP_SYS_PTRACE (in a container: --cap-add SYS_PTRACE).'
        : 'Is it a CPython process? py-spy reads CPython 2.3–3.13 (and PyPy is not supported).',
    });
  }
  const threads = parsePySpyDump(r.stdout);
  const version = spawnSync(command, ['--version'], { encoding: 'utf8', timeout: 5000 }).stdout?.trim();
  return { tool: version || 'py-spy', threads, clients: kafkaThreads(threads) };
}
