// kleak top: every process on the host with connections to the brokers, once or as a live panel.
import { Option, type Command } from 'commander';
import { hostTop } from '../../core/top.js';
import type { HostTop } from '../../collectors/host/types.js';
import { renderTopMarkdown, renderTopTable, sortedRows, toTopJson, type TopSort } from '../../report/top-view.js';
import { brokerFlags, type AttributionFlags } from '../attribution.js';
import type { CliContext } from '../context.js';
import { addConnectionOptions, parseDuration, parsePositiveInt } from '../options.js';

interface TopFlags extends AttributionFlags {
  watch?: boolean;
  interval: string;
  count?: string;
  top?: string;
  sort: TopSort;
  json?: boolean;
  format?: 'table' | 'json' | 'markdown';
}

export function registerTop(program: Command, ctx: CliContext): void {
  const command = program
    .command('top')
    .description('every process on this host with connections to the brokers: per broker and state, fds of the limit, growth')
    .option('--bootstrap <host:port,...>', 'ask the cluster which addresses are brokers')
    .option('--brokers <host:port,...>', 'treat these addresses as the brokers')
    .option('--watch', 'sample again every --interval: a live panel on a terminal, one table (or JSON line) per sample when piped')
    .option('--interval <duration>', 'time between samples with --watch', '2s')
    .option('--count <n>', 'with --watch: stop after this many samples')
    .option('--top <n>', 'only the first N processes')
    .addOption(new Option('--sort <key>', 'order of the rows').choices(['connections', 'growth']).default('connections'))
    .option('--json', 'print JSON (same as --format json)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'markdown']))
    .addHelpText(
      'after',
      '\nExamples:\n  $ kleak top --bootstrap 127.0.0.1:9092\n  $ kleak top --brokers 10.0.0.5:9092,10.0.0.6:9092 --watch --sort growth --top 20\n  $ kleak top --bootstrap 127.0.0.1:9092 --json',
    );
  addConnectionOptions(command).action(async (flags: TopFlags) => {
    const format = flags.json ? 'json' : (flags.format ?? 'table');
    const limit = flags.top ? parsePositiveInt(flags.top, '--top') : undefined;
    const intervalMs = parseDuration(flags.interval, '--interval');
    const count = flags.count ? parsePositiveInt(flags.count, '--count') : undefined;
    const live = flags.watch && format === 'table' && ctx.io.isTty;
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    let samples = 0;
    const print = (top: HostTop) => {
      samples++;
      const rows = sortedRows(top, flags.sort, limit);
      if (format === 'json') ctx.io.stdout(`${JSON.stringify(toTopJson(top, rows))}\n`);
      else if (format === 'markdown') ctx.io.stdout(renderTopMarkdown(top, rows));
      else {
        const text = renderTopTable(top, rows, ctx.chalk, Boolean(flags.watch) && samples > 1);
        ctx.io.stdout(live ? `\x1b[H\x1b[2J${text}` : `${flags.watch ? `${ctx.chalk.dim(top.takenAt)}\n` : ''}${text}`);
      }
    };
    if (flags.watch && format === 'json') ctx.jsonLines = true;
    try {
      await hostTop({ ...brokerFlags(flags), samples: flags.watch ? (count ?? Infinity) : 1, intervalMs, onSample: print, signal: stop.signal });
    } finally {
      process.off('SIGINT', onSignal);
    }
    ctx.outcome = { findings: [], failOn: 'never', incomplete: [] };
  });
}
