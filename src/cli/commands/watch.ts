// kleak watch: samples over time; with --drive, the change per request.
import type { Command } from 'commander';
import { runWatch } from '../../collectors/watch/index.js';
import { InputError, UsageError } from '../../errors.js';
import { rules } from '../../rules/index.js';
import { runRules } from '../../rules/run-rules.js';
import { renderWatchSummary, sampleHeader, sampleJson, sampleRow, toWatchJson } from '../../report/watch-view.js';
import { ExitCode, exitCodeFor } from '../exit-code.js';
import type { CliContext } from '../context.js';
import { brokerAttribution, type AttributionFlags } from '../attribution.js';
import { addOutputOptions, addTargetOptions, parseDuration, parsePositiveInt, wantsJson, type OutputFlags } from '../options.js';

interface WatchFlags extends AttributionFlags, OutputFlags {
  pid: number[];
  children?: boolean;
  interval: string;
  duration: string;
  drive?: string;
  requests: string;
  concurrency: string;
  warmup: string;
  settle: string;
  method?: string;
  body?: string;
  header: string[];
  pprof?: string;
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

export function registerWatch(program: Command, ctx: CliContext): void {
  const command = program
    .command('watch')
    .description('sample sockets over time; with --drive, growth per request')
    .option('--interval <duration>', 'time between samples', '1s')
    .option('--duration <duration>', 'how long to watch (without --drive)', '30s')
    .option('--drive <url>', 'send requests to this URL and measure the change per request')
    .option('--requests <n>', 'requests to send with --drive', '50')
    .option('--concurrency <n>', 'requests in flight at once', '1')
    .option('--warmup <n>', 'requests sent before the baseline (what a healthy service opens once)', '5')
    .option('--settle <duration>', 'how long to wait for the counts to settle after driving', '15s')
    .option('--method <method>', 'HTTP method (default GET, POST with --body)')
    .option('--body <body>', 'request body')
    .option('--header <header>', 'request header "Name: value" (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--pprof <url>', "a Go service's pprof base URL: count goroutines too")
    .addHelpText('after', '\nExamples:\n  $ kleak watch --pid 4242 --interval 2s --duration 2m\n  $ kleak watch --pid 4242 --drive http://127.0.0.1:8080/produce --method POST --requests 50 --pprof http://127.0.0.1:8080');
  addOutputOptions(addTargetOptions(command)).action(async (flags: WatchFlags) => {
    const json = wantsJson(flags);
    const intervalMs = parseDuration(flags.interval, '--interval');
    if (intervalMs < 50) throw new UsageError(`--interval ${flags.interval} is too short.`, { hint: 'Sample at most every 50ms.' });
    const durationMs = parseDuration(flags.duration, '--duration');
    const requests = parsePositiveInt(flags.requests, '--requests');
    if (flags.drive && requests === 0) throw new UsageError('--requests must be at least 1 with --drive.');
    if (flags.drive) {
      try {
        new URL(flags.drive);
      } catch {
        throw new UsageError(`--drive "${flags.drive}" is not a URL.`, { hint: 'Give a full URL, e.g. --drive http://127.0.0.1:8080/produce' });
      }
    }
    const attribution = await brokerAttribution(flags);
    let printedHeader = false;
    const result = await runWatch({
      sockets: { pids: flags.pid, children: flags.children, endpoints: attribution.endpoints, brokerSource: attribution.source, warnings: attribution.warnings },
      intervalMs,
      durationMs,
      pprofUrl: flags.pprof,
      drive: flags.drive
        ? {
            url: flags.drive,
            requests,
            concurrency: Math.max(1, parsePositiveInt(flags.concurrency, '--concurrency')),
            warmup: parsePositiveInt(flags.warmup, '--warmup'),
            settleTimeoutMs: parseDuration(flags.settle, '--settle'),
            method: flags.method ?? (flags.body !== undefined ? 'POST' : 'GET'),
            body: flags.body,
            headers: parseHeaders(flags.header),
          }
        : undefined,
      onSample: (sample) => {
        if (json) return ctx.io.stdout(sampleJson(sample));
        if (!printedHeader) ctx.io.stdout(sampleHeader(sample.goroutines !== undefined));
        printedHeader = true;
        ctx.io.stdout(sampleRow(sample));
      },
    });
    const { findings } = runRules(rules, { watch: result, sockets: result.last });
    ctx.io.stdout(json ? `${JSON.stringify(toWatchJson(result, findings))}\n` : renderWatchSummary(result, findings, ctx.chalk));
    ctx.exitCode = exitCodeFor(findings, flags.failOn);
    if (result.exited) {
      ctx.exitCode = ExitCode.cannotDo;
      const e = new InputError(`PID ${result.exited.pid} exited ${(result.exited.afterMs / 1000).toFixed(1)} s into the watch; ${result.samples.length} samples were taken before it did (reported above).`, { hint: 'Watch a process that stays up, or a shorter --duration.' });
      ctx.io.stderr(`${ctx.chalk.red('kleak:')} ${e.message}\n  hint: ${e.hint}\n`);
    }
  });
}
