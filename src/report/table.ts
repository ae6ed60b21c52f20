// Table report for people: one block per finding with its numbers and fix, then what was not evaluated.
import type { ChalkInstance } from 'chalk';

import type { Diagnosis, Finding, Severity, SourceLocation } from '../types.js';
import type { Reporter } from './types.js';
import { newTable } from './new-table.js';

function severityLabel(chalk: ChalkInstance, severity: Severity): string {
  if (severity === 'error') return chalk.red.bold('error');
  if (severity === 'warning') return chalk.yellow.bold('warning');
  return chalk.blue('info');
}

export function renderFinding(finding: Finding, chalk: ChalkInstance): string {
  const lines = [
    `${severityLabel(chalk, finding.severity)} ${chalk.bold(finding.ruleId)} (${finding.confidence}, ${finding.library}): ${finding.title}`,
    `  ${finding.summary}`,
  ];
  for (const l of finding.locations) lines.push(`  ${chalk.cyan('at')} ${formatLocation(l)}`);
  if (!finding.locations.length && finding.unlocated) lines.push(`  ${chalk.cyan('at')} ${chalk.dim(`no line known: ${finding.unlocated}`)}`);
  for (const item of finding.evidence) lines.push(chalk.dim(`  • [${item.source}] ${item.description}`));
  lines.push(`  ${chalk.green('fix:')} ${finding.fix.split('\n').join('\n       ')}`);
  lines.push(chalk.dim(`  docs: ${finding.docsUrl}`));
  return lines.join('\n');
}

/** "fixtures/go/svc/main.go:21 main.main.func1 (3 samples, from the heap profile)" */
export function formatLocation(l: SourceLocation): string {
  const how = { runtime: 'from the runtime', scan: 'from the source scan', manifest: 'the manifest' }[l.from];
  return `${l.file}${l.line ? `:${l.line}${l.column ? `:${l.column}` : ''}` : ''}${l.function ? ` ${l.function}` : ''} (${l.count ? `${l.count} ${l.countOf ?? (l.count === 1 ? 'sample' : 'samples')}, ` : ''}${how})`;
}

/** The findings block every command prints under its own view. */
export function renderFindings(findings: readonly Finding[], chalk: ChalkInstance): string {
  if (findings.length === 0) return chalk.green('No Kafka-client leak found.');
  return findings.map((f) => renderFinding(f, chalk)).join('\n\n');
}

export const renderTable: Reporter = (diagnosis: Diagnosis, { chalk }) => {
  const out: string[] = [];
  const summary = newTable({ head: ['severity', 'rule', 'confidence', 'library', 'summary'], wordWrap: true, colWidths: [null, null, null, null, 60] });
  for (const f of diagnosis.findings) summary.push([f.severity, f.ruleId, f.confidence, f.library, f.summary]);
  if (diagnosis.findings.length === 0) {
    out.push(chalk.green('No Kafka-client leak found.'));
  } else {
    out.push(summary.toString(), '');
    out.push(diagnosis.findings.map((f) => renderFinding(f, chalk)).join('\n\n'));
  }
  const measured = renderContext(diagnosis, chalk);
  if (measured) out.push('', measured);
  const notEvaluated = renderNotEvaluated(diagnosis, chalk);
  if (notEvaluated) out.push('', notEvaluated);
  return `${out.join('\n')}\n`;
};

/** What was measured: the facts beside the findings (on a clean run, the proof that it is clean). */
export function renderContext(diagnosis: Diagnosis, chalk: ChalkInstance): string {
  const facts = diagnosis.context ?? [];
  if (!facts.length) return '';
  return [chalk.bold('Measured'), ...facts.map((f) => `  ${f.source}: ${f.name}: ${f.value}${f.meaning ? chalk.dim(` — ${f.meaning}`) : ''}`)].join('\n');
}

/**
 * What was not evaluated and why (collectors skipped or failed, rules without their evidence), and what
 * collectors that worked had to say; '' when all was evaluated and nothing was said.
 */
export function renderNotEvaluated(diagnosis: Diagnosis, chalk: ChalkInstance, withWarnings = true): string {
  const problems = diagnosis.collectors.filter((c) => c.status !== 'ok');
  const warned = withWarnings ? diagnosis.collectors.filter((c) => c.warnings?.length) : [];
  const out: string[] = [];
  if (warned.length) {
    out.push(chalk.bold('Warnings'));
    for (const c of warned) for (const w of c.warnings!) out.push(`  ${c.kind}: ${w}`);
  }
  if (problems.length === 0 && diagnosis.notEvaluated.length === 0) return out.join('\n');
  if (out.length) out.push('');
  out.push(chalk.bold('Not evaluated'));
  for (const c of problems) {
    const why = c.status === 'skipped' ? c.reason : `${c.error?.message}${c.error?.hint ? ` (${c.error.hint})` : ''}`;
    out.push(`  ${c.kind}: ${c.status} — ${why}`);
  }
  for (const n of diagnosis.notEvaluated) out.push(`  ${n.ruleId}: needs ${n.missing.join(', ')}`);
  return out.join('\n');
}
