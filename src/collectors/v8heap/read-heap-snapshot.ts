// Reads a .heapsnapshot file (or a gzipped one) through the streaming parser, with a memory check before
// starting; every problem with the file is an InputError that says what is wrong.
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { freemem } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { InputError } from '../../errors.js';
import { readEdgesAt, readEdgesBackward, type EdgesOutcome } from './edges-reader.js';
import type { EdgesWorkerData } from './edges-worker.js';
import { HeaderNotFirst, HeapSnapshotParser, type HeapSnapshot } from './parse-heap-snapshot.js';

const gb = (bytes: number) => (bytes / 1e9).toFixed(1);

/**
 * Memory kleak can still use: the machine's available memory (MemAvailable), or less when this process
 * runs in a cgroup with a memory limit (what is left of the limit after what it uses already).
 */
export function availableMemory(): { bytes: number; bound: string } {
  const free = freemem();
  const limit = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  if (limit && limit > 0 && limit < 2 ** 60) {
    const left = Math.max(0, limit - process.memoryUsage.rss());
    if (left < free) return { bytes: left, bound: `left under this cgroup's memory limit of ${gb(limit)} GB` };
  }
  return { bytes: free, bound: 'free' };
}

export function fileProblem(file: string, cause: unknown, kind = 'a .heapsnapshot file'): InputError {
  const code = (cause as NodeJS.ErrnoException).code;
  const what =
    code === 'ENOENT'
      ? 'does not exist'
      : code === 'EISDIR'
        ? 'is a directory'
        : code === 'EACCES' || code === 'EPERM'
          ? 'cannot be read (permission denied)'
          : `cannot be read (${code ?? String(cause)})`;
  return new InputError(`${file} ${what}.`, {
    cause,
    hint: code === 'EACCES' || code === 'EPERM' ? 'Run kleak as a user who may read it, or copy it somewhere readable.' : `Give the path of ${kind}.`,
  });
}

export const isGzip = (head: Buffer) => head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;

/** The file's bytes as chunks: gunzipped when it is gzip (bounded: at most `limit` bytes come out). */
export async function* chunks(file: string, gzip: boolean, limit: number): AsyncGenerator<Buffer> {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  const source: AsyncIterable<Buffer> = gzip ? stream.pipe(createGunzip()) : stream;
  let out = 0;
  try {
    for await (const chunk of source) {
      out += chunk.length;
      if (out > limit) {
        throw new InputError(`${file} unpacks to more than ${gb(limit)} GB, more than this machine can analyse.`, {
          hint: 'Run kleak on a machine with more free memory.',
        });
      }
      yield chunk;
    }
  } catch (cause) {
    if (cause instanceof InputError) throw cause;
    if ((cause as { code?: string }).code?.startsWith('Z_') || (cause as Error).message?.includes('unexpected end of file')) {
      throw new InputError(`${file} is a gzip file that is truncated or corrupt.`, { cause, hint: 'Copy it again, or gunzip it to see what is wrong.' });
    }
    throw fileProblem(file, cause);
  } finally {
    stream.destroy();
  }
}

/**
 * A file's bytes in one buffer used again for every chunk (the parser keeps none of them), so reading
 * leaves nothing behind to collect.
 */
async function* fileChunks(file: string): AsyncGenerator<Buffer> {
  const handle = await open(file, 'r').catch((cause: unknown) => {
    throw fileProblem(file, cause);
  });
  try {
    const buf = Buffer.allocUnsafe(2 << 20);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null).catch((cause: unknown) => {
        throw fileProblem(file, cause);
      });
      if (bytesRead === 0) return;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** The value of the top-level "snapshot" key, found by a pass that follows JSON strings and nesting. */
async function findHeader(file: string, gzip: boolean, limit: number): Promise<string | undefined> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let key = '';
  let lastKey = '';
  let capture: number[] | undefined;
  let captureDepth = 0;
  for await (const chunk of chunks(file, gzip, limit)) {
    for (const c of chunk) {
      if (capture) capture.push(c);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
        else if (depth === 1 && !capture) key += String.fromCharCode(c);
        continue;
      }
      if (c === 0x22) {
        inString = true;
        if (depth === 1 && !capture) key = '';
      } else if (c === 0x3a && depth === 1) lastKey = key;
      else if (c === 0x7b || c === 0x5b) {
        if (depth === 1 && lastKey === 'snapshot' && c === 0x7b && !capture) {
          capture = [c];
          captureDepth = depth;
        }
        depth++;
      } else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (capture && depth === captureDepth) return Buffer.from(capture).toString('utf8');
      }
    }
  }
  return undefined;
}

/** how much longer a byte of edges takes to read backwards than forwards (readEdgesBackward against readEdgesAt) */
const BACKWARD_COST = 1.8;

/** below this size the edges are read in line: a worker thread costs more than it saves */
const EDGES_WORKER_MIN_BYTES = 32 << 20;

