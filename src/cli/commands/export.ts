// kleak export: serve what kleak measures as Prometheus metrics, sampled on its own interval.
import type { Command } from 'commander';
import { startExporter } from '../../core/export.js';
import { readWebConfig } from '../../core/web-config.js';
import { UsageError } from '../../errors.js';
import { brokerFlags, type AttributionFlags } from '../attribution.js';
import type { CliContext } from '../context.js';
import { addConnectionOptions, parseDuration, parsePid, parsePositiveInt } from '../options.js';

interface ExportFlags extends AttributionFlags {
  listen: string;
  pid?: number[];
  all?: boolean;
  interval: string;
  pprof: string[];
  maxProcesses: string;
  'web.config.file'?: string;
}

function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--listen ${value} is not HOST:PORT.`, { hint: 'e.g. --listen 127.0.0.1:9464 (0.0.0.0:9464 to be scraped from other hosts).' });
  return { host: m[1] ?? m[2]!, port };
}

function parsePprofTargets(values: string[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const v of values) {
    const m = /^(\d+)=(https?:\/\/\S+)$/.exec(v);
    if (!m) throw new UsageError(`--pprof ${v} is not PID=URL.`, { hint: 'e.g. --pprof 4242=http://127.0.0.1:6060 (repeat it per target).' });
    out.set(Number(m[1]), m[2]!);
  }
  return out;
}

export function registerExport(program: Command, ctx: CliContext): void {
  const command = program
    .command('export')
    .description('serve broker connections, fds, Kafka clients and current findings as Prometheus metrics (/metrics)')
    .option('--listen <host:port>', 'where to serve /metrics', '127.0.0.1:9464')
    .option('-p, --pid <pid>', 'a process to watch (repeatable)', parsePid)
    .option('--all', 'every process with broker connections on the host, found again every interval (the default without --pid)')
    .option('--bootstrap <host:port,...>', 'ask the cluster which addresses are brokers')
    .option('--brokers <host:port,...>', 'treat these addresses as the brokers')
    .option('--interval <duration>', 'time between samples (a scrape returns the last one)', '15s')
    .option(
      '--pprof <pid=url>',
      "a Go target's pprof: its Kafka clients by library and kind (repeatable)",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--max-processes <n>', 'series for at most this many processes, most connections first (bounded cardinality)', '200')
    .option('--web.config.file <file>', "TLS, client certificates and basic auth for /metrics, in the Prometheus exporter-toolkit's format (node_exporter's)")
    .addHelpText(
      'after',
      '\nExamples:\n  $ kleak export --all --bootstrap 127.0.0.1:9092\n  $ kleak export --pid 4242 --brokers 10.0.0.5:9092 --pprof 4242=http://127.0.0.1:6060 --listen 0.0.0.0:9464 --interval 30s\n  $ kleak export --all --listen 0.0.0.0:9464 --web.config.file /etc/kleak/web.yml   # TLS and basic auth',
    );
  addConnectionOptions(command).action(async (flags: ExportFlags) => {
    if (flags.all && flags.pid?.length)
      throw new UsageError('--all and --pid exclude each other.', { hint: 'Give --pid P (repeatable), or --all for every process.' });
    const webFile = flags['web.config.file'];
    const web = webFile ? readWebConfig(webFile) : undefined;
    if (!web && parseListen(flags.listen).host !== '127.0.0.1' && parseListen(flags.listen).host !== 'localhost')
      ctx.io.stderr(`kleak export: /metrics on ${flags.listen} is open to whoever reaches it (no --web.config.file: no TLS, no authentication)\n`);
    const exporter = await startExporter({
      ...(web && webFile ? { web, webFile, log: (line: string) => ctx.io.stderr(line) } : {}),
      ...brokerFlags(flags),
      listen: parseListen(flags.listen),
      ...(flags.pid?.length ? { pids: flags.pid } : {}),
      intervalMs: parseDuration(flags.interval, '--interval'),
      pprof: parsePprofTargets(flags.pprof),
      maxProcesses: parsePositiveInt(flags.maxProcesses, '--max-processes'),
    });
    ctx.io.stderr(`kleak export: metrics at ${exporter.url}/metrics, sampled every ${flags.interval}; Ctrl-C stops\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await exporter.stop();
    ctx.outcome = { findings: [], failOn: 'never', incomplete: [] };
  });
}
