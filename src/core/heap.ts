// kleak heap, as a core function: a snapshot file, or one taken from a running Node process (the caller
// has the user's consent), read for Kafka leaks and evaluated.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorOf } from '../collectors/types.js';
import { collectV8Heap } from '../collectors/v8heap/index.js';
import { snapshotViaInspector, snapshotViaSignal } from '../collectors/v8heap/take-snapshot.js';
import { UsageError } from '../errors.js';
import { version } from '../version.js';
import { evaluate, gather, type Run } from './evaluate.js';

export interface HeapOptions {
  file?: string;
  pid?: number;
  via?: 'inspector' | 'signal';
  inspectPort?: number;
  /** keep a snapshot taken from the process in this directory (it is removed otherwise) */
  keepIn?: string;
  compare?: string;
  onProgress?: (fraction: number) => void;
  /** told the path once a snapshot of the process was written */
  onSnapshot?: (path: string) => void;
}

export async function inspectHeap(options: HeapOptions): Promise<Run> {
  if ((options.file === undefined) === (options.pid === undefined))
    throw new UsageError('Give a snapshot file or --pid, one of the two.', { hint: 'kleak heap service.heapsnapshot, or kleak heap --pid 4242 --yes' });
  const startedAt = Date.now();
  let path = options.file!;
  const pid = options.pid;
  if (pid !== undefined) {
    if (options.via === 'signal') {
      path = await snapshotViaSignal(pid);
    } else {
      path = join(options.keepIn ?? tmpdir(), `kleak-${pid}-${Date.now()}.heapsnapshot`);
      await snapshotViaInspector(pid, path, { port: options.inspectPort });
    }
    options.onSnapshot?.(path);
  }
  try {
    const v8Heap = await collectV8Heap(path, { compare: options.compare, onProgress: options.onProgress });
    if (v8Heap.status !== 'ok') throw errorOf(v8Heap as Extract<typeof v8Heap, { status: 'failed' }>);
    const { evidence, reports } = gather({ v8Heap });
    return {
      evidence,
      diagnosis: evaluate(evidence, reports, {
        target: pid !== undefined ? { pids: [pid] } : { pids: [], description: path },
        startedAt,
        finishedAt: Date.now(),
        version,
      }),
    };
  } finally {
    if (pid !== undefined && options.keepIn === undefined) rmSync(path, { force: true });
  }
}
