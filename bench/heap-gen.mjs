// Writes a real V8 heap snapshot of about TARGET_MB for the heap benchmark: a process that builds a
// linked graph of small objects, strings, arrays and maps, then calls v8.writeHeapSnapshot.
// Usage: node --max-old-space-size=8192 bench/heap-gen.mjs TARGET_MB OUT.heapsnapshot
import { renameSync } from 'node:fs';
import v8 from 'node:v8';

const targetMb = Number(process.argv[2] ?? 50);
const out = process.argv[3] ?? `heap-${targetMb}mb.heapsnapshot`;
const objects = Math.round(targetMb * 4000); // about 250 bytes of snapshot per object
const keep = [];
const byKey = new Map();
let prev = null;
for (let i = 0; i < objects; i++) {
  const o = { id: i, label: `item-${i % 5000}`, tags: [i & 7, i & 15], next: prev };
  if (i % 16 === 0) byKey.set(`k${i}`, o);
  if (i % 64 === 0) o.blob = Buffer.alloc(64);
  keep.push(o);
  prev = i % 100 === 0 ? null : o;
}
globalThis.keep = keep;
globalThis.byKey = byKey;
const file = v8.writeHeapSnapshot();
renameSync(file, out);
console.log(out);
