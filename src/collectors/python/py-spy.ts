// A Python process's threads and their stacks, through py-spy (PyPI; it reads the interpreter's memory from outside,
// with process_vm_readv, and with --nonblocking never pauses the target). Only with the user's consent (--stacks
// --yes): it needs ptrace rights over the target. What kleak takes from it: every thread's name and Python frames,
// and the Kafka client threads among them — kafka-python's IO thread per client (3.x: "kafka-io-<client_id>"; 2.x:
// "<client_id>-network-thread" and "<group>-heartbeat"), recognised by name and by the library's frames.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../errors.js';
import type { PythonConstructorSite, PythonStacks, PythonThread } from '../process/types.js';

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

/** The Python constructors of the Kafka clients, as a folded stack names them ("KafkaConsumer.__init__ (…/kafka/consumer/group.py:461)"). */
const constructorFrames: Array<{ library: 'kafka-python' | 'aiokafka'; pattern: RegExp }> = [
  { library: 'kafka-python', pattern: /^(KafkaConsumer|KafkaProducer|KafkaAdminClient|KafkaClient)\.__init__ \(.*\/kafka\/[^)]*\)$/ },
  { library: 'aiokafka', pattern: /^(AIOKafkaProducer|AIOKafkaConsumer|AIOKafkaClient)\.(__init__|start) \(.*\/aiokafka\/[^)]*\)$/ },
];

/** Not the service's code: the standard library and installed packages. */
const isLibraryFile = (file: string) => /\/(site|dist)-packages\/|\/lib\/python\d+(\.\d+)?\/|^<frozen /.test(file);

/**
 * Where the service built its Kafka clients, from `py-spy record --format raw --full-filenames` (folded stacks,
 * outermost first, a sample count at the end of each line): the service's own frame outside a client
 * constructor, with the samples that fell inside it. A sampler sees a constructor only while it runs (its
 * connections and metadata take milliseconds), so this finds the clients built per request, not one built once.
 */
export function constructorSites(folded: string): PythonConstructorSite[] {
  const sites = new Map<string, PythonConstructorSite>();
  for (const line of folded.split('\n')) {
    const m = /^(.*) (\d+)$/.exec(line.trim());
    if (!m) continue;
    const frames = m[1]!.split(';');
    const inner = frames.findIndex((f) => constructorFrames.some((c) => c.pattern.test(f)));
    if (inner < 0) continue;
    const ctor = frames[inner]!;
    const library = constructorFrames.find((c) => c.pattern.test(ctor))!.library;
    for (let i = inner - 1; i >= 0; i--) {
      const frame = /^(.*) \((.*):(\d+)\)$/.exec(frames[i]!);
      if (!frame || isLibraryFile(frame[2]!)) continue;
      const key = `${frame[2]}:${frame[3]}`;
      const site = sites.get(key) ?? {
        library,
        constructor: ctor.slice(0, ctor.indexOf(' (')),
        file: frame[2]!,
        line: Number(frame[3]),
        function: frame[1]!,
        samples: 0,
      };
      site.samples += Number(m[2]);
      sites.set(key, site);
      break;
    }
  }
  return [...sites.values()].sort((a, b) => b.samples - a.samples);
}

/**
 * Samples the process's stacks with py-spy while kleak drives requests (--nonblocking: never paused; --idle: a
 * constructor waiting on the network counts), until stop(); bounded to `maxMs` whatever happens.
 */
export function recordPythonStacks(
  pid: number,
  maxMs: number,
  env: NodeJS.ProcessEnv = process.env,
): { started: Promise<void>; stop(): Promise<PythonConstructorSite[]> } {
  const dir = mkdtempSync(join(tmpdir(), 'kleak-py-spy-'));
  const out = join(dir, 'stacks.txt');
  const child = spawn(
    pySpyCommand(env),
    [
      'record',
      '--pid',
      String(pid),
      '--nonblocking',
      '--idle',
      '--full-filenames',
      '--format',
      'raw',
      '--rate',
      '500',
      '--duration',
      String(Math.ceil(maxMs / 1000)),
      '-o',
      out,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  // py-spy says "Sampling process N times a second" once it is attached: the drive starts after that (bounded), so
  // that a short drive is sampled from its first request
  let onStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    onStarted = resolve;
    setTimeout(resolve, 3000).unref();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (/Sampling process/i.test(stderr)) onStarted();
  });
  const exited = new Promise<void>((done) => {
    child.once('exit', () => done());
    child.once('error', () => done());
  });
  void exited.then(() => onStarted());
  return {
    started,
    async stop() {
      // py-spy writes what it sampled when interrupted
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      try {
        if (!existsSync(out))
          throw new InputError(`py-spy recorded nothing of PID ${pid}: ${stderr.trim().split('\n').slice(-2).join(' ') || 'no output'}.`, {
            hint: 'py-spy needs ptrace rights over the target (root, or CAP_SYS_PTRACE).',
          });
        return constructorSites(readFileSync(out, 'utf8'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
