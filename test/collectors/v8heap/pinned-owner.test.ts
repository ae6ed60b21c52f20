// Who keeps the messages, from a real snapshot: a child Node process keeps kafkajs-shaped records (value,
// key, offset, batchContext) in a Map inside a closure and in a module-level array, and writes a
// snapshot. The records a container keeps are one group (Map backing-store slots and array positions
// are one place), and the group names the variable, the container and the function that declares it,
// with its line in the script — computed from the script's own text, not written in the test.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyzeSnapshotFile } from '../../../src/collectors/v8heap/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kleak-owner-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const script = `const v8 = require('node:v8');
const record = (i) => ({ key: Buffer.from('k' + i), value: Buffer.alloc(4096, i), offset: String(i), batchContext: { firstOffset: '0' } });
function makeStore() {
  const cache = new Map();
  return function keepInMap(m) {
    cache.set(m.offset, m);
  };
}
const keepInMap = makeStore();
for (let i = 0; i < 300; i++) keepInMap(record(i));
const recent = [];
function keepRecent(m) {
  recent.push(m);
}
for (let i = 0; i < 120; i++) keepRecent(record(1000 + i));
globalThis.hold = [keepInMap, keepRecent];
v8.writeHeapSnapshot(process.argv[2]);
`;

test('kept records: one group per container, owned by the variable and the closure at its line', async () => {
  const file = join(dir, 'keeper.js');
  writeFileSync(file, script);
  const snapshot = join(dir, 'keeper.heapsnapshot');
  execFileSync(process.execPath, [file, snapshot], { timeout: 60_000 });
  const analysis = await analyzeSnapshotFile(snapshot);
  const lines = script.split('\n');
  const lineOf = (text: string) => lines.findIndex((l) => l.includes(text)) + 1;
  const byVariable = new Map(analysis.pinned.groups.map((g) => [g.owner?.variable, g]));
  const map = byVariable.get('cache')!;
  assert.ok(map, JSON.stringify(analysis.pinned.groups.map((g) => g.path)));
  assert.equal(map.messages, 300);
  // the function that declares `cache`, at its own line
  assert.deepEqual(
    { ...map.owner, column: undefined },
    { variable: 'cache', container: 'Map', function: 'makeStore', file, line: lineOf('function makeStore'), column: undefined },
  );
  const array = byVariable.get('recent')!;
  assert.ok(array, JSON.stringify(analysis.pinned.groups.map((g) => g.path)));
  assert.equal(array.messages, 120);
  assert.equal(array.owner!.container, 'Array');
  assert.equal(array.owner!.file, file);
  // a module-level variable: the module's top level, which starts at line 1
  assert.equal(array.owner!.function, '(top level)');
  assert.equal(array.owner!.line, 1);
  assert.equal(analysis.pinned.messages, 420);
});
