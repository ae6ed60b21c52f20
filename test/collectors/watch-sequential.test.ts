// When an adaptive drive may stop: a per-request rate's 95% interval over the rounds (Student's t) lies
// wholly on one side of the threshold. Checked against values computed by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decided, interval, threshold } from '../../src/collectors/watch/sequential.js';

test('fewer than 3 rounds: no interval, never decided', () => {
  assert.equal(interval([1, 1]), undefined);
  assert.equal(decided([2, 2], threshold), false);
});

test('identical rounds decide at once: a leak (2.0) above, a clean service (0) below', () => {
  assert.deepEqual(interval([2, 2, 2]), { mean: 2, half: 0 });
  assert.equal(decided([2, 2, 2], threshold), true);
  assert.equal(decided([0, 0, 0], threshold), true);
});

test('noisy rounds around the threshold stay undecided; the interval is mean ± t(k−1) · s/√k', () => {
  // mean 0.6, s = 0.4 (sample), k = 3: t(2) = 4.303 → half = 4.303 × 0.4 / √3 = 0.9937
  const i = interval([0.2, 0.6, 1.0])!;
  assert.ok(Math.abs(i.mean - 0.6) < 1e-12);
  assert.ok(Math.abs(i.half - (4.303 * 0.4) / Math.sqrt(3)) < 1e-9);
  assert.equal(decided([0.2, 0.6, 1.0], threshold), false);
  // the same spread over more rounds narrows the interval: a reaping client at 0.9 ± 0.2 decides after 6 rounds
  assert.equal(decided([0.7, 1.1, 0.9], threshold), false);
  assert.equal(decided([0.7, 1.1, 0.9, 0.7, 1.1, 0.9], threshold), true);
});
