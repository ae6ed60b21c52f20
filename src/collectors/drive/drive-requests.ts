// Sends N HTTP requests to the service under test, C at a time, each bounded by a timeout. A service that
// stops answering (3 failures in a row: its broker died, it hangs) stops the drive: waiting out every
// remaining request's timeout would only delay the report.
import { InputError } from '../../errors.js';
import type { DriveOptions, DriveResult } from './types.js';
import { describeFetchFailure, redactUrl, withCredentials } from '../http/fetch-bytes.js';

const maxFailuresInARow = 3;

export async function driveRequests(options: DriveOptions): Promise<DriveResult> {
  const method = (options.method ?? 'GET').toUpperCase();
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 1, options.requests));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const statuses: Record<string, number> = {};
  const request = withCredentials(options.url, options.headers);
  let next = 0;
  let succeeded = 0;
  let firstError: unknown;
  let lastError: unknown;
  let failuresInARow = 0;
  let stoppedEarly: string | undefined;
  const started = Date.now();
  const latencies: number[] = [];
  const one = async () => {
    const t0 = performance.now();
    try {
      const response = await fetch(request.url, { method, headers: request.headers, body: options.body, signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      if (response.ok) {
        latencies.push(performance.now() - t0);
        succeeded++;
        failuresInARow = 0;
      } else failuresInARow++;
    } catch (error) {
      statuses.error = (statuses.error ?? 0) + 1;
      firstError ??= error;
      lastError = error;
      failuresInARow++;
    } finally {
      options.onAnswered?.();
    }
  };
  const worker = async () => {
    while (next < options.requests) {
      next++;
      await one();
      if (succeeded === 0 && statuses.error === next) break; // nothing answers: stop at once
      if (failuresInARow >= maxFailuresInARow && next < options.requests) {
        stoppedEarly ??= `the service failed ${failuresInARow} requests in a row (${lastError === undefined ? 'HTTP errors' : describeFetchFailure(lastError, timeoutMs)}); kleak stopped driving after ${next} of ${options.requests}`;
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const sent = Object.values(statuses).reduce((a, b) => a + b, 0);
  if (succeeded === 0 && (statuses.error ?? 0) === sent) {
    // fetch wraps the network error: TypeError('fetch failed', { cause: ECONNREFUSED | 'bad port' | … })
    throw new InputError(`The drive URL ${redactUrl(options.url)} ${describeFetchFailure(firstError, timeoutMs)}.`, {
      cause: firstError,
      hint: 'Check that the service listens there (curl it), and that --drive names an endpoint that exercises Kafka.',
    });
  }
  const result: DriveResult = {
    url: redactUrl(options.url),
    method,
    requests: sent,
    succeeded,
    failed: sent - succeeded,
    statuses,
    durationMs: Date.now() - started,
    ...(latencies.length ? { latencyMs: latencyOf(latencies) } : {}),
    ...(stoppedEarly ? { stoppedEarly } : {}),
  };
  raw.set(result, latencies);
  return result;
}

/** each result's request wall times, so that the rounds of an adaptive drive can be summed exactly */
const raw = new WeakMap<DriveResult, number[]>();

/** Two drives as one: counts added, latencies over the requests of both. */
export function addResults(a: DriveResult | undefined, b: DriveResult): DriveResult {
  if (!a) return b;
  const statuses = { ...a.statuses };
  for (const [k, v] of Object.entries(b.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const latencies = [...(raw.get(a) ?? []), ...(raw.get(b) ?? [])];
  const sum: DriveResult = {
    ...a,
    requests: a.requests + b.requests,
    succeeded: a.succeeded + b.succeeded,
    failed: a.failed + b.failed,
    statuses,
    durationMs: a.durationMs + b.durationMs,
    ...(latencies.length ? { latencyMs: latencyOf(latencies) } : {}),
    ...(b.stoppedEarly ? { stoppedEarly: b.stoppedEarly } : {}),
  };
  raw.set(sum, latencies);
  return sum;
}

/** The median and 90th percentile of the successful requests' wall times, in ms (one decimal). */
export function latencyOf(ms: readonly number[]): { p50: number; p90: number; samples: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
  return { p50: at(0.5), p90: at(0.9), samples: sorted.length };
}
