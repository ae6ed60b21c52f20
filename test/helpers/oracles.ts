// Independent measures kleak is checked against: ss for sockets, the pprof text for goroutines, /proc for RSS.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** ESTABLISHED TCP connections of pid to any of the given host:port endpoints, counted by ss. */
export function ssEstablished(pid: number, endpoints: string[]): number {
  const filter = endpoints.map((e) => `dst ${e}`).join(' or ');
  const out = execFileSync('ss', ['-Htnp', 'state', 'established', filter], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(`pid=${pid},`)).length;
}

/** Goroutines whose stack mentions fn, summed from a debug=1 dump's "N @ …" group headers. */
export async function goroutinesMatching(pprofBase: string, fn: string): Promise<{ matching: number; total: number }> {
  const response = await fetch(`${pprofBase}/debug/pprof/goroutine?debug=1`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  const total = Number(/goroutine profile: total (\d+)/.exec(text)?.[1] ?? NaN);
  let matching = 0;
  for (const group of text.split('\n\n')) {
    // the first group follows the "goroutine profile: total N" line with no blank line between
    const count = /^(\d+) @/m.exec(group);
    if (count && group.includes(fn)) matching += Number(count[1]);
  }
  return { matching, total };
}

export function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** Whether a process exists (signal 0). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when nothing listens on 127.0.0.1:port (binding it works): an inspector closed again, a port free. */
export function portRefuses(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createServer();
    s.once('error', () => done(false));
    s.listen(port, '127.0.0.1', () => s.close(() => done(true)));
  });
}
