// The kleak command line: builds the commander program, runs it, and maps every outcome to an exit code.
// Only this file touches process.argv, process.exitCode and the real stdout/stderr.
import { Command, CommanderError } from 'commander';
import { describeCause, isKleakError } from '../errors.js';
import { ExitCode, exitCodeForError, exitCodeForOutcome } from './exit-code.js';
import { makeChalk, type CliContext, type CliIo } from './context.js';
import { registerPlanned, type PlannedCommand } from './commands/planned.js';

import { version } from '../version.js';

const planned: PlannedCommand[] = [];

type Register = (program: Command, ctx: CliContext) => void;

// Each command's module is loaded only when it runs (or for the full help): `kleak sockets` does not pay for
// kafkajs, prom-client and the source parsers at start-up.
const commandModules: Record<string, () => Promise<Register>> = {
  sockets: async () => (await import('./commands/sockets.js')).registerSockets,
  watch: async () => (await import('./commands/watch.js')).registerWatch,
  pprof: async () => (await import('./commands/pprof.js')).registerPprof,
  heap: async () => (await import('./commands/heap.js')).registerHeap,
  cluster: async () => (await import('./commands/cluster.js')).registerCluster,
  diagnose: async () => (await import('./commands/diagnose.js')).registerDiagnose,
  report: async () => (await import('./commands/report.js')).registerReport,
  scan: async () => (await import('./commands/scan.js')).registerScan,
  'shutdown-check': async () => (await import('./commands/shutdown-check.js')).registerShutdownCheck,
  top: async () => (await import('./commands/top.js')).registerTop,
  export: async () => (await import('./commands/export.js')).registerExport,
  demo: async () => (await import('./commands/demo.js')).registerDemo,
  advisories: async () => (await import('./commands/advisories.js')).registerAdvisories,
};

/** The program with every command, or with only `only` when it names one. */
export async function buildProgram(ctx: CliContext, only?: string): Promise<Command> {
  const program = new Command('kleak')
    .description('Finds Kafka-client leaks in running Go, Node, JVM and Python services, from the outside.')
    // `kleak advisories --version V` is a library's version: there, kleak's own is -V only
    .version(version, only === 'advisories' ? '-V' : '-V, --version')
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError('(run kleak --help for usage)')
    .configureOutput({ writeOut: ctx.io.stdout, writeErr: ctx.io.stderr })
    .exitOverride();
  const names = only !== undefined && only in commandModules ? [only] : Object.keys(commandModules);
  const registers = await Promise.all(names.map((name) => commandModules[name]!()));
  for (const register of registers) register(program, ctx);
  for (const command of planned) registerPlanned(program, command);
  const examples = [
    'kleak sockets --pid 4242 --bootstrap 127.0.0.1:9092',
    'kleak watch --pid 4242 --drive http://127.0.0.1:8080/produce --method POST --requests 50',
    'kleak pprof http://127.0.0.1:6060',
    'kleak heap --pid 4242 --yes',
    'kleak cluster --bootstrap 127.0.0.1:9092',
    'kleak diagnose --pid 4242 --bootstrap 127.0.0.1:9092 --probe',
    'kleak report kleak.json --format sarif --output kleak.sarif',
    'kleak scan ./services/orders --format sarif --output kleak.sarif',
    'kleak top --bootstrap 127.0.0.1:9092 --watch',
    'kleak export --all --bootstrap 127.0.0.1:9092',
    'kleak shutdown-check --pid 4242 --bootstrap 127.0.0.1:9092 --group orders --yes',
    'kleak advisories --library sarama --version 1.36.0',
    'kleak demo',
    ...planned.map((c) => c.example),
  ];
  program.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  for (const command of program.commands) command.exitOverride().configureOutput({ writeOut: ctx.io.stdout, writeErr: ctx.io.stderr });
  return program;
}

