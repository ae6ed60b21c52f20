// The --drive flags watch and diagnose share, and their translation into a DrivePlan.
import type { Command } from 'commander';
import { verdictBudgetMs } from '../collectors/watch/measure-drive.js';
import type { DrivePlan } from '../collectors/watch/types.js';
import { UsageError } from '../errors.js';
import { parseHttpUrl } from '../collectors/http/fetch-bytes.js';
import { parseDuration, parsePositiveInt } from './options.js';

export interface DriveFlags {
  drive?: string;
  requests: string;
  concurrency: string;
  warmup: string;
  settle: string;
  method?: string;
  body?: string;
  header: string[];
  allRequests?: boolean;
}

export function addDriveOptions(command: Command): Command {
  return command
    .option('--drive <url>', 'send requests to this URL and measure the change per request')
    .option('--requests <n>', 'at most this many requests with --drive (kleak stops once the per-request change is clear)', '50')
    .option('--all-requests', 'send all --requests, not stopping once the per-request change is clear')
    .option('--concurrency <n>', 'requests in flight at once', '1')
    .option('--warmup <n>', 'requests sent before the baseline (what a healthy service opens once)', '5')
    .option('--settle <duration>', 'bound on waiting for the counts to settle after driving', '15s')
    .option('--method <method>', 'HTTP method (default GET, POST with --body)')
    .option('--body <body>', 'request body')
    .option('--header <header>', 'request header "Name: value" (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[]);
}

/** The most requests one --drive sends, and the most in flight: bounded loops, never a load test. */
export const maxRequests = 10_000;
export const maxConcurrency = 64;

/** A flag that must be an http(s) URL: a usage error naming the flag otherwise. */
export function checkUrl(value: string, flag: string, example: string): string {
  try {
    parseHttpUrl(value, flag);
  } catch (error) {
    throw new UsageError((error as Error).message, { hint: `Give a full URL, e.g. ${flag} ${example}` });
  }
  return value;
}

export function parseHeaders(values: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of values) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header "${h}" is not "Name: value".`, { hint: 'Write headers like --header "Content-Type: application/json".' });
    headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  return headers;
}

/** undefined without --drive; a usage error for a bad URL or zero requests. */
export function drivePlanFromFlags(flags: DriveFlags): DrivePlan | undefined {
  if (!flags.drive) return undefined;
  checkUrl(flags.drive, '--drive', 'http://127.0.0.1:8080/produce');
  const requests = parsePositiveInt(flags.requests, '--requests');
  if (requests === 0) throw new UsageError('--requests must be at least 1 with --drive.');
  if (requests > maxRequests)
    throw new UsageError(`--requests ${flags.requests} is more than kleak sends (${maxRequests}).`, {
      hint: 'A per-request slope is clear after tens of requests; 50 is the default.',
    });
  const concurrency = parsePositiveInt(flags.concurrency, '--concurrency');
  if (concurrency > maxConcurrency)
    throw new UsageError(`--concurrency ${flags.concurrency} is more than kleak keeps in flight (${maxConcurrency}).`, {
      hint: 'A few requests at once are enough; the default is 1.',
    });
  return {
    url: flags.drive,
    requests,
    concurrency: Math.max(1, concurrency),
    warmup: parsePositiveInt(flags.warmup, '--warmup'),
    settleTimeoutMs: parseDuration(flags.settle, '--settle'),
    method: flags.method ?? (flags.body !== undefined ? 'POST' : 'GET'),
    body: flags.body,
    headers: parseHeaders(flags.header),
    // rounds of 5 and a floor of 15: a slope that is clear then does not change with more requests
    ...(flags.allRequests || requests <= adaptiveFloor ? {} : { adaptive: { floor: adaptiveFloor, roundSize: 5, budgetMs: verdictBudgetMs } }),
  };
}

/** the fewest requests an adaptive drive sends before it may stop */
export const adaptiveFloor = 15;
