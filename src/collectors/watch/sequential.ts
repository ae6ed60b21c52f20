// When to stop driving: a per-request rate measured round by round is "decided" once its 95% interval
// (Student's t over the rounds) lies wholly on one side of the threshold the rules use. Pure.

/** client-per-request's threshold: half a connection (or goroutine) per request */
export const threshold = 0.5;

// two-sided 95% quantiles of Student's t, by degrees of freedom (1..30; beyond, ≈ the normal's 1.96)
const t95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069,
  2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** mean and the half-width of its 95% interval; undefined with fewer than 3 rounds */
export function interval(series: readonly number[]): { mean: number; half: number } | undefined {
  const k = series.length;
  if (k < 3) return undefined;
  const mean = series.reduce((a, b) => a + b, 0) / k;
  const variance = series.reduce((a, b) => a + (b - mean) ** 2, 0) / (k - 1);
  return { mean, half: (t95[k - 2] ?? 1.96) * Math.sqrt(variance / k) };
}

export function decided(series: readonly number[], at: number): boolean {
  const i = interval(series);
  return i !== undefined && (i.mean - i.half > at || i.mean + i.half < at);
}
