// The HPROF reader on a captured dump (fixtures/captured/jvm/tiny.hprof.gz: `jcmd PID GC.heap_dump -gz=9` of the
// program in Tiny.java.txt, with the JVM's own `GC.class_histogram` taken right after it in tiny.class_histogram.txt),
// held against that histogram; pushed through in chunks of every size; cut anywhere; and the names and lines kleak
// derives from it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { analyzeHprof } from '../../src/collectors/jvmheap/analyze-hprof.js';
import { HprofParser, javaName, Kind, type HprofHeap } from '../../src/collectors/jvmheap/parse-hprof.js';
import { readHprof } from '../../src/collectors/jvmheap/read-hprof.js';
import { declarationOf } from '../../src/core/locate.js';
import { InputError } from '../../src/errors.js';
import { repoRoot } from '../../src/repo-root.js';

const dir = join(repoRoot, 'fixtures/captured/jvm');
const gz = join(dir, 'tiny.hprof.gz');
const bytes = gunzipSync(readFileSync(gz));

/** the JVM's histogram: class (as the JVM names it, module dropped) → instances */
const histogram = new Map(
  [...readFileSync(join(dir, 'tiny.class_histogram.txt'), 'utf8').matchAll(/^\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)/gm)].map((m) => [
    m[3]!,
    { instances: Number(m[1]), bytes: Number(m[2]) },
  ]),
);
const histogramTotal = Number(/^Total\s+(\d+)/m.exec(readFileSync(join(dir, 'tiny.class_histogram.txt'), 'utf8'))![1]);

function parseInChunks(data: Buffer, sizes: () => number): HprofHeap {
  const parser = new HprofParser('tiny.hprof');
  for (let at = 0; at < data.length;) {
    const n = Math.max(1, sizes());
    parser.push(data.subarray(at, at + n));
    at += n;
  }
  return parser.end();
}

test('objects by class equal the JVM’s own class histogram taken with the dump', async () => {
  const heap = await readHprof(gz);
  const a = analyzeHprof(heap, heap.fileBytes);
  assert.equal(a.dump.objects, histogramTotal, 'every object and class of the dump');
  assert.equal(a.dump.idSize, 8);
  for (const [jvm, java] of [
    ['Tiny$Holder', 'Tiny$Holder'],
    ['java.nio.HeapByteBuffer', 'java.nio.HeapByteBuffer'],
    ['[B', 'byte[]'],
    ['[Ljava.lang.Object;', 'java.lang.Object[]'],
    ['java.lang.String', 'java.lang.String'],
    ['java.util.HashMap$Node', 'java.util.HashMap$Node'],
    ['java.lang.ref.WeakReference', 'java.lang.ref.WeakReference'],
  ] as const) {
    assert.equal(a.histogram[java]?.instances, histogram.get(jvm)?.instances, `${java} instances`);
    assert.equal(a.histogram[java]?.bytes, histogram.get(jvm)?.bytes, `${java} bytes (compressed references, as the JVM lays them out)`);
  }
});

test('the graph: a Holder’s ByteBuffer view leads to its 100,000-byte array, with its position and limit; a weak referent is not retained', () => {
  const heap = parseInChunks(bytes, () => 1 << 20);
  const holderClass = heap.classes.findIndex((c) => c.name === 'Tiny$Holder');
  assert.ok(holderClass >= 0);
  const holders: number[] = [];
  for (let i = 0; i < heap.nodeCount; i++) if (heap.nodeKind[i] === Kind.Instance && heap.nodeClass[i] === holderClass) holders.push(i);
  assert.equal(holders.length, 3);
  const child = (i: number, field: string) => {
    const names = heap.classes[heap.nodeClass[i]!]!.refNames!;
    for (let e = heap.firstEdge[i]!; e < heap.firstEdge[i + 1]!; e++) if (names[heap.edgeSlot[e]!] === field) return heap.edgeTo[e]!;
    return undefined;
  };
  const arrays = new Set<number>();
  for (const h of holders) {
    const view = child(h, 'view')!;
    assert.equal(heap.classes[heap.nodeClass[view]!]!.name, 'java.nio.HeapByteBuffer');
    assert.deepEqual(heap.ints.get(view), { position: 0, limit: 10 }, 'slice(): its own position and limit');
    const array = child(view, 'hb')!;
    assert.equal(heap.nodeKind[array], Kind.PrimitiveArray);
    assert.equal(heap.nodeLength[array], 100_000);
    arrays.add(array);
  }
  assert.equal(arrays.size, 1, 'the three views share one array');
  // the weak referent: 50,000 bytes no strong path reaches
  const a = analyzeHprof(heap, bytes.length);
  assert.ok(!a.topRetainers.some((r) => r.name === 'java.lang.ref.WeakReference' && r.retainedBytes >= 50_000), JSON.stringify(a.topRetainers));
  assert.deepEqual(
    a.topRetainers.filter((r) => r.name === 'byte[]' && r.retainedBytes > 50_000).map((r) => r.retainedBytes),
    [100_016],
    'the shared array is kept alive (main’s local), the weak one is not among the retainers',
  );
});

