// A ProcReader over a scenario captured by fixtures/generate/capture-proc.sh.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/repo-root.js';
import type { ProcReader } from '../../src/collectors/process/read-proc.js';

export const capturedDir = (scenario: string) => join(repoRoot, 'fixtures/captured/proc', scenario);

export function capturedProc(scenario: string): { pid: number; reader: ProcReader; ss: string[] } {
  const dir = capturedDir(scenario);
  const read = (f: string) => readFileSync(join(dir, f), 'latin1');
  const fds = new Map(
    read('fd.txt')
      .trim()
      .split('\n')
      .map((l) => l.split(' ') as [string, string]),
  );
  const ss = read('ss.txt').trim().split('\n');
  const pid = Number(/pid=(\d+)/.exec(ss[0]!)![1]);
  const files: Record<string, string> = { status: 'status.txt', limits: 'limits.txt', 'net/tcp': 'net-tcp.txt', 'net/tcp6': 'net-tcp6.txt' };
  const reader: ProcReader = {
    readText(path) {
      const rest = path.replace(`/proc/${pid}/`, '');
      if (rest === 'cmdline') return read('cmdline.txt').trim().replace(/ /g, '\0');
      if (files[rest]) return read(files[rest]);
      throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
    },
    readLink(path) {
      if (path.endsWith('/exe')) return read('exe.txt').trim();
      if (path.endsWith('/ns/net')) return read('ns-net.txt').trim();
      const link = fds.get(path.split('/').pop()!);
      if (!link) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
      return link;
    },
    listDir(path) {
      if (path === `/proc/${pid}/fd`) return [...fds.keys()];
      throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
    },
    async *readLines(path) {
      yield this.readText(path);
    },
    isGoBinary: () => read('exe.txt').includes('fixtures/go/bin/'),
  };
  return { pid, reader, ss };
}

/** ss's view of one socket line, addresses normalised the way kleak prints them. */
export function parseSsLine(line: string): { state: string; local: string; remote: string } {
  const [state, , , local, remote] = line.trim().split(/\s+/) as [string, string, string, string, string];
  const norm = (a: string) => a.replace(/^\[::ffff:([\d.]+)\]/, '$1');
  return { state, local: norm(local), remote: norm(remote) };
}
