// Reading a snapshot's edges array on its own, from its place in the file: what a worker thread does
// (edges-worker.ts) while the main thread reads the nodes and the strings, and the main thread's
// fallback when the worker could not. The edges are most of a snapshot (about 60% of its bytes).
import { closeSync, openSync, readSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { HeapSnapshotParser, type EdgeArrays } from './parse-heap-snapshot.js';

export type EdgesOutcome =
  | { kind: 'done' }
  /** told to stop (control[0]): edges 0 .. items - 1 were read; the last one ends at `at` */
  | { kind: 'stopped'; items: number; at: number }
  /** the edges array is corrupt: what the parser said */
  | { kind: 'error'; message: string; hint?: string }
  /** the file ends inside the edges array */
  | { kind: 'truncated' }
  | { kind: 'not-found' };

const KEY = Buffer.from('"edges":[');
const CHUNK = 4 << 20;

/**
 * Where the first number of the first `"edges":[` at or after `from` is (V8 writes the key so), or -1.
 */
export function findEdges(file: string, from = 0): number {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let pos = from; ;) {
      const n = readSync(fd, buf, 0, CHUNK, pos);
      if (n <= 0) return -1;
      const at = buf.subarray(0, n).indexOf(KEY);
      if (at >= 0) return pos + at + KEY.length;
      if (n < KEY.length) return -1;
      pos += n - (KEY.length - 1);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The edges array whose first number is at `offset`, read into `arrays` with the snapshot's header.
 * With `control` (shared with the thread that reads the array's end backwards): the position reached
 * is published in control[1] after each chunk, and a position written to control[0] (-1 for none) is
 * where to stop, at the end of an edge.
 */
export function readEdgesAt(
  file: string,
  offset: number,
  header: string,
  totalBytes: number | undefined,
  arrays: EdgeArrays,
  control?: BigInt64Array,
): EdgesOutcome {
  const parser = new HeapSnapshotParser(file, { header, edgesOnly: arrays, origin: offset, ...(totalBytes !== undefined ? { totalBytes } : {}) });
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let pos = offset; ;) {
      if (control) {
        const stop = Number(Atomics.load(control, 0));
        if (stop >= 0) parser.stopAt(stop);
      }
      const n = readSync(fd, buf, 0, CHUNK, pos);
      if (n <= 0) return { kind: 'truncated' };
      parser.push(n === CHUNK ? buf : buf.subarray(0, n));
      if (parser.stoppedItems >= 0) return { kind: 'stopped', items: parser.stoppedItems, at: parser.stoppedAt };
      if (parser.edgesRead) return { kind: 'done' };
      pos += n;
      if (control) Atomics.store(control, 1, BigInt(pos));
    }
  } catch (error) {
    if (error instanceof InputError) return { kind: 'error', message: error.message, ...(error.hint !== undefined ? { hint: error.hint } : {}) };
    throw error;
  } finally {
    closeSync(fd);
  }
}

export interface EdgesLayout {
  meta: { edge_fields: string[]; edge_types: [string[], ...unknown[]]; node_fields: string[] };
  nodeCount: number;
  edgeCount: number;
}

/**
 * The end of an edges array read backwards, from its ']' at `end` down to `split`: edge indices count
 * down from the header's edge count. Edges are stored from the last down to the first edge m whose
 * previous edge ends at or after `split`, so that with the forward reader (stopped at the first edge
 * ending at or after `split`) every edge is read once or twice, the same way. Returns m and where edge
 * m - 1 ends (the forward reader must have stopped at the same edge and place, else the array does not
 * have the header's count of edges), or undefined when anything is off (a character that is not a digit
 * or a separator, a type or a target out of range): the caller then reads the array forwards, which
 * says what is wrong exactly as before.
 */
export function readEdgesBackward(
  file: string,
  end: number,
  split: number,
  layout: EdgesLayout,
  arrays: EdgeArrays,
): { items: number; at: number } | undefined {
  const fields = layout.meta.edge_fields.length;
  const typeAt = layout.meta.edge_fields.indexOf('type');
  const nameAt = layout.meta.edge_fields.indexOf('name_or_index');
  const toAt = layout.meta.edge_fields.indexOf('to_node');
  const typeCount = layout.meta.edge_types[0].length;
  const sourceFields = layout.meta.node_fields.length;
  const nodeCount = layout.nodeCount;
  const { edgeType, edgeName, edgeTo } = arrays;
  const values = new Float64Array(fields);
  let item = layout.edgeCount; // the edge being read is item - 1
  let field = fields - 1;
  let pending = false; // a whole edge read, not yet stored: it is stored once the end of the one before is found
  let lastEnd = -1; // where the pending edge ends
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let hi = end; hi > 0;) {
      const lo = Math.max(0, hi - CHUNK);
      const n = readSync(fd, buf, 0, hi - lo, lo);
      if (n !== hi - lo) return undefined;
      // a number that starts in the chunk before is read whole from this one: the first 64 bytes are
      // left to the next chunk (a number of 64 digits or more is left to the forward reading)
      const floor = lo > 0 ? 64 : 0;
      let i = n - 1;
      while (i >= floor) {
        const c = buf[i]!;
        if (c >= 0x30 && c <= 0x39) {
          // a number's last digit; when it is an edge's last, the edge after it (pending) can be stored
          if (field === fields - 1) {
            const at = lo + i + 1;
            if (pending) {
              if (at < split) return { items: item, at: lastEnd };
              const k = item - 1;
              const t = values[typeAt]!;
              const raw = values[toAt]!;
              const to = raw / sourceFields;
              if (t >= typeCount || to !== Math.floor(to) || to >= nodeCount || k < 0) return undefined;
              edgeType[k] = t;
              edgeName[k] = values[nameAt]!;
              edgeTo[k] = to;
              item = k;
              pending = false;
            }
            lastEnd = at;
          }
          let j = i;
          while (j > 0 && buf[j - 1]! >= 0x30 && buf[j - 1]! <= 0x39) j--;
          if (j === 0 && lo > 0) return undefined;
          let v = 0;
          for (let d = j; d <= i; d++) v = v * 10 + (buf[d]! - 0x30);
          values[field] = v > 0xffffffff ? 0xffffffff : v;
          if (field === 0) {
            field = fields - 1;
            pending = true;
          } else field--;
          i = j - 1;
        } else if (c === 0x2c || c === 0x0a || c === 0x20 || c === 0x0d || c === 0x09) i--;
        else if (c === 0x5b && field === fields - 1 && lo + i < split) {
          // the array's start: the pending edge is the first one
          if (!pending || item !== 1) return undefined;
          const t = values[typeAt]!;
          const to = values[toAt]! / sourceFields;
          if (t >= typeCount || to !== Math.floor(to) || to >= nodeCount) return undefined;
          edgeType[0] = t;
          edgeName[0] = values[nameAt]!;
          edgeTo[0] = to;
          return { items: 0, at: -1 };
        } else return undefined;
      }
      hi = lo + i + 1;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}
