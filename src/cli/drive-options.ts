// The --drive flags watch and diagnose share, and their translation into a DrivePlan.
import type { Command } from 'commander';
import type { DrivePlan } from '../collectors/watch/types.js';
import { UsageError } from '../errors.js';
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
}

export function addDriveOptions(command: Command): Command {
  return command
    .option('--drive <url>', 'send requests to this URL and measure the change per request')
    .option('--requests <n>', 'requests to send with --drive', '50')
    .option('--concurrency <n>', 'requests in flight at once', '1')
    .option('--warmup <n>', 'requests sent before the baseline (what a healthy service opens once)', '5')
    .option('--settle <duration>', 'bound on waiting for the counts to settle after driving', '15s')
    .option('--method <method>', 'HTTP method (default GET, POST with --body)')
    .option('--body <body>', 'request body')
    .option('--header <header>', 'request header "Name: value" (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[]);
}

function parseHeaders(values: string[]): Record<string, string> {
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
  try {
    new URL(flags.drive);
  } catch {
    throw new UsageError(`--drive "${flags.drive}" is not a URL.`, { hint: 'Give a full URL, e.g. --drive http://127.0.0.1:8080/produce' });
  }
  const requests = parsePositiveInt(flags.requests, '--requests');
  if (requests === 0) throw new UsageError('--requests must be at least 1 with --drive.');
  return {
    url: flags.drive,
    requests,
    concurrency: Math.max(1, parsePositiveInt(flags.concurrency, '--concurrency')),
    warmup: parsePositiveInt(flags.warmup, '--warmup'),
    settleTimeoutMs: parseDuration(flags.settle, '--settle'),
    method: flags.method ?? (flags.body !== undefined ? 'POST' : 'GET'),
    body: flags.body,
    headers: parseHeaders(flags.header),
  };
}
