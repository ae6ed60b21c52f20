// Reads a .heapsnapshot file through the streaming parser, with a memory check before starting.
import { createReadStream, statSync } from 'node:fs';
import { freemem } from 'node:os';
import { InputError } from '../../errors.js';
import { HeapSnapshotParser, type HeapSnapshot } from './parse-heap-snapshot.js';

export async function readHeapSnapshot(file: string, onProgress?: (fraction: number) => void): Promise<HeapSnapshot> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (cause) {
    throw new InputError(`Cannot read ${file}.`, { cause, hint: 'Give the path of a .heapsnapshot file.' });
  }
  // nodes as float64 (7 fields) and edges as uint32 (3 fields) come to about 1.1x the file; strings less
  const needed = size * 1.3;
  if (needed > freemem()) {
    throw new InputError(`${file} is ${(size / 1e9).toFixed(1)} GB; analysing it needs about ${(needed / 1e9).toFixed(1)} GB of memory and ${(freemem() / 1e9).toFixed(1)} GB is free.`, {
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
