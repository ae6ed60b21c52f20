// Parses the small /proc/<pid> files kleak reads: fd link targets, status, limits, stat.

/** "socket:[19817]" → 19817; anything else (files, pipes, anon inodes) → undefined. */
export function parseSocketInode(link: string): number | undefined {
  if (!link.startsWith('socket:[')) return undefined;
  const inode = Number(link.slice(8, -1));
  return Number.isInteger(inode) ? inode : undefined;
}

export interface ProcStatus {
  name: string;
  threads: number | null;
  rssBytes: number | null;
  ppid: number | null;
}

/** /proc/<pid>/status: "Name:\tnode", "Threads:\t11", "VmRSS:\t  51234 kB", "PPid:\t1" (one pass over the lines, no regex). */
export function parseProcStatus(text: string): ProcStatus {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !fields.has(line.slice(0, colon))) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  /** the first word as a whole number, else null */
  const count = (key: string): number | null => {
    const first = fields.get(key)?.split(/\s/, 1)[0];
    if (!first) return null;
    const n = Number(first);
    return Number.isSafeInteger(n) && n >= 0 ? n : null;
  };
  const rssKb = count('VmRSS');
  return { name: fields.get('Name') ?? '', threads: count('Threads'), rssBytes: rssKb === null ? null : rssKb * 1024, ppid: count('PPid') };
}

/** /proc/<pid>/limits "Max open files  20000  20000  files": the soft limit, null when unlimited. */
export function parseOpenFilesLimit(text: string): number | null {
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!match || match[1] === 'unlimited') return null;
  return Number(match[1]);
}

/** /proc/<pid>/stat: the ppid is the 2nd field after the parenthesised command, which may hold spaces. */
export function parseStatPpid(text: string): number | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const ppid = Number(text.slice(close + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** /proc/<pid>/cmdline is NUL-separated. */
export function parseCmdline(text: string): string {
  return text.split('\0').filter(Boolean).join(' ');
}