function renderError(error: unknown, ctx: CliContext, debug: boolean, wantsJson: boolean): void {
  const { chalk, io } = ctx;
  if (isKleakError(error)) {
    const cause = describeCause(error.cause);
    const lines = [`${chalk.red('kleak:')} ${error.message}`];
    if (cause) lines.push(`  cause: ${cause}`);
    if (error.hint) lines.push(`  hint: ${error.hint}`);
    if (debug && error.stack) lines.push(error.stack);
    io.stderr(`${lines.join('\n')}\n`);
    if (wantsJson)
      io.stdout(
        `${JSON.stringify({ schemaVersion: 1, error: { kind: error.name, message: error.message, cause, hint: error.hint } }, null, ctx.jsonLines ? 0 : 2)}\n`,
      );
    return;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr(`${chalk.red('kleak: unexpected error — this is a bug in kleak, please report it with the output below.')}\n${stack}\n`);
  if (wantsJson)
    io.stdout(
      `${JSON.stringify({ schemaVersion: 1, error: { kind: 'InternalError', message: error instanceof Error ? error.message : String(error) } }, null, ctx.jsonLines ? 0 : 2)}\n`,
    );
}

const sensitiveQuery = /^(token|access_token|api[-_]?key|key|password|passwd|secret|signature|sig|auth)$/i;

/**
 * Secrets given on the command line or in the environment: scrubbed from every byte kleak writes. The
 * SASL password (flag or KLEAK_SASL_PASSWORD), and in any URL argument its password and the values of
 * query parameters that carry credentials (token=, api_key=, …).
 */
export function secretsIn(argv: string[], env: NodeJS.ProcessEnv): string[] {
  const secrets = env.KLEAK_SASL_PASSWORD ? [env.KLEAK_SASL_PASSWORD] : [];
  argv.forEach((a, i) => {
    if (a === '--sasl-password' && argv[i + 1]) secrets.push(argv[i + 1]!);
    if (a.startsWith('--sasl-password=')) secrets.push(a.slice('--sasl-password='.length));
    const url = /[a-z][a-z0-9+.-]*:\/\/\S+/i.exec(a)?.[0];
    if (!url) return;
    try {
      const u = new URL(url);
      if (u.password) secrets.push(u.password, decodeURIComponent(u.password));
      for (const [name, value] of u.searchParams) if (sensitiveQuery.test(name) && value) secrets.push(value, encodeURIComponent(value));
    } catch {
      // not a URL after all
    }
  });
  // longest first, so a secret that contains another is scrubbed whole
  return [...new Set(secrets.filter((s) => s.length >= 3))].sort((x, y) => y.length - x.length);
}

export async function run(argv: string[], rawIo: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const secrets = secretsIn(argv, env);
  const scrub = (text: string) => secrets.reduce((t, s) => t.split(s).join('***'), text);
  const io: CliIo = { stdout: (t) => rawIo.stdout(scrub(t)), stderr: (t) => rawIo.stderr(scrub(t)), isTty: rawIo.isTty, columns: rawIo.columns };
  const ctx: CliContext = { io, chalk: makeChalk(io.isTty, env), secrets };
  const program = await buildProgram(
    ctx,
    argv.find((a) => !a.startsWith('-')),
  );
  const wantsJson = argv.includes('--json') || argv.some((a, i) => (a === '--format' && argv[i + 1] === 'json') || a === '--format=json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    // the report is out; a collector the command depends on that failed is said after it, in one paragraph
    for (const c of ctx.outcome?.incomplete ?? [])
      io.stderr(`${ctx.chalk.red('kleak:')} ${c.error?.message ?? `${c.kind} failed`}\n${c.error?.hint ? `  hint: ${c.error.hint}\n` : ''}`);
    return exitCodeForOutcome(ctx.outcome);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return ExitCode.clean;
      // commander already printed the message and the usage hint on stderr; JSON readers get an object too
      if (wantsJson)
        io.stdout(
          `${JSON.stringify({ schemaVersion: 1, error: { kind: 'UsageError', message: error.message.replace(/^error: /, ''), hint: 'Run kleak --help (or kleak COMMAND --help) for usage.' } }, null, 2)}\n`,
        );
      return ExitCode.cannotDo;
    }
    renderError(error, ctx, argv.includes('--debug'), wantsJson);
    return exitCodeForError(error);
  }
}

// `kleak … | head`: the reader closed the pipe; nothing more can be said to it, and it is not an error
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const io: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  isTty: Boolean(process.stdout.isTTY),
  columns: process.stdout.columns,
};
process.exitCode = await run(process.argv.slice(2), io, process.env);
