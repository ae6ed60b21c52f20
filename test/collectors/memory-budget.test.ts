// The memory a heap snapshot needs, checked before the target is asked for one: refused, naming both figures, when
// it cannot fit. The process measured is this test's own (its VmRSS from /proc), against available figures given.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { assertMemoryForSnapshot, availableMemory, memoryBudget } from '../../src/collectors/memory-budget.js';

test('a snapshot needs twice the target’s resident memory: written out, then read back', () => {
  assert.deepEqual(memoryBudget(2 ** 30, 3 * 2 ** 30), { targetBytes: 2 ** 30, neededBytes: 2 * 2 ** 30, availableBytes: 3 * 2 ** 30, fits: true });
  assert.equal(memoryBudget(2 ** 30, 2 * 2 ** 30 - 1).fits, false);
});

test('refused with both figures when it does not fit; nothing refused when it does', () => {
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
  assert.throws(
    () => assertMemoryForSnapshot(process.pid, 'a heap snapshot', rss),
    (e: Error & { hint?: string }) =>
      /^PID \d+ holds [\d.]+ GB in memory: a heap snapshot of it needs about [\d.]+ GB free \(the heap written out, then read back\), and [\d.]+ GB is available here\.$/.test(
        e.message,
      ) && /nothing was asked of the process/.test(e.hint ?? ''),
  );
  assert.doesNotThrow(() => assertMemoryForSnapshot(process.pid, 'a heap snapshot', rss * 3));
});

test('this host’s available memory is read (MemAvailable, within kleak’s cgroup limit)', () => {
  const available = availableMemory();
  assert.ok(available !== undefined && available > 0 && available <= 1024 ** 4, String(available));
});