test('pushed in chunks of any size it reads the same', () => {
  const whole = parseInChunks(bytes, () => bytes.length);
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 5000;
  for (const sizes of [() => 1 + (random() % 7), random, () => 4096, () => 65_537]) {
    const heap = parseInChunks(bytes, sizes);
    assert.equal(heap.nodeCount, whole.nodeCount);
    assert.equal(heap.edgeTo.length, whole.edgeTo.length);
    assert.deepEqual(heap.edgeTo, whole.edgeTo);
    assert.deepEqual(heap.nodeSize, whole.nodeSize);
  }
});

test('a dump cut anywhere, or something else, is an InputError that says what', () => {
  for (const at of [5, 30, 1000, Math.floor(bytes.length / 3), bytes.length - 1]) {
    assert.throws(
      () => parseInChunks(bytes.subarray(0, at), () => 4096),
      (e: unknown) => e instanceof InputError && /ends (before its header|in the middle of a record)/.test(e.message),
      `cut at ${at}`,
    );
  }
  for (const [what, data, says] of [
    ['HTML', Buffer.from('<!doctype html><html><body>502 Bad Gateway</body></html>'), /not "JAVA PROFILE/],
    ['a V8 snapshot', Buffer.from('{"snapshot":{"meta":{}},"nodes":[]}'.padEnd(100, ' ')), /does not start with "JAVA PROFILE"|not "JAVA PROFILE/],
    ['a bad identifier size', Buffer.concat([Buffer.from('JAVA PROFILE 1.0.2\0'), Buffer.from([0, 0, 0, 3]), Buffer.alloc(8)]), /identifier size is 3/],
    ['an unknown record tag', Buffer.concat([bytes.subarray(0, 31), Buffer.from([0x99, 0, 0, 0, 0, 0, 0, 0, 0])]), /record tag 0x99/],
  ] as const) {
    assert.throws(
      () => parseInChunks(data, () => 4096),
      (e: unknown) => e instanceof InputError && says.test(e.message),
      what,
    );
  }
});

test('JVM names as Java writes them', () => {
  assert.equal(javaName('java/util/ArrayList'), 'java.util.ArrayList');
  assert.equal(javaName('[B'), 'byte[]');
  assert.equal(javaName('[[J'), 'long[][]');
  assert.equal(javaName('[Ljava/lang/Object;'), 'java.lang.Object[]');
  assert.equal(javaName('kleak/fixtures/RecordCache$Holder'), 'kleak.fixtures.RecordCache$Holder');
});

test('a field’s declaration line in Java and Kotlin', () => {
  const java = [
    'class A {',
    '  // recent = the last ones',
    '  static final List<ConsumerRecord<String, ByteBuffer>> recent = new ArrayList<>();',
    '  void f() { recent = null; }',
    '}',
  ].join('\n');
  const columnOf = (text: string, line: number, name: string) => text.split('\n')[line - 1]!.indexOf(` ${name}`) + 2;
  assert.deepEqual(declarationOf(java, 'recent'), { line: 3, column: columnOf(java, 3, 'recent') });
  const kotlin = 'object Cache {\n    private val kept: MutableList<ConsumerRecord<String, ByteArray>> = mutableListOf()\n}';
  assert.deepEqual(declarationOf(kotlin, 'kept'), { line: 2, column: columnOf(kotlin, 2, 'kept') });
  const field = 'private Map<String, byte[]> byKey;';
  assert.deepEqual(declarationOf(field, 'byKey'), { line: 1, column: columnOf(field, 1, 'byKey') });
  assert.equal(declarationOf('kept.add(x);', 'kept'), undefined);
});
