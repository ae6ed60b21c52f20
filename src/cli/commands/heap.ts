// kleak heap: a V8 heap snapshot (a file, or taken from a running Node process), read for Kafka leaks.
import { Option, type Command } from 'commander';
import { inspectHeap, isJvmProcess } from '../../core/heap.js';
import { UsageError } from '../../errors.js';
import { renderHeapTable, toHeapJson } from '../../report/heap-view.js';
import { renderJvmHeapTable, toJvmHeapJson } from '../../report/jvm-heap-view.js';
import type { CliContext } from '../context.js';
import { consent } from '../consent.js';
import { parsePid } from '../options.js';
import { addReportOptions, prepareReport, writeReport, type CommandView, type ReportFlags } from '../report.js';

interface HeapFlags extends ReportFlags {
  pid?: number[];
  via: 'inspector' | 'signal';
  yes?: boolean;
  keep?: boolean;
  compare?: string;
  showStrings?: boolean;
  inspectPort: string;
}

function heapConsent(ctx: CliContext, pid: number, via: string, yes?: boolean): Promise<void> {
  if (isJvmProcess(pid))
    return consent(
      ctx,
      `kleak will attach to JVM PID ${pid} (HotSpot's attach protocol: its Attach Listener thread stays for the JVM's life) and have it write a heap dump of its live objects (GC.heap_dump) into its /tmp: a full GC first, and a pause that grows with the heap; the dump needs about the heap's size on disk and is removed once read.`,
      yes,
      'Cancelled: no heap dump was taken.',
    );
  const what = `kleak will ${via === 'inspector' ? 'open the inspector of' : 'send SIGUSR2 to'} PID ${pid} and take a heap snapshot: the process pauses while V8 writes it and may need up to twice its heap in memory${via === 'inspector' ? '; the inspector is closed again afterwards' : ''}.`;
  return consent(ctx, what, yes, 'Cancelled: no snapshot was taken.');
}

export function heapView(showStrings: boolean): CommandView {
  return {
    table: (run, chalk) =>
      run.evidence.jvmHeap
        ? renderJvmHeapTable(run.evidence.jvmHeap, run.diagnosis.findings, chalk)
        : renderHeapTable(run.evidence.v8Heap!, run.diagnosis.findings, chalk, showStrings),
    json: (run) =>
      run.evidence.jvmHeap
        ? toJvmHeapJson(run.evidence.jvmHeap, run.diagnosis.findings)
        : toHeapJson(run.evidence.v8Heap!, run.diagnosis.findings, showStrings),
  };
}

export function registerHeap(program: Command, ctx: CliContext): void {
  const command = program
    .command('heap')
    .argument('[file]', 'a .heapsnapshot file (V8) or a .hprof heap dump (JVM; gzipped too)')
    .description('heap snapshot or dump: live Kafka clients, connections, kept records and the buffers they pin')
    .option('-p, --pid <pid>', 'take it from this running Node process (a snapshot) or JVM (a heap dump, through attach)', parsePid)
    .addOption(
      new Option('--via <how>', 'how to take it: the inspector (SIGUSR1), or SIGUSR2 to a process that loaded heapdump')
        .choices(['inspector', 'signal'])
        .default('inspector'),
    )
    .option('--inspect-port <port>', 'the port the inspector opens on', '9229')
    .option('--yes', 'do not ask before pausing the process for the snapshot')
    .option('--keep', 'keep the snapshot or dump taken with --pid in the current directory (it is removed otherwise)')
    .option('--compare <older>', 'an older snapshot: growth by constructor and by Kafka object')
    .option('--show-strings', 'print strings from the snapshot (they may hold secrets)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ kleak heap service.heapsnapshot\n  $ kleak heap service.hprof --source-root src/main/java\n  $ kleak heap --pid 4242 --yes          # a JVM: GC.heap_dump through attach\n  $ kleak heap --pid 4242 --yes --keep\n  $ kleak heap after.heapsnapshot --compare before.heapsnapshot --json\n\nFor services where an inspector is not allowed: start them with node -r kleak/agent app.js\n(it loads heapdump, so SIGUSR2 writes a snapshot) and use --via signal.',
    );
  addReportOptions(command).action(async (file: string | undefined, flags: HeapFlags) => {
    const prepared = prepareReport(flags);
    const pid = flags.pid?.[0];
    if ((file === undefined) === (pid === undefined))
      throw new UsageError('Give a snapshot file or --pid, one of the two.', { hint: 'kleak heap service.heapsnapshot, or kleak heap --pid 4242 --yes' });
    if (pid !== undefined) await heapConsent(ctx, pid, flags.via, flags.yes);
    // a progress bar on stderr once reading has taken over a second
    let lastShown = Date.now();
    const run = await inspectHeap({
      file,
      pid,
      via: flags.via,
      inspectPort: Number(flags.inspectPort),
      keepIn: flags.keep ? process.cwd() : undefined,
      compare: flags.compare,
      onSnapshot: (path) => ctx.io.stderr(ctx.chalk.dim(`kleak: ${path.endsWith('.hprof') ? 'heap dump' : 'snapshot'} of PID ${pid} written to ${path}\n`)),
      onProgress: (fraction) => {
        if (Date.now() - lastShown < 1000) return;
        lastShown = Date.now();
        ctx.io.stderr(`kleak: reading the snapshot ${'█'.repeat(Math.round(fraction * 20)).padEnd(20, '░')} ${Math.round(fraction * 100)}%\n`);
      },
    });
    writeReport(ctx, prepared, run, heapView(Boolean(flags.showStrings)));
  });
}
