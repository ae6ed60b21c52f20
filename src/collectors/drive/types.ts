// What the request driver takes and reports.

export interface DriveOptions {
  url: string;
  requests: number;
  concurrency?: number;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** told each time a request is answered (or fails): a watch notes how many were when it samples */
  onAnswered?: () => void;
}

export interface DriveResult {
  url: string;
  method: string;
  requests: number;
  succeeded: number;
  failed: number;
  /** count of responses by status code, plus "error" for requests that got no response */
  statuses: Record<string, number>;
  durationMs: number;
  /** the successful requests' wall times (ms): median and 90th percentile */
  latencyMs?: { p50: number; p90: number; samples: number };
  /** set when kleak stopped before sending them all: the service stopped answering */
  stoppedEarly?: string;
}
