// The streaming V8 snapshot parser, fed a real snapshot (written by a child Node process) whole, in
// 1-byte chunks and in random-size chunks: every way gives the same result, and that result equals what
// JSON.parse of the whole file says (the independent oracle).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { HeapSnapshotParser, type HeapSnapshot } from '../../../src/collectors/v8heap/parse-heap-snapshot.js';

const dir = mkdtempSync(join(tmpdir(), 'kleak-snapshot-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'small.heapsnapshot');
// a Node process with a Map of Buffers and a string with escapes, so strings and edges are not trivial
execFileSync(process.execPath, [
  '-e',
  `const kept = new Map(); for (let i = 0; i < 50; i++) kept.set('k' + i, Buffer.alloc(64, i)); globalThis.kept = kept; globalThis.text = 'tab\\there "quoted" \\u00e9 \\ud83d\\ude00 back\\\\slash'; require('v8').writeHeapSnapshot(${JSON.stringify(file)});`,
]);
const bytes = readFileSync(file);

function parse(chunks: Iterable<Buffer>): HeapSnapshot {
  const parser = new HeapSnapshotParser(file);
  for (const c of chunks) parser.push(c);
  return parser.end();
}

function* fixed(size: number): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** deterministic pseudo-random sizes from 1 to 4096 (a fixed seed: the same chunks every run) */
function* random(seed: number): Generator<Buffer> {
  let state = seed;
  for (let i = 0; i < bytes.length;) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const size = 1 + (state % 4096);
    yield bytes.subarray(i, i + size);
    i += size;
  }
}

const whole = parse([bytes]);

test('whole file: counts, nodes, edges and strings equal JSON.parse of the file', () => {
  const oracle = JSON.parse(bytes.toString('utf8')) as {
    snapshot: { node_count: number; edge_count: number; meta: { node_fields: string[]; edge_fields: string[] } };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const nf = oracle.snapshot.meta.node_fields;
  const ef = oracle.snapshot.meta.edge_fields;
  assert.equal(whole.nodeCount, oracle.snapshot.node_count);
  assert.equal(whole.edgeCount, oracle.snapshot.edge_count);
  assert.ok(whole.nodeCount > 10_000, `a real heap: ${whole.nodeCount} nodes`);
  assert.deepEqual(whole.strings.toArray(), oracle.strings);
  let edge = 0;
  for (let i = 0; i < whole.nodeCount; i++) {
    const at = i * nf.length;
    assert.equal(whole.nodeType[i], oracle.nodes[at + nf.indexOf('type')]);
    assert.equal(whole.nodeName[i], oracle.nodes[at + nf.indexOf('name')]);
    assert.equal(whole.nodeId[i], oracle.nodes[at + nf.indexOf('id')]);
    assert.equal(whole.nodeSelfSize[i], oracle.nodes[at + nf.indexOf('self_size')]);
    assert.equal(whole.firstEdge[i], edge);
    edge += oracle.nodes[at + nf.indexOf('edge_count')]!;
  }
  for (let e = 0; e < whole.edgeCount; e++) {
    const at = e * ef.length;
    assert.equal(whole.edgeType[e], oracle.edges[at + ef.indexOf('type')]);
    assert.equal(whole.edgeName[e], oracle.edges[at + ef.indexOf('name_or_index')]);
    assert.equal(whole.edgeTo[e], oracle.edges[at + ef.indexOf('to_node')]! / nf.length);
  }
  assert.ok(
    whole.strings.toArray().some((s) => s.includes('"quoted"') && s.includes('\t') && s.includes('é') && s.includes('\\slash')),
    'escapes and non-ASCII decoded',
  );
});

const same = (a: HeapSnapshot, b: HeapSnapshot) => {
  assert.equal(a.nodeCount, b.nodeCount);
  assert.equal(a.edgeCount, b.edgeCount);
  for (const k of ['nodeType', 'nodeName', 'nodeId', 'nodeSelfSize', 'firstEdge', 'edgeType', 'edgeName', 'edgeTo'] as const)
    assert.ok(Buffer.from(a[k].buffer).equals(Buffer.from(b[k].buffer)), k);
  assert.deepEqual(a.strings.toArray(), b.strings.toArray());
};

test('1-byte chunks: every boundary falls inside a number, a string, an escape or a key, and nothing changes', () => {
  same(parse(fixed(1)), whole);
});

test('random-size chunks (three seeds) and chunks that split multi-byte UTF-8', () => {
  for (const seed of [1, 7, 2026]) same(parse(random(seed)), whole);
  same(parse(fixed(3)), whole);
});
