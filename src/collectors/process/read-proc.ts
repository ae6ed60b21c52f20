// Reads /proc for the sockets collector: the only file here that touches the file system.
// A ProcReader can be pointed at captured files (fixtures/captured/proc/<scenario>/) in tests.
import { closeSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { basename } from 'node:path';
import { InputError } from '../../errors.js';
import type { Runtime } from './types.js';

export interface ProcReader {
  /** whole small file as text */
  readText(path: string): string;
  readLink(path: string): string;
  listDir(path: string): string[];
  /** a large file in chunks of whole lines; reading may start at once and run beside the caller */
  readLines(path: string): AsyncIterable<string>;
  /** true when the file starts or contains the Go build-info magic (the executable is a Go binary) */
  isGoBinary(path: string): boolean;
}

const chunkBytes = 1 << 20;
const goBuildInfoMagic = Buffer.from('\xff Go buildinf:', 'latin1');

// One buffer, kept, for every /proc read: /proc files give no size, so readFileSync allocates 64 kB for each (kleak
// export's look reads hundreds a sample: megabytes of garbage outside the heap, and RSS to match).
const scratch = Buffer.allocUnsafeSlow(1 << 16);

/** A /proc file's text (latin1), read whole through the kept buffer; a larger file grows into chunks. */
export function readProcText(path: string): string {
  const fd = openSync(path, 'r');
  try {
    let used = 0;
    let chunks: Buffer[] | undefined;
    for (;;) {
      const n = readSync(fd, scratch, used, scratch.length - used, null);
      if (n === 0) break;
      used += n;
      if (used === scratch.length) {
        (chunks ??= []).push(Buffer.from(scratch));
        used = 0;
      }
    }
    if (!chunks) return scratch.toString('latin1', 0, used);
    chunks.push(scratch.subarray(0, used));
    return Buffer.concat(chunks).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

export const nodeProcReader: ProcReader = {
  readText: readProcText,
  readLink: (path) => readlinkSync(path),
  listDir: (path) => readdirSync(path),
  readLines: readLinesInWorker,
  isGoBinary(path) {
    // The magic sits in .go.buildinfo near the start of the data segment; read at most 256 MiB.
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(chunkBytes + goBuildInfoMagic.length);
      let position = 0;
      let kept = 0;
      while (position < 256 * chunkBytes) {
        const n = readSync(fd, buffer, kept, chunkBytes, position);
        if (n === 0) return false;
        if (buffer.subarray(0, kept + n).includes(goBuildInfoMagic)) return true;
        buffer.copy(buffer, 0, kept + n - goBuildInfoMagic.length, kept + n);
        kept = goBuildInfoMagic.length;
        position += n;
      }
      return false;
    } finally {
      closeSync(fd);
    }
  },
};

// The kernel hands /proc/net/tcp out one page per read() (7,000+ reads for 200k sockets), and that
// is most of the cost. A worker thread does those reads on the other core while the main thread
// reads the process's fds, and posts whole lines in chunks of about 1 MiB.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
let fd;
try {
  fd = openSync(workerData.path, 'r');
  const buffer = Buffer.allocUnsafe(1 << 16);
  let pending = '';
  for (;;) {
    const n = readSync(fd, buffer, 0, buffer.length, null);
    if (n === 0) break;
    pending += buffer.toString('latin1', 0, n);
    if (pending.length >= 1 << 18) {
      const cut = pending.lastIndexOf('\\n') + 1;
      parentPort.postMessage({ text: pending.slice(0, cut) });
      pending = pending.slice(cut);
    }
  }
  if (pending) parentPort.postMessage({ text: pending });
  parentPort.postMessage({ done: true });
} catch (error) {
  parentPort.postMessage({ error: { message: error.message, code: error.code } });
} finally {
  if (fd !== undefined) closeSync(fd);
}`;

function readLinesInWorker(path: string): AsyncIterable<string> {
  const worker = new Worker(workerSource, { eval: true, workerData: { path }, resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 32 } });
  const queue: Array<{ text?: string; done?: boolean; error?: { message: string; code?: string } }> = [];
  let wake: (() => void) | undefined;
  worker.on('message', (m: (typeof queue)[number]) => {
    queue.push(m);
    wake?.();
  });
  worker.on('error', (error) => {
    queue.push({ error: { message: error.message } });
    wake?.();
  });
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          while (queue.length === 0) await new Promise<void>((r) => (wake = r));
          const m = queue.shift()!;
          if (m.error) throw Object.assign(new Error(m.error.message), { code: m.error.code });
          if (m.done) return;
          yield m.text!;
        }
      } finally {
        void worker.terminate();
      }
    },
  };
}

/** Turns the errno of a /proc read into the one clear answer the user gets. */
export function procError(pid: number, path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ESRCH') {
    return new InputError(`No process with PID ${pid} (${path} does not exist).`, {
      hint: 'Check the PID with `ps -p PID` or `pgrep -af NAME`; the process may have exited.',
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new InputError(`Permission denied reading ${path}: the process belongs to another user.`, {
      cause: error,
      hint: 'Run kleak as the same user as the process, or as root / with CAP_SYS_PTRACE (e.g. sudo kleak …). In a container, kleak must run in the same PID namespace.',
    });
  }
  return new InputError(`Could not read ${path}.`, { cause: error });
}

export function runtimeOf(exe: string | null, isGo: () => boolean): Runtime {
  if (exe === null) return 'unknown';
  const name = basename(exe);
  if (/^node(js)?(\d+)?$/.test(name)) return 'node';
  if (name === 'java') return 'java';
  // CPython: python, python3, python3.11 (a virtualenv's bin/python links to one of them)
  if (/^python(\d+(\.\d+)?)?$/.test(name)) return 'python';
  try {
    return isGo() ? 'go' : 'unknown';
  } catch {
    return 'unknown';
  }
}
