// Reading snapshot files: every malformed input is an InputError that says what is wrong (never a crash,
// never an analysis of garbage); valid snapshots in other shapes (keys in another order, indented,
// gzipped) are read as the original.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { readHeapSnapshot } from '../../../src/collectors/v8heap/read-heap-snapshot.js';
import { InputError } from '../../../src/errors.js';
import { smallSnapshot } from '../../helpers/small-snapshot.js';

const { dir, file, bytes } = smallSnapshot();
const original = JSON.parse(bytes.toString('utf8'));
let n = 0;
const write = (content: string | Buffer) => {
  const path = join(dir, `variant-${n++}.heapsnapshot`);
  writeFileSync(path, content);
  return path;
};
const withHeader = (change: (snapshot: any) => void) => {
  const copy = structuredClone(original);
  change(copy.snapshot);
  return write(JSON.stringify(copy));
};
const rejects = async (path: string, message: RegExp) => {
  await assert.rejects(readHeapSnapshot(path), (e: unknown) => {
    assert.ok(e instanceof InputError, `an InputError, not ${(e as Error).name}: ${(e as Error).message}`);
    assert.match((e as Error).message, message);
    return true;
  });
};

const expected = await readHeapSnapshot(file);

test('keys in another order, tab-indented, or gzipped: the same snapshot', async () => {
  const { strings, nodes, edges, snapshot, ...rest } = original;
  const reordered = write(JSON.stringify({ strings, edges, ...rest, nodes, snapshot }));
  const tabbed = write(JSON.stringify(original, null, '\t'));
  const gzipped = write(gzipSync(bytes));
  for (const path of [reordered, tabbed, gzipped]) {
    const got = await readHeapSnapshot(path);
    assert.equal(got.nodeCount, expected.nodeCount);
    assert.equal(got.edgeCount, expected.edgeCount);
    assert.deepEqual(got.edgeTo, expected.edgeTo);
    assert.deepEqual(got.strings.toArray(), expected.strings.toArray());
  }
});

test('header fields of the wrong type: named, not a crash', async () => {
  await rejects(
    withHeader((s) => (s.meta.node_fields = 'type,name')),
    /corrupt header: node_fields, edge_fields/,
  );
  await rejects(
    withHeader((s) => (s.meta.edge_types = 7)),
    /corrupt header/,
  );
  await rejects(
    withHeader((s) => (s.node_count = 'many')),
    /node_count is "many", not a count/,
  );
});

test('impossible counts: negative, 2^32, 1e12, 1e300, 400 nines — bounded by the file, before anything is allocated', async () => {
  for (const count of [-1, 2 ** 32, 1e12, 1e300])
    await rejects(
      withHeader((s) => (s.node_count = count)),
      /corrupt header: node_count is/,
    );
  const nines = bytes.toString('utf8').replace(/"node_count":\d+/, `"node_count":${'9'.repeat(400)}`);
  await rejects(write(nines), /node_count is a number with more digits than any count/);
  await rejects(
    withHeader((s) => (s.edge_count = s.edge_count * 1000)),
    /edge_count is \d+, more than a file of \d+ bytes can hold/,
  );
});

test('bad escapes and raw control characters in strings: corrupt, with the string named', async () => {
  const text = bytes.toString('utf8');
  const at = text.lastIndexOf('"strings":[') + '"strings":['.length;
  for (const bad of ['"bad \\x escape"', '"cut \\ud83"', '"raw \u0001 control \\n"']) {
    await rejects(write(`${text.slice(0, at)}${bad},${text.slice(at)}`), /corrupt: string 0 has a bad escape/);
  }
});

test('no edges array, node or edge types out of range: corrupt, not analysed', async () => {
  const { edges: _edges, ...noEdges } = original;
  await rejects(write(JSON.stringify(noEdges)), /corrupt: it has no edges array/);
  const badNode = structuredClone(original);
  badNode.nodes[0] = 200;
  await rejects(write(JSON.stringify(badNode)), /corrupt: a node has type 200/);
  const badEdge = structuredClone(original);
  badEdge.edges[0] = 99;
  await rejects(write(JSON.stringify(badEdge)), /corrupt: an edge has type 99/);
});

test('a directory, a missing file, a truncated gzip: each said plainly', async () => {
  const folder = join(dir, 'a-folder');
  mkdirSync(folder);
  await rejects(folder, /is a directory/);
  await rejects(join(dir, 'absent.heapsnapshot'), /does not exist/);
  const gz = gzipSync(bytes);
  await rejects(write(gz.subarray(0, gz.length >> 1)), /gzip file that is truncated or corrupt/);
});
