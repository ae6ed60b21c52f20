// The CLI's end of the one path: report flags on every command that reports findings, checked before
// anything is collected; then render in the chosen format, write, and leave the outcome for main.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { ChalkInstance } from 'chalk';
import type { Run } from '../core/evaluate.js';
import { locate } from '../core/locate.js';
import { UsageError } from '../errors.js';
import { formats, reporters, type Format } from '../report/index.js';
import type { ReportOptions } from '../report/types.js';
import { renderNotEvaluated } from '../report/table.js';
import type { EvidenceKind } from '../types.js';
import { newOrWorse, readBaseline, type BaselineEntry } from './baseline.js';
import type { CliContext } from './context.js';
import { failOnLevels, type FailOn } from './exit-code.js';
import { writeFileAtomic } from './write-file.js';

export interface ReportFlags {
  json?: boolean;
  format?: Format;
  output?: string;
  failOn: FailOn;
  baseline?: string;
  sourceRoot?: string;
  docsUrl?: string;
}

/** A command's own rendering of its evidence for people (table) and machines (json); markdown and SARIF are shared. */
export interface CommandView {
  table?: (run: Run, chalk: ChalkInstance) => string;
  json?: (run: Run) => Record<string, unknown>;
  /** JSON Lines: the summary object on one line (after sample lines) */
  jsonLine?: boolean;
  /** the rules behind the findings, for SARIF's rule list (default: the runtime rules) */
  rules?: ReportOptions['rules'];
}

export interface PreparedReport {
  format: Format;
  output?: string;
  failOn: FailOn;
  baseline?: BaselineEntry[];
  /** locations are made relative to it; the manifests are looked for in it */
  sourceRoot: string;
  docsBaseUrl?: string;
}

export function addReportOptions(command: Command, defaults: { failOn?: FailOn; formatHelp?: string } = {}): Command {
  return command
    .option('--json', 'print JSON (same as --format json)')
    .addOption(new Option('--format <format>', defaults.formatHelp ?? 'output format').choices([...formats]))
    .option('--output <file>', 'write the report to this file and print a short summary on stderr')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding reaches this severity').choices(failOnLevels as string[]).default(defaults.failOn ?? 'error'),
    )
    .option('--baseline <file>', 'an earlier JSON report: fail only on new or worse findings (matched by rule and location)')
    .option('--source-root <dir>', "the service's source tree: locations are shown relative to it (default: the current directory)")
    .option('--docs-url <url>', "where the rules' pages are, for SARIF's help links (default: the pages kleak's npm package ships)");
}

/** --output must be a writable file path: checked before collecting, so a long diagnosis is not lost at the end. */
function checkOutput(output: string): void {
  const path = resolve(output);
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // does not exist yet: its directory must be writable
  }
  if (isDirectory) throw new UsageError(`--output ${output} is a directory.`, { hint: 'Give a file path, e.g. --output report.json.' });
  try {
    accessSync(dirname(path), constants.W_OK);
  } catch (cause) {
    throw new UsageError(`--output ${output} cannot be written: its directory ${dirname(path)} is missing or not writable.`, {
      cause,
      hint: 'Give a path in a directory you can write to.',
    });
  }
}

/** Reads and checks the report flags before any collecting starts. */
export function prepareReport(flags: ReportFlags, fallback: Format = 'table'): PreparedReport {
  if (flags.output) checkOutput(flags.output);
  return {
    format: flags.json ? 'json' : (flags.format ?? fallback),
    ...(flags.output ? { output: flags.output } : {}),
    failOn: flags.failOn,
    ...(flags.baseline ? { baseline: readBaseline(flags.baseline) } : {}),
    sourceRoot: flags.sourceRoot ?? process.cwd(),
    ...(flags.docsUrl ? { docsBaseUrl: flags.docsUrl } : {}),
  };
}

export function renderRun(format: Format, run: Run, view: CommandView, chalk: ChalkInstance, docsBaseUrl?: string): string {
  const { diagnosis } = run;
  if (format === 'table' && view.table) {
    // a command's own view shows its collector's warnings where they belong
    const notEvaluated = renderNotEvaluated(diagnosis, chalk, false);
    const text = view.table(run, chalk);
    return notEvaluated ? `${text.replace(/\n$/, '')}\n${notEvaluated}\n` : text;
  }
  if (format === 'json' && view.json) {
    const json = {
      ...view.json(run),
      collectors: diagnosis.collectors,
      notEvaluated: diagnosis.notEvaluated,
      ...(diagnosis.context ? { context: diagnosis.context } : {}),
    };
    return `${view.jsonLine ? JSON.stringify(json) : JSON.stringify(json, null, 2)}\n`;
  }
  return reporters[format](diagnosis, { chalk, ...(docsBaseUrl ? { docsBaseUrl } : {}), ...(view.rules ? { rules: view.rules } : {}) });
}

/**
 * Renders and writes the report, then leaves the outcome: the findings that count (new or worse than the
 * baseline), and the collectors in `required` that failed (exit 2 after the report).
 */
export function writeReport(ctx: CliContext, prepared: PreparedReport, found: Run, view: CommandView = {}, required: readonly EvidenceKind[] = []): void {
  const run = { ...found, diagnosis: locate(found.diagnosis, prepared.sourceRoot) };
  const { diagnosis } = run;
  const text = renderRun(prepared.format, run, view, ctx.chalk, prepared.docsBaseUrl);
  if (prepared.output) {
    writeFileAtomic(prepared.output, text);
    const n = diagnosis.findings.length;
    const counts = (['error', 'warning', 'info'] as const).map((s) => `${diagnosis.findings.filter((f) => f.severity === s).length} ${s}`).join(', ');
    ctx.io.stderr(
      `kleak: ${n} finding${n === 1 ? '' : 's'} (${counts})${n ? `: ${diagnosis.findings.map((f) => f.ruleId).join(', ')}` : ''}; ${prepared.format} report written to ${prepared.output}\n`,
    );
  } else {
    ctx.io.stdout(text);
  }
  const gated = prepared.baseline ? newOrWorse(diagnosis.findings, prepared.baseline) : diagnosis.findings;
  if (prepared.baseline)
    ctx.io.stderr(`kleak: ${gated.length} new or worse than the baseline${gated.length ? `: ${gated.map((f) => f.ruleId).join(', ')}` : ''}\n`);
  ctx.outcome = {
    findings: gated,
    failOn: prepared.failOn,
    incomplete: diagnosis.collectors.filter((c) => c.status === 'failed' && required.includes(c.kind)),
  };
}
