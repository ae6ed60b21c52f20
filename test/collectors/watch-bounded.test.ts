// A long watch keeps a bounded number of samples in memory, spread over the whole watch: kleak watch over a day
// holds no more than over an hour (bench/soak.mjs measures its RSS flat over 24 simulated hours).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runWatch } from '../../src/collectors/watch/index.js';

test('past the bound, every other sample kept is dropped: the kept ones span the watch, end with the last taken, and count all taken', async () => {
  const printed: number[] = [];
  const result = await runWatch({
    sockets: { pids: [process.pid], endpoints: [{ address: '127.0.0.1:1' }], brokerSource: 'flag', usage: false },
    intervalMs: 5,
    // long enough for three times the bound even when each sample takes 200 ms (a loaded machine)
    durationMs: 3000,
    maxKeptSamples: 4,
    onSample: (s) => printed.push(s.atMs),
  });
  assert.ok(result.samplesTaken! > 8, `${result.samplesTaken} samples taken`);
  assert.equal(result.samplesTaken, printed.length, 'every sample taken was printed');
  assert.ok(result.samples.length <= 5 && result.samples.length >= 2, `${result.samples.length} kept of ${result.samplesTaken}`);
  assert.equal(result.samples[0]!.atMs, printed[0], 'the first sample is kept');
  assert.equal(result.samples.at(-1)!.atMs, printed.at(-1), 'the last sample taken ends the kept ones');
  const times = result.samples.map((s) => s.atMs);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
  );
  assert.ok(
    times.every((t) => printed.includes(t)),
    'kept samples are samples taken (none invented)',
  );
  // spread over the watch: the second half has kept samples besides the last
  assert.ok(times.filter((t) => t > printed.at(-1)! / 2).length >= 2, `kept at ${times.join(', ')} ms of ${printed.at(-1)}`);
});

test('a short watch keeps every sample', async () => {
  const result = await runWatch({
    sockets: { pids: [process.pid], endpoints: [{ address: '127.0.0.1:1' }], brokerSource: 'flag', usage: false },
    intervalMs: 20,
    durationMs: 300,
  });
  assert.equal(result.samples.length, result.samplesTaken);
});
