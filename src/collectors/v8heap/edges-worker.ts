// A worker thread that reads a snapshot's edges array into shared memory while the main thread reads
// the rest of the file: it finds the array by its key, says where (the main thread checks that it is
// the one it skipped), then reads it.
import { parentPort, workerData } from 'node:worker_threads';
import { findEdges, readEdgesAt } from './edges-reader.js';
import type { EdgeArrays } from './parse-heap-snapshot.js';

export interface EdgesWorkerData extends EdgeArrays {
  file: string;
  header: string;
  totalBytes?: number;
  /** [where to stop (-1: at the end), where the worker has got to] (see readEdgesAt) */
  control: BigInt64Array;
}

const data = workerData as EdgesWorkerData;
// the nodes come before the edges, and take at least two bytes a number (a digit and a separator):
// the key is looked for from there
const layout = JSON.parse(data.header) as { meta: { node_fields: string[] }; node_count: number };
const offset = findEdges(data.file, Math.max(0, 2 * layout.meta.node_fields.length * layout.node_count - 1));
parentPort!.postMessage({ offset, ...(offset < 0 ? { kind: 'not-found' } : readEdgesAt(data.file, offset, data.header, data.totalBytes, data, data.control)) });
