// The heap profile parser (pprof-format), checked against go tool pprof on captured profiles.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { parseHeapProfile } from '../../../src/collectors/goruntime/parse-heap-profile.js';
import { InputError } from '../../../src/errors.js';
import { capturedHeap, pprofDir } from '../../helpers/captured-pprof.js';

test('a captured heap profile: the four Go sample types, and stacks with frames', () => {
  const p = parseHeapProfile(capturedHeap('franz-retain-6400'));
  assert.deepEqual(p.sampleTypes, ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']);
  assert.ok(p.stacks[0]!.frames.length > 0);
});

/** Go's own decoder as the oracle: `go tool pprof -raw` lists every sample's values; their sums are the totals. */
function goToolTotals(file: string): { inuseBytes: number; inuseObjects: number } {
  const raw = execFileSync('go', ['tool', 'pprof', '-raw', file], { encoding: 'utf8' });
  let inuseBytes = 0;
  let inuseObjects = 0;
  for (const m of raw.matchAll(/^\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+):/gm)) {
    inuseObjects += Number(m[3]);
    inuseBytes += Number(m[4]);
  }
  return { inuseBytes, inuseObjects };
}

for (const scenario of ['franz-retain-6400', 'franz-retain-fixed-6400', 'sarama-per-request-21']) {
  test(`${scenario}: in-use bytes and objects equal what go tool pprof reads from the same file`, () => {
    const p = parseHeapProfile(capturedHeap(scenario));
    const oracle = goToolTotals(join(pprofDir(scenario), 'heap.pb.gz'));
    assert.ok(oracle.inuseBytes > 0);
    assert.deepEqual({ inuseBytes: p.inuseBytes, inuseObjects: p.inuseObjects }, oracle);
  });
}

test('corrupt input is an InputError with a hint: truncated gzip, garbage protobuf, not a heap profile', () => {
  const heap = capturedHeap('franz-retain-6400');
  assert.throws(
    () => parseHeapProfile(heap.subarray(0, heap.length / 2), 'heap.pb.gz'),
    (e: unknown) => e instanceof InputError && /truncated or corrupt/.test(e.message),
  );
  assert.throws(
    () => parseHeapProfile(gzipSync(Buffer.from('\xff\xff\xff\xff\xff garbage', 'latin1')), 'x'),
    (e: unknown) => e instanceof InputError && /could not be decoded as a pprof protobuf/.test(e.message),
  );
  assert.throws(
    () => parseHeapProfile(gzipSync(Buffer.alloc(0)), 'empty'),
    (e: unknown) => e instanceof InputError && /not a heap profile/.test(e.message),
  );
});
