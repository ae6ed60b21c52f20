import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyTrend, mannKendall, normalCdf, theilSen } from '../../src/stats/trend.js';

const close = (a: number, b: number, eps = 1e-4) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

test('normal CDF at known points', () => {
  close(normalCdf(0), 0.5);
  close(normalCdf(1.959964), 0.975);
  close(normalCdf(-2.575829), 0.005);
});

test('Mann-Kendall on 1..5: S=10, Var(S)=50/3, two-sided p=0.0275 (textbook values)', () => {
  const mk = mannKendall([1, 2, 3, 4, 5]);
  assert.equal(mk.s, 10);
  close(mk.varianceS, 50 / 3);
  close(mk.z, 9 / Math.sqrt(50 / 3));
  close(mk.p, 0.0275, 1e-3);
});

test('Mann-Kendall tie correction: [1,1,2,2] has Var(S) = (4·3·13 − 2·2·1·9)/18', () => {
  assert.equal(mannKendall([1, 1, 2, 2]).varianceS, (4 * 3 * 13 - 2 * (2 * 1 * 9)) / 18);
});

test('Theil-Sen ignores one outlier', () => {
  const t = [0, 1, 2, 3, 4, 5, 6];
  assert.equal(theilSen(t, [0, 2, 4, 100, 8, 10, 12]), 2);
});

const times = (n: number, everyMs = 1000) => Array.from({ length: n }, (_, i) => i * everyMs);

test('steady growth: 2 connections per second, with jitter → linear-growth, slope ≈ 120/min', () => {
  const values = times(30).map((_, i) => 10 + 2 * i + (i % 3 === 0 ? 1 : 0));
  const t = classifyTrend(times(30), values);
  assert.equal(t.verdict, 'linear-growth');
  assert.ok(t.mannKendall.p < 0.01);
  close(t.slopePerMinute, 120, 10);
});

test('warm-up: grows for 5 samples then flat → warm-up-plateau', () => {
  const values = times(30).map((_, i) => Math.min(2 * i, 10));
  assert.equal(classifyTrend(times(30), values).verdict, 'warm-up-plateau');
});

test('sawtooth: grows, is reaped, grows again → sawtooth', () => {
  const values = times(30).map((_, i) => (i % 10) * 3);
  assert.equal(classifyTrend(times(30), values).verdict, 'sawtooth');
});

test('constant, noise and too few samples', () => {
  assert.equal(
    classifyTrend(
      times(20),
      times(20).map(() => 7),
    ).verdict,
    'flat',
  );
  const noise = [5, 6, 5, 4, 5, 6, 5, 5, 4, 6, 5, 4, 6, 5, 5, 4, 6, 5, 5, 5];
  assert.equal(classifyTrend(times(20), noise).verdict, 'flat');
  assert.equal(classifyTrend(times(4), [1, 2, 3, 4]).verdict, 'insufficient-data');
});

test('long series are thinned before the O(n²) statistics but keep their verdict', () => {
  const n = 5000;
  const t = classifyTrend(
    times(n, 100),
    times(n).map((_, i) => Math.floor(i / 10)),
  );
  assert.equal(t.verdict, 'linear-growth');
  assert.equal(t.samples, n);
  close(t.slopePerMinute, 60, 1);
});

test('a constant count takes the shortcut and gives what the pairwise statistics give', () => {
  for (const n of [1, 2, 7, 60]) {
    const t = times(n);
    const values = Array.from({ length: n }, () => 500);
    const got = classifyTrend(t, values);
    const half = Math.floor(n / 2);
    assert.deepEqual(got.mannKendall, mannKendall(values));
    assert.deepEqual(got.recentMannKendall, mannKendall(values.slice(half)));
    assert.equal(got.slopePerMinute, Math.round(theilSen(t, values) * 60_000 * 100) / 100);
    assert.equal(got.recentSlopePerMinute, Math.round(theilSen(t.slice(half), values.slice(half)) * 60_000 * 100) / 100);
    assert.equal(got.verdict, n < 6 ? 'insufficient-data' : 'flat');
  }
});
