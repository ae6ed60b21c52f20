// The HotSpot attach protocol, spoken by kleak itself (no JDK beside it): only when the user asked for it
// (--attach --yes). How a JVM is attached to:
//   1. its listener socket is /tmp/.java_pid<pid in its namespace>, seen from here through /proc/PID/root;
//   2. when it is not there yet, a trigger file .attach_pid<nspid> (owned by the JVM's user: HotSpot checks) in
//      its cwd or /tmp, then SIGQUIT: the JVM's signal thread sees the file and starts the "Attach Listener"
//      thread, which creates the socket. SIGQUIT is sent only to a JVM that catches it (/proc/PID/status SigCgt)
//      and that allows attach (its hsperfdata's sun.rt.jvmCapabilities): a JVM started with -Xrs does not catch
//      it, and would dump core and die of it;
//   3. a request "1\0jcmd\0<command>\0\0\0"; the answer is a status line, then the command's output.
// HotSpot lets root or a peer of the JVM's own euid and egid in (SO_PEERCRED). The Attach Listener thread and
// the socket stay for the life of the JVM (HotSpot's own doing, said in the report).
import { chownSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { InputError } from '../../errors.js';
import { readHsperfdata } from '../process/jvm.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Target {
  pid: number;
  nspid: number;
  uid: number;
  gid: number;
  /** SIGQUIT is caught (a JVM without -Xrs) */
  catchesQuit: boolean;
}

function target(pid: number): Target {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    throw new InputError(`No process with PID ${pid}.`, { hint: 'Check the PID with `ps -p PID` or `pgrep -af java`.' });
  }
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim() ?? '';
  const nspid = Number(field('NSpid').split(/\s+/).pop() || pid);
  const [, euid] = field('Uid').split(/\s+/).map(Number);
  const [, egid] = field('Gid').split(/\s+/).map(Number);
  // SigCgt is a hex mask of the caught signals; SIGQUIT is 3: bit 2
  const caught = BigInt(`0x${field('SigCgt') || '0'}`);
  return { pid, nspid, uid: euid ?? 0, gid: egid ?? 0, catchesQuit: (caught & 4n) !== 0n };
}

/** Why kleak will not attach, as an exit-2 error: the reason, and what works instead. */
function refuse(message: string, hint: string): never {
  throw new InputError(message, { hint });
}

export interface AttachResult {
  /** the command's output */
  output: string;
  /** the listener was started by kleak now (SIGQUIT sent), rather than found running */
  started: boolean;
}

/** Sends one diagnostic command (jcmd syntax, e.g. "Thread.print") to a JVM and returns its output. */
export async function jcmd(pid: number, command: string, timeoutMs = 30_000): Promise<AttachResult> {
  const t = target(pid);
  const root = `/proc/${pid}/root`;
  const socketPath = `${root}/tmp/.java_pid${t.nspid}`;
  let started = false;
  if (!isSocket(socketPath)) {
    const capabilities = readHsperfdata(pid)?.get('sun.rt.jvmCapabilities');
    if (typeof capabilities === 'string' && capabilities.startsWith('0'))
      refuse(
        `PID ${pid} does not allow attach (it runs with -XX:+DisableAttachMechanism): kleak sends it nothing.`,
        'Without --attach, kleak reads its threads, selectors and thread counters from /proc and hsperfdata. For a thread dump, restart it without -XX:+DisableAttachMechanism.',
      );
    if (!t.catchesQuit)
      refuse(
        `PID ${pid} does not catch SIGQUIT (a JVM started with -Xrs, or not a JVM) and its attach socket ${socketPath} is not there: SIGQUIT would end it, so kleak sends nothing.`,
        'Without --attach, kleak reads its threads, selectors and thread counters from /proc and hsperfdata. A JVM with -Xrs starts its attach listener at start-up: if /tmp/.java_pid<pid> was deleted (a tmp cleaner), it comes back only with a restart.',
      );
    const trigger = writeTrigger(pid, t);
    try {
      process.kill(pid, 'SIGQUIT');
      started = true;
      const deadline = Date.now() + 10_000;
      while (!isSocket(socketPath)) {
        if (Date.now() > deadline)
          refuse(
            `PID ${pid} did not start its attach listener within 10 s of SIGQUIT (no ${socketPath}).`,
            'Is it a HotSpot JVM (OpenJDK, Temurin, Corretto…)? OpenJ9 attaches differently. Its /tmp may also not be reachable through /proc/PID/root.',
          );
        await sleep(50);
      }
    } finally {
      rmSync(trigger, { force: true });
    }
  }
  return { output: await request(socketPath, command, pid, timeoutMs), started };
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/** .attach_pid<nspid> in the JVM's cwd (else its /tmp), owned by the JVM's user as HotSpot requires. */
function writeTrigger(pid: number, t: Target): string {
  const places = [`/proc/${pid}/cwd/.attach_pid${t.nspid}`, `/proc/${pid}/root/tmp/.attach_pid${t.nspid}`];
  for (const file of places) {
    try {
      writeFileSync(file, '', { flag: 'w', mode: 0o600 });
      if (process.getuid?.() === 0) chownSync(file, t.uid, t.gid);
      return file;
    } catch {
      // not writable here: the next place
    }
  }
  return refuse(`kleak cannot write the attach trigger for PID ${pid} (in its cwd or its /tmp).`, 'Run kleak as root or as the JVM’s own user.');
}

function request(socketPath: string, command: string, pid: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ path: socketPath });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new InputError(`PID ${pid} did not answer "${command}" within ${timeoutMs / 1000} s.`, {
          hint: 'A JVM at a long safepoint (a full GC) answers late: try again.',
        }),
      );
    }, timeoutMs);
    socket.on('connect', () => socket.end(Buffer.from(`1\0jcmd\0${command}\0\0\0`, 'utf8')));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new InputError(`Connecting to PID ${pid}'s attach socket failed (${error.code ?? error.message}).`, {
          cause: error,
          hint: 'HotSpot lets in root or the JVM’s own user (same uid and gid): run kleak as one of them.',
        }),
      );
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const newline = text.indexOf('\n');
      const code = Number(text.slice(0, newline));
      if (newline < 0 || code !== 0)
        return reject(new InputError(`PID ${pid} refused "${command}" (status ${newline < 0 ? '?' : code}): ${text.slice(newline + 1, newline + 300).trim()}`));
      resolve(text.slice(newline + 1));
    });
  });
}
