// A heap snapshot or dump needs memory: the target serialises its heap (a file about its size, V8 also a copy of
// its strings while it writes), and kleak reads that file (peak about 1.4× its size). Before asking for one, kleak
// compares the target's resident memory with what the host (or kleak's own cgroup) has available, and refuses
// when it cannot fit: an out-of-memory kill of the target or of kleak is worse than no snapshot.
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';

/** How much free memory a snapshot of a process this large needs: its heap written out, and read back by kleak. */
export const snapshotFactor = 2;

export interface MemoryBudget {
  targetBytes: number;
  neededBytes: number;
  availableBytes: number;
  fits: boolean;
}

export function memoryBudget(targetRssBytes: number, availableBytes: number): MemoryBudget {
  const neededBytes = Math.round(targetRssBytes * snapshotFactor);
  return { targetBytes: targetRssBytes, neededBytes, availableBytes, fits: neededBytes <= availableBytes };
}

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;

/** MemAvailable of /proc/meminfo, lowered to what kleak's own cgroup (v2) still allows. */
export function availableMemory(): number | undefined {
  let available: number | undefined;
  try {
    const kb = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
    if (kb) available = Number(kb) * 1024;
  } catch {
    return undefined;
  }
  try {
    const cgroup = /^0::(\S+)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
    if (cgroup && available !== undefined) {
      const max = readFileSync(`/sys/fs/cgroup${cgroup}/memory.max`, 'utf8').trim();
      const current = Number(readFileSync(`/sys/fs/cgroup${cgroup}/memory.current`, 'utf8').trim());
      if (max !== 'max') available = Math.min(available, Number(max) - current);
    }
  } catch {
    // no cgroup v2 limit to read
  }
  return available;
}

/** Refuses (InputError, naming both figures) when a snapshot of `pid` would not fit in the memory available. */
export function assertMemoryForSnapshot(pid: number, what: string, available: number | undefined = availableMemory()): void {
  let rss: number;
  try {
    rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
  } catch {
    return; // the process's own check says what is wrong with it
  }
  if (!Number.isFinite(rss) || available === undefined) return;
  const budget = memoryBudget(rss, available);
  if (!budget.fits)
    throw new InputError(
      `PID ${pid} holds ${gb(budget.targetBytes)} in memory: ${what} of it needs about ${gb(budget.neededBytes)} free (the heap written out, then read back), and ${gb(budget.availableBytes)} is available here.`,
      { hint: 'Take it on a host (or in a container) with more memory free, or free some first; nothing was asked of the process.' },
    );
}
