// Reads a .heapsnapshot file through the streaming parser, with a memory check before starting.
import { createReadStream, statSync } from 'node:fs';
import { freemem } from 'node:os';
import { InputError } from '../../errors.js';
import { HeapSnapshotParser, type HeapSnapshot } from './parse-heap-snapshot.js';

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

export async function readHeapSnapshot(file: string, onProgress?: (fraction: number) => void): Promise<HeapSnapshot> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (cause) {
    throw new InputError(`Cannot read ${file}.`, { cause, hint: 'Give the path of a .heapsnapshot file.' });
  }
  // nodes as float64 (7 fields) and edges as uint32 (3 fields) come to about 1.1x the file; strings less
  const needed = size * 1.3;
  const { bytes: available, bound } = availableMemory();
  if (needed > available) {
    throw new InputError(`${file} is ${gb(size)} GB; analysing it needs about ${gb(needed)} GB of memory and ${gb(available)} GB is ${bound}.`, {
      hint: 'Run kleak on a machine with more free memory, or take the snapshot of a smaller process.',
    });
  }
  const parser = new HeapSnapshotParser(file);
  let read = 0;
  let lastReport = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    parser.push(chunk as Buffer);
    read += (chunk as Buffer).length;
    if (onProgress && read - lastReport > 16 << 20) {
      lastReport = read;
      onProgress(read / size);
    }
  }
  return parser.end();
}
