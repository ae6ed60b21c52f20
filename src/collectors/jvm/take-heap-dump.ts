// A heap dump of a running JVM, through the attach protocol (the caller has the user's consent): the JVM writes
// `GC.heap_dump` (live objects: a full GC first) into its own /tmp, which kleak reads through /proc/PID/root — the
// path is the JVM's, in its mount namespace — and removes once read.
import { readFileSync, rmSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { jcmd } from './attach.js';
import { assertMemoryForSnapshot } from '../memory-budget.js';

function nsPid(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    return Number(/^NSpid:\s*(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).pop() ?? pid);
  } catch {
    throw new InputError(`No process with PID ${pid}.`, { hint: 'Check the PID with `ps -p PID` or `pgrep -af java`.' });
  }
}

export interface JvmHeapDump {
  /** where kleak reads it: /proc/PID/root/tmp/kleak-<nspid>-<ms>.hprof */
  path: string;
  /** the listener was started by kleak now (SIGQUIT sent) */
  attachStarted: boolean;
  remove(): void;
}

/** Has the JVM write a heap dump of its live objects into its /tmp; bounded by timeoutMs (a large heap takes a while). */
export async function dumpJvmHeap(pid: number, timeoutMs = 300_000): Promise<JvmHeapDump> {
  assertMemoryForSnapshot(pid, 'a heap dump');
  const inJvm = `/tmp/kleak-${nsPid(pid)}-${Date.now()}.hprof`;
  const path = `/proc/${pid}/root${inJvm}`;
  const remove = () => rmSync(path, { force: true });
  try {
    const answer = await jcmd(pid, `GC.heap_dump ${inJvm}`, timeoutMs);
    if (!/Heap dump file created/.test(answer.output))
      throw new InputError(`PID ${pid} did not write a heap dump: ${answer.output.trim().split('\n').slice(-3).join(' ') || 'no answer'}.`, {
        hint: "The JVM writes it into its own /tmp: it needs room there for about its heap's size, and /tmp writable by its user.",
      });
    return { path, attachStarted: answer.started, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
