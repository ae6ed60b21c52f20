// Sends N HTTP requests to the service under test, C at a time, each bounded by a timeout.
import { InputError } from '../../errors.js';
import type { DriveOptions, DriveResult } from './types.js';
import { describeFetchFailure, redactUrl, withCredentials } from '../http/fetch-bytes.js';

export async function driveRequests(options: DriveOptions): Promise<DriveResult> {
  const method = (options.method ?? 'GET').toUpperCase();
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 1, options.requests));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const statuses: Record<string, number> = {};
  const request = withCredentials(options.url, options.headers);
  let next = 0;
  let succeeded = 0;
  let firstError: unknown;
  const started = Date.now();
  const one = async () => {
    try {
      const response = await fetch(request.url, { method, headers: request.headers, body: options.body, signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      if (response.ok) succeeded++;
    } catch (error) {
      statuses.error = (statuses.error ?? 0) + 1;
      firstError ??= error;
    }
  };
  const worker = async () => {
    while (next < options.requests) {
      next++;
      await one();
      if (succeeded === 0 && statuses.error === next) break; // nothing answers: stop at once
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
  return { url: redactUrl(options.url), method, requests: sent, succeeded, failed: sent - succeeded, statuses, durationMs: Date.now() - started };
}
