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

/** /proc/<pid>/status: "Name:\tnode", "Threads:\t11", "VmRSS:\t  51234 kB", "PPid:\t1". */
export function parseProcStatus(text: string): ProcStatus {
  const value = (key: string) => new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const rssKb = value('VmRSS');
  const threads = value('Threads');
  const ppid = value('PPid');
  return {
    name: value('Name') ?? '',
    threads: threads === undefined ? null : Number(threads),
    rssBytes: rssKb === undefined ? null : Number(rssKb.replace(/\s*kB$/, '')) * 1024,
    ppid: ppid === undefined ? null : Number(ppid),
  };
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
