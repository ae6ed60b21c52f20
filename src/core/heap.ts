// kleak heap, as a core function: a V8 snapshot or an HPROF dump (a file, or taken from a running Node process or
// JVM: the caller has the user's consent), read for Kafka leaks and evaluated.
import { copyFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { errorOf, type CollectorResult } from '../collectors/types.js';
import { dumpJvmHeap } from '../collectors/jvm/take-heap-dump.js';
import { collectJvmHeap } from '../collectors/jvmheap/index.js';
import { headOf, isHprof } from '../collectors/jvmheap/read-hprof.js';
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

/** a JVM (its executable is `java`): its heap is an HPROF dump through attach, not a V8 snapshot */
export function isJvmProcess(pid: number): boolean {
  try {
    return basename(readlinkSync(`/proc/${pid}/exe`)) === 'java';
  } catch {
    return false;
  }
}

const kindOf = (file: string) => (isHprof(headOf(file).head) ? 'hprof' : 'v8');

export async function inspectHeap(options: HeapOptions): Promise<Run> {
  if ((options.file === undefined) === (options.pid === undefined))
    throw new UsageError('Give a snapshot file or --pid, one of the two.', { hint: 'kleak heap service.heapsnapshot, or kleak heap --pid 4242 --yes' });
  const startedAt = Date.now();
  let path = options.file!;
  const pid = options.pid;
  let remove = () => {};
  if (pid !== undefined) {
    if (isJvmProcess(pid)) {
      const dump = await dumpJvmHeap(pid);
      path = dump.path;
      remove = () => dump.remove();
      if (options.keepIn !== undefined) {
        const kept = join(options.keepIn, basename(dump.path));
        copyFileSync(dump.path, kept);
        dump.remove();
        path = kept;
      }
    } else if (options.via === 'signal') {
      path = await snapshotViaSignal(pid);
      remove = () => rmSync(path, { force: true });
    } else {
      path = join(options.keepIn ?? tmpdir(), `kleak-${pid}-${Date.now()}.heapsnapshot`);
      remove = () => rmSync(path, { force: true });
      await snapshotViaInspector(pid, path, { port: options.inspectPort });
    }
    if (options.keepIn !== undefined) remove = () => {};
    options.onSnapshot?.(path);
  }
  try {
    const kind = kindOf(path);
    if (options.compare !== undefined && kindOf(options.compare) !== kind)
      throw new UsageError(`${options.compare} is not the same kind of heap file as ${path} (an HPROF dump against a V8 snapshot).`, {
        hint: 'Compare two dumps of the same service: two .hprof files, or two .heapsnapshot files.',
      });
    const collected =
      kind === 'hprof'
        ? { jvmHeap: await collectJvmHeap(path, { compare: options.compare, onProgress: options.onProgress }) }
        : { v8Heap: await collectV8Heap(path, { compare: options.compare, onProgress: options.onProgress }) };
    const result = (collected.jvmHeap ?? collected.v8Heap) as CollectorResult<unknown>;
    if (result.status !== 'ok') throw errorOf(result as Extract<typeof result, { status: 'failed' }>);
    const { evidence, reports } = gather(collected);
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
    remove();
  }
}