/** A worker thread reading the edges (edges-worker.ts); its outcome, with where it found them. */
function edgesWorker(data: EdgesWorkerData): { outcome: Promise<(EdgesOutcome & { offset: number }) | undefined>; stop: () => Promise<number> } {
  const worker = new Worker(new URL('./edges-worker.js', import.meta.url), { workerData: data });
  const outcome = new Promise<(EdgesOutcome & { offset: number }) | undefined>((resolve) => {
    worker.once('message', (m: EdgesOutcome & { offset: number }) => resolve(m));
    // a worker that failed (it could not start, or ran out of memory): the edges are read in line instead
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
  return { outcome, stop: () => worker.terminate() };
}

export interface ReadOptions {
  /** read the edges in a worker thread: by default when the file is big enough (never for gzip) */
  edgesWorker?: boolean;
}

export async function readHeapSnapshot(file: string, onProgress?: (fraction: number) => void, options: ReadOptions = {}): Promise<HeapSnapshot> {
  let size: number;
  let head: Buffer;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    size = stat.size;
    const fd = openSync(file, 'r');
    try {
      head = Buffer.alloc(2);
      readSync(fd, head, 0, 2, 0);
    } finally {
      closeSync(fd);
    }
  } catch (cause) {
    throw fileProblem(file, cause);
  }
  const gzip = isGzip(head);
  // the typed arrays (17 bytes a node, 9 an edge), the dominator tree's (20 a node, 4 an edge) and the
  // strings' bytes come to about 1.1x the file at the peak; 1.3x leaves room
  const needed = size * 1.3;
  const { bytes: available, bound } = availableMemory();
  if (!gzip && needed > available) {
    throw new InputError(`${file} is ${gb(size)} GB; analysing it needs about ${gb(needed)} GB of memory and ${gb(available)} GB is ${bound}.`, {
      hint: 'Run kleak on a machine with more free memory, or take the snapshot of a smaller process.',
    });
  }
  // a gzipped snapshot is read through gunzip; what it unpacks to is bounded by the memory there is
  const limit = gzip ? Math.floor(available / 1.3) : Number.MAX_SAFE_INTEGER;
  const parse = async (header?: string) => {
    // The edges (most of the file) are read by a worker thread while this one reads the nodes and the
    // strings; once this one has got past the edges it sets where the worker stops (so both have about
    // as much left to do) and reads the rest of the edges backwards from their end.
    const elsewhere = !gzip && header === undefined && (options.edgesWorker ?? size >= EDGES_WORKER_MIN_BYTES);
    const parser = new HeapSnapshotParser(file, {
      totalBytes: gzip ? undefined : size,
      ...(header !== undefined ? { header } : {}),
      edgesElsewhere: elsewhere,
    });
    const control = new BigInt64Array(new SharedArrayBuffer(16));
    control[0] = -1n;
    let worker: ReturnType<typeof edgesWorker> | undefined;
    let split = -1;
    let snapshot: HeapSnapshot | undefined;
    let failure: Error | undefined;
    try {
      let read = 0;
      let lastReport = 0;
      for await (const chunk of gzip ? chunks(file, gzip, limit) : fileChunks(file)) {
        parser.push(chunk);
        if (elsewhere && !worker && parser.headerRead) {
          const { edgeType, edgeName, edgeTo } = parser.edgeArrays()!;
          worker = edgesWorker({ file, header: parser.headerJson(), totalBytes: size, edgeType, edgeName, edgeTo, control });
        }
        if (worker && split < 0 && parser.edgesEnd >= 0) {
          // what is left: the worker's part forwards; here, what follows the edges (mostly strings) and
          // the rest of the edges backwards, which is about 1.8 times slower a byte than forwards
          const reached = Math.max(parser.edgesOffset, Number(Atomics.load(control, 1)));
          const end = parser.edgesEnd;
          split = Math.max(reached, Math.min(end, Math.floor((reached + (size - end) + BACKWARD_COST * end) / (1 + BACKWARD_COST))));
          Atomics.store(control, 0, BigInt(split));
        }
        read += chunk.length;
        if (onProgress && !gzip && read - lastReport > 16 << 20) {
          lastReport = read;
          onProgress(read / size);
        }
      }
      snapshot = parser.end();
    } catch (error) {
      failure = error as Error;
    }
    if (elsewhere && parser.edgesOffset >= 0) {
      const offset = parser.edgesOffset;
      const arrays = parser.edgeArrays()!;
      const back = failure === undefined && split >= 0 ? readEdgesBackward(file, parser.edgesEnd, split, parser.layout(), arrays) : undefined;
      const fromWorker = await worker?.outcome;
      const agreed =
        fromWorker?.offset === offset &&
        (fromWorker.kind === 'done' ||
          fromWorker.kind === 'error' ||
          (fromWorker.kind === 'stopped' && back !== undefined && back.items === fromWorker.items && back.at === fromWorker.at));
      // anything else (the worker failed, found other edges, or the two halves do not meet): read them
      // all here, which also finds the first thing wrong with them, as a reading in one pass does
      const outcome = agreed ? fromWorker : readEdgesAt(file, offset, parser.headerJson(), size, arrays);
      // the edges come before what follows them: their own problem is the one to report
      if (outcome.kind === 'error') failure = new InputError(outcome.message, outcome.hint !== undefined ? { hint: outcome.hint } : {});
    }
    // its memory is given back before the graph is built
    await worker?.stop();
    if (failure !== undefined) throw failure;
    return snapshot!;
  };
  try {
    return await parse();
  } catch (error) {
    if (!(error instanceof HeaderNotFirst)) throw error;
  }
  // the keys come in another order than V8 writes them: find the header first, then read the sections
  const header = await findHeader(file, gzip, limit);
  if (header === undefined) throw new InputError(`${file} is not a V8 heap snapshot: it has no "snapshot" header.`, { hint: 'Give a .heapsnapshot file.' });
  return parse(header);
}
