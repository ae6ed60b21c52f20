// Reads an HPROF file (or a gzipped one, as `jcmd GC.heap_dump -gz=1` writes) through the streaming parser, with a
// memory check first; every problem with the file is an InputError that says what is wrong.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../../errors.js';
import { availableMemory, chunks, fileProblem, isGzip } from '../v8heap/read-heap-snapshot.js';
import { HprofParser, type HprofHeap } from './parse-hprof.js';

const gb = (bytes: number) => (bytes / 1e9).toFixed(1);
const magic = 'JAVA PROFILE 1.0';

/** The first bytes of a file (gunzipped when it is gzip, as far as they go): enough to tell HPROF from a V8 snapshot. */
export function headOf(file: string): { head: Buffer; gzip: boolean; size: number } {
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(4096);
      const n = readSync(fd, head, 0, head.length, 0);
      const raw = head.subarray(0, n);
      if (!isGzip(raw)) return { head: raw, gzip: false, size: stat.size };
      let inner = Buffer.alloc(0);
      try {
        inner = gunzipSync(raw, { finishFlush: 2 /* Z_SYNC_FLUSH: a partial stream is fine */ });
      } catch {
        // a gzip file too short to start inflating: not recognised here
      }
      return { head: inner, gzip: true, size: stat.size };
    } finally {
      closeSync(fd);
    }
  } catch (cause) {
    throw fileProblem(file, cause, 'a heap dump (.hprof) or a .heapsnapshot file');
  }
}

export const isHprof = (head: Buffer) => head.subarray(0, magic.length).toString('latin1') === magic;

export async function readHprof(file: string, onProgress?: (fraction: number) => void): Promise<HprofHeap & { fileBytes: number }> {
  const { head, gzip, size } = headOf(file);
  if (!isHprof(head))
    throw new InputError(`${file} is not an HPROF heap dump: it does not start with "${magic}".`, {
      hint: 'Give a heap dump a HotSpot JVM wrote (jcmd PID GC.heap_dump /tmp/service.hprof).',
    });
  // objects, references and the id index in typed arrays come to about 1.6x the file at the peak (measured: 0.9 GB
  // for a 564 MB dump of 8.5 million objects); a gzipped dump unpacks to about 4x its size
  const needed = size * (gzip ? 7 : 1.8);
  const { bytes: available, bound } = availableMemory();
  if (needed > available)
    throw new InputError(`${file} is ${gb(size)} GB; analysing it needs about ${gb(needed)} GB of memory and ${gb(available)} GB is ${bound}.`, {
      hint: 'Run kleak on a machine with more free memory, or dump a smaller heap.',
    });
  const parser = new HprofParser(file, gzip ? size * 4 : size);
  let read = 0;
  let lastReport = 0;
  for await (const chunk of chunks(file, gzip, gzip ? Math.floor(available / 1.5) : Number.MAX_SAFE_INTEGER)) {
    parser.push(chunk);
    read += chunk.length;
    if (onProgress && !gzip && read - lastReport > 16 << 20) {
      lastReport = read;
      onProgress(read / size);
    }
  }
  return { ...parser.end(), fileBytes: size };
}
