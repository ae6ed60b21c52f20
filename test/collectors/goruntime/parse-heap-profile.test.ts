import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { parseHeapProfile } from '../../../src/collectors/goruntime/parse-heap-profile.js';
import { InputError } from '../../../src/errors.js';
import { capturedHeap } from '../../helpers/captured-pprof.js';

test('a captured heap profile: the four Go sample types, stacks sum to the total', () => {
  const p = parseHeapProfile(capturedHeap('franz-retain-6400'));
  assert.deepEqual(p.sampleTypes, ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']);
  assert.equal(
    p.stacks.reduce((n, s) => n + s.inuseBytes, 0),
    p.inuseBytes,
  );
  assert.ok(p.stacks[0]!.frames.length > 0);
});

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
