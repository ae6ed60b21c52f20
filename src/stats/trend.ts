// Trend of a sampled count over time: the Mann-Kendall test for a monotonic trend, the Theil-Sen
// slope, and a verdict that tells steady growth from a warm-up plateau and from a sawtooth.
// Mann-Kendall is rank-based, so a few outliers or steps (connections open in bursts) do not fool it,
// and it needs no normality; Theil-Sen is its matching robust slope.

export type TrendVerdict = 'insufficient-data' | 'flat' | 'linear-growth' | 'warm-up-plateau' | 'sawtooth' | 'decreasing';

export interface MannKendall {
  s: number;
  varianceS: number;
  z: number;
  /** two-sided p-value under the null hypothesis of no trend */
  p: number;
}

export interface Trend {
  verdict: TrendVerdict;
  samples: number;
  first: number;
  last: number;
  min: number;
  max: number;
  /** Theil-Sen slope over the whole window, per minute */
  slopePerMinute: number;
  /** Theil-Sen slope over the second half of the window, per minute */
  recentSlopePerMinute: number;
  mannKendall: MannKendall;
  recentMannKendall: MannKendall;
  /** drops larger than a fifth of the range: connections reaped and reopened */
  drops: number;
  test: 'Mann-Kendall (two-sided, alpha 0.01) with Theil-Sen slope';
}

export const alpha = 0.01;

/** Standard normal CDF (Abramowitz-Stegun 26.2.17, |error| < 7.5e-8). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const d = 0.3989422804014327 * Math.exp((-z * z) / 2);
  const tail = d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return z >= 0 ? 1 - tail : tail;
}

export function mannKendall(values: readonly number[]): MannKendall {
  const n = values.length;
  let s = 0;
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) s += Math.sign(values[j]! - values[i]!);
  }
  const ties = new Map<number, number>();
  for (const v of values) ties.set(v, (ties.get(v) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of ties.values()) tieTerm += t * (t - 1) * (2 * t + 5);
  const varianceS = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  const z = varianceS === 0 ? 0 : s > 0 ? (s - 1) / Math.sqrt(varianceS) : s < 0 ? (s + 1) / Math.sqrt(varianceS) : 0;
  return { s, varianceS, z, p: varianceS === 0 ? 1 : 2 * (1 - normalCdf(Math.abs(z))) };
}

/** Median of pairwise slopes (per ms); 0 for fewer than two distinct times. */
export function theilSen(times: readonly number[], values: readonly number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < times.length - 1; i++) {
    for (let j = i + 1; j < times.length; j++) {
      const dt = times[j]! - times[i]!;
      if (dt !== 0) slopes.push((values[j]! - values[i]!) / dt);
    }
  }
  if (slopes.length === 0) return 0;
  slopes.sort((a, b) => a - b);
  const mid = slopes.length >> 1;
  return slopes.length % 2 ? slopes[mid]! : (slopes[mid - 1]! + slopes[mid]!) / 2;
}

const noTrend: MannKendall = { s: 0, varianceS: 0, z: 0, p: 1 };

const perMinute = (perMs: number) => Math.round(perMs * 60_000 * 100) / 100;

/** Samples are thinned to at most this many before the O(n²) statistics. */
const maxPoints = 400;

function thin<T>(xs: readonly T[]): T[] {
  if (xs.length <= maxPoints) return [...xs];
  return Array.from({ length: maxPoints }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (maxPoints - 1))]!);
}

export function classifyTrend(timesMs: readonly number[], valuesIn: readonly number[]): Trend {
  const times = thin(timesMs);
  const values = thin(valuesIn);
  const n = values.length;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const half = Math.floor(n / 2);
  const range = max - min;
  // a constant count (most processes, most of the time: kleak export runs this for each one every sample) has no
  // trend: every pair ties (S 0, variance 0, p 1) and every slope is 0, without the O(n²) pairs
  const constant = n > 0 && range === 0;
  const mk = constant ? { ...noTrend } : mannKendall(values);
  const recent = constant ? { ...noTrend } : mannKendall(values.slice(half));
  const slope = constant ? 0 : theilSen(times, values);
  const recentSlope = constant ? 0 : theilSen(times.slice(half), values.slice(half));
  let drops = 0;
  for (let i = 1; i < n; i++) if (values[i - 1]! - values[i]! > Math.max(1, range / 5)) drops++;
  const base = {
    samples: valuesIn.length,
    first: valuesIn[0] ?? 0,
    last: valuesIn[valuesIn.length - 1] ?? 0,
    min: n ? min : 0,
    max: n ? max : 0,
    slopePerMinute: perMinute(slope),
    recentSlopePerMinute: perMinute(recentSlope),
    mannKendall: mk,
    recentMannKendall: recent,
    drops,
    test: 'Mann-Kendall (two-sided, alpha 0.01) with Theil-Sen slope' as const,
  };
  let verdict: TrendVerdict;
  if (n < 6) verdict = 'insufficient-data';
  else if (range === 0) verdict = 'flat';
  else if (drops >= 2) verdict = 'sawtooth';
  else if (mk.p < alpha && mk.s > 0) {
    const stillGrowing = (recent.s > 0 && recent.p < 0.05) || (slope > 0 && recentSlope >= 0.5 * slope);
    verdict = stillGrowing ? 'linear-growth' : 'warm-up-plateau';
  } else if (mk.p < alpha && mk.s < 0) verdict = 'decreasing';
  else verdict = 'flat';
  return { verdict, ...base };
}
