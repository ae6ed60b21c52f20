// The edges read by a worker thread (forwards, up to where it is told to stop) and by the main thread
// (backwards from their end): on a real snapshot the two halves meet at the same edge and place for
// any split, and together equal a reading in one pass; a snapshot read with the worker equals one read
// without; and every corrupt variant fails with the same message either way.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { findEdges, readEdgesAt, readEdgesBackward } from '../../../src/collectors/v8heap/edges-reader.js';
import { HeapSnapshotParser, type EdgeArrays, type HeapSnapshot } from '../../../src/collectors/v8heap/parse-heap-snapshot.js';
import { readHeapSnapshot } from '../../../src/collectors/v8heap/read-heap-snapshot.js';
import { smallSnapshot } from '../../helpers/small-snapshot.js';

const { dir, file, bytes } = smallSnapshot(`globalThis.kept = Array.from({ length: 3000 }, (_, i) => ({ i, s: 'v' + i }))`);
const text = bytes.toString('latin1');
const inline = await readHeapSnapshot(file, undefined, { edgesWorker: false });

const same = (a: HeapSnapshot, b: HeapSnapshot) => {
  for (const k of ['nodeType', 'nodeName', 'nodeId', 'nodeSelfSize', 'firstEdge', 'edgeType', 'edgeName', 'edgeTo'] as const)
    assert.ok(Buffer.from(a[k].buffer, a[k].byteOffset, a[k].byteLength).equals(Buffer.from(b[k].buffer, b[k].byteOffset, b[k].byteLength)), k);
  assert.deepEqual(a.strings.toArray(), b.strings.toArray());
};

test('read with the worker: the same snapshot as in one pass', async () => {
  same(await readHeapSnapshot(file, undefined, { edgesWorker: true }), inline);
});

test('with the worker, snapshots in other shapes (indented: no "edges":[ to find; keys in another order) read the same', async () => {
  const parsed = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  const tabbed = join(dir, 'worker-tabbed.heapsnapshot');
  writeFileSync(tabbed, JSON.stringify(parsed, null, '\t'));
  const { strings, nodes, edges, snapshot, ...rest } = parsed;
  const reordered = join(dir, 'worker-reordered.heapsnapshot');
  writeFileSync(reordered, JSON.stringify({ strings, edges, ...rest, nodes, snapshot }));
  for (const path of [tabbed, reordered]) same(await readHeapSnapshot(path, undefined, { edgesWorker: true }), inline);
});

test('forwards up to a split, backwards down to it: they meet at the same edge and place, for splits all along the array', () => {
  const parser = new HeapSnapshotParser(file, { totalBytes: bytes.length });
  parser.push(bytes);
  const offset = findEdges(file);
  assert.equal(offset, text.indexOf('"edges":[') + '"edges":['.length);
  const end = text.indexOf(']', offset);
  const layout = parser.layout();
  const fresh = (): EdgeArrays => ({
    edgeType: new Uint8Array(layout.edgeCount),
    edgeName: new Uint32Array(layout.edgeCount),
    edgeTo: new Uint32Array(layout.edgeCount),
  });
  for (let k = 1; k < 40; k++) {
    const split = offset + Math.floor(((end - offset) * k) / 40) + (k % 3);
    const arrays = fresh();
    const control = new BigInt64Array(new SharedArrayBuffer(16));
    control[0] = BigInt(split);
    const forward = readEdgesAt(file, offset, parser.headerJson(), bytes.length, arrays, control);
    const backward = readEdgesBackward(file, end, split, layout, arrays);
    assert.equal(forward.kind, 'stopped', `split ${k}`);
    assert.ok(
      forward.kind === 'stopped' && backward && forward.items === backward.items && forward.at === backward.at,
      `split ${k}: ${JSON.stringify({ forward, backward })}`,
    );
    for (const f of ['edgeType', 'edgeName', 'edgeTo'] as const) assert.deepEqual(arrays[f], inline[f], `split ${k}: ${f}`);
  }
});

test('corrupt edges: the same error with the worker as without', async () => {
  const at = text.indexOf('"edges":[') + '"edges":['.length;
  const end = text.indexOf(']', at);
  const variants = {
    // an edge fewer than the header says (the last one), and one more
    fewer: text.slice(0, text.lastIndexOf('\n', end - 2)) + text.slice(end),
    more: text.slice(0, end) + ',1,1,0' + text.slice(end),
    // a type out of range near the end (found by the backward reading: the forward one says it)
    badTypeLate: text.slice(0, text.lastIndexOf('\n,', end - 2) + 2) + '99' + text.slice(text.indexOf(',', text.lastIndexOf('\n,', end - 2) + 2)),
    badTargetEarly: text.slice(0, at) + '1,1,3' + text.slice(text.indexOf('\n', at)),
    letter: text.slice(0, end - 3) + 'x' + text.slice(end - 2),
    truncated: text.slice(0, Math.floor((at + end) / 2)),
  };
  for (const [name, variant] of Object.entries(variants)) {
    const path = join(dir, `edges-${name}.heapsnapshot`);
    writeFileSync(path, variant, 'latin1');
    const message = async (edgesWorker: boolean) =>
      readHeapSnapshot(path, undefined, { edgesWorker }).then(
        () => 'no error',
        (e: Error) => `${e.constructor.name}: ${e.message}`,
      );
    const expected = await message(false);
    assert.notEqual(expected, 'no error', name);
    assert.equal(await message(true), expected, name);
  }
});
