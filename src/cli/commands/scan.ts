// kleak scan: the Kafka-client leak patterns in Go, Java, JS/TS and Python source, before they run; the CI gate
// for pull requests (--changed-since) with SARIF for code scanning.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ChalkInstance } from 'chalk';
import { scan, type ScanRun } from '../../core/scan.js';
import { renderFinding } from '../../report/table.js';
import { scanRules } from '../../scan/rules/index.js';
import type { SourceEvidence } from '../../collectors/source/types.js';
import { engineText } from '../../collectors/source/go/vet.js';
import { jsEngineText } from '../../collectors/source/js/program.js';
import type { CliContext } from '../context.js';
import { addReportOptions, prepareReport, writeReport, type ReportFlags } from '../report.js';

interface ScanFlags extends ReportFlags {
  includeTests?: boolean;
  changedSince?: string;
  showSuppressed?: boolean;
}

function gitTop(dir: string): string | undefined {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function statsLine(s: SourceEvidence): string {
  const python = s.files.python ?? 0;
  const files = s.files.go + s.files.js + s.files.ts + s.files.java + python;
  return `${files} file${files === 1 ? '' : 's'} (${s.files.go} Go, ${s.files.java} Java, ${s.files.js} JS, ${s.files.ts} TS${python ? `, ${python} Python` : ''}; ${files - s.prefiltered} in packages that use a Kafka library), ${s.constructions.length} Kafka constructors, in ${s.durationMs} ms`;
}

function table(run: ScanRun, chalk: ChalkInstance, showSuppressed: boolean): string {
  const s = run.evidence.source!;
  const { findings } = run.diagnosis;
  const out = [chalk.bold(`kleak scan ${s.root}`), chalk.dim(`  ${statsLine(s)}`)];
  for (const e of s.engines ?? []) out.push(chalk.dim(`  ${e.language === 'js' ? jsEngineText(e) : engineText(e)}`));
  if (s.only) out.push(chalk.dim(`  findings only in ${s.only.join(', ')} (its directory read around it)`));
  if (s.changed)
    out.push(chalk.dim(`  only files changed since ${s.changed.ref}: ${s.changed.files.length} files; ${run.outsideChanges} findings elsewhere left out`));
  out.push('');
  if (findings.length === 0) {
    out.push(chalk.green('No Kafka-client leak pattern found.'));
    const built = s.constructions.length;
    if (built)
      out.push(
        chalk.dim(
          `  ${built} constructor call${built === 1 ? '' : 's'} checked: ${[...new Set(s.constructions.map((c) => (c.singleton ? 'built once' : c.fate.status)))].join(', ')}`,
        ),
      );
  } else out.push(findings.map((f) => renderFinding(f, chalk)).join('\n\n'));
  if (run.suppressed.length) {
    out.push('', chalk.dim(`${run.suppressed.length} suppressed by kleak-ignore${showSuppressed ? ':' : ' (--show-suppressed lists them)'}`));
    if (showSuppressed)
      for (const x of run.suppressed)
        out.push(chalk.dim(`  ${x.finding.ruleId} at ${x.finding.locations[0]?.file}:${x.finding.locations[0]?.line}${x.reason ? ` — ${x.reason}` : ''}`));
  }
  return `${out.join('\n')}\n`;
}

export function registerScan(program: Command, ctx: CliContext): void {
  const command = program
    .command('scan [dir]')
    .description('find Kafka-client leak patterns in Go, Java, JS/TS and Python source (before they run)')
    .option('--include-tests', 'also scan tests (_test.go, *.test.ts, __tests__/ …)')
    .option('--changed-since <ref>', 'report only findings in files changed since this git ref (pull requests)')
    .option('--show-suppressed', 'list the findings silenced by // kleak-ignore comments')
    .addHelpText(
      'after',
      '\nExamples:\n  $ kleak scan ./services/orders\n  $ kleak scan . --format sarif --output kleak.sarif\n  $ kleak scan . --changed-since origin/main --fail-on warning\n\nSuppress one finding with a comment on its line (or the line above with kleak-ignore-next-line):\n  p, err := sarama.NewSyncProducer(brokers, cfg) // kleak-ignore client-per-request: one per tenant, cached by the caller',
    );
  addReportOptions(command, { formatHelp: 'report format (default: table on a terminal, json when piped)' }).action(
    async (dir: string | undefined, flags: ScanFlags) => {
      const prepared = prepareReport(flags, ctx.io.isTty && !flags.output ? 'table' : 'json');
      const given = resolve(dir ?? '.');
      const run = await scan({ root: given, includeTests: flags.includeTests, ...(flags.changedSince ? { changedSince: flags.changedSince } : {}) });
      // a file given: the scan's root is its directory
      const root = run.evidence.source!.root;
      // locations are relative to the repository root by default, as code scanning expects
      if (!flags.sourceRoot) prepared.sourceRoot = gitTop(root) ?? root;
      const located = {
        ...run,
        diagnosis: {
          ...run.diagnosis,
          findings: run.diagnosis.findings.map((f) => ({ ...f, locations: f.locations.map((l) => ({ ...l, file: resolve(root, l.file) })) })),
        },
      };
      const suppressed = flags.showSuppressed ? run.suppressed : [];
      writeReport(ctx, prepared, located, {
        rules: scanRules,
        table: (r, chalk) => table({ ...run, diagnosis: r.diagnosis }, chalk, !!flags.showSuppressed),
        json: (r) => ({
          ...r.diagnosis,
          scan: {
            root: run.evidence.source!.root,
            files: run.evidence.source!.files,
            prefiltered: run.evidence.source!.prefiltered,
            durationMs: run.evidence.source!.durationMs,
            constructors: run.evidence.source!.constructions.length,
            ...(run.evidence.source!.engines ? { engines: run.evidence.source!.engines } : {}),
            parseProblems: run.evidence.source!.parseProblems,
            ...(run.evidence.source!.only ? { only: run.evidence.source!.only } : {}),
            ...(run.evidence.source!.changed
              ? { changedSince: run.evidence.source!.changed.ref, changedFiles: run.evidence.source!.changed.files.length, outsideChanges: run.outsideChanges }
              : {}),
            suppressed: run.suppressed.length,
          },
          ...(flags.showSuppressed ? { suppressed: suppressed.map((x) => ({ ...x.finding, ...(x.reason ? { suppressionReason: x.reason } : {}) })) } : {}),
        }),
      });
    },
  );
}
