// Markdown report, to paste into an incident ticket: summary table, each finding with its evidence and fix, what was not evaluated.
import type { Diagnosis } from '../types.js';
import type { Reporter } from './types.js';
import { formatLocation } from './table.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** the quoted text of a Mermaid title or label: no double quotes inside */
const mermaidText = (s: string) => `"${s.replace(/"/g, "'")}"`;

/**
 * The growth of the first series the drive measured a slope for, as a Mermaid xychart (GitHub renders it in a job
 * summary or an issue): against the requests driven since the baseline, at most 40 points.
 */
export function growthChart(diagnosis: Diagnosis): string[] {
  const w = diagnosis.charts?.watch;
  if (!w?.requests || !w.drive) return [];
  const s = w.series.find((x) => x.key === 'brokerEstablished' && x.perRequest !== undefined) ?? w.series.find((x) => x.perRequest !== undefined);
  if (!s) return [];
  const points = w.requests.map((r, k) => [r, s.values[k]!] as const).filter(([r]) => r >= 0);
  // one point per distinct request count (the last sample taken at it), then every nth so that at most 40 remain
  const byRequest = [...new Map(points.map(([r, v]) => [r, v])).entries()];
  const step = Math.max(1, Math.ceil(byRequest.length / 40));
  const shown = byRequest.filter((_, k) => k % step === 0 || k === byRequest.length - 1);
  if (shown.length < 2) return [];
  return [
    `## Growth: ${s.label}, ${s.perRequest!.toFixed(1)} per request`,
    '',
    '```mermaid',
    'xychart-beta',
    `    title ${mermaidText(`${s.label}: ${s.perRequest!.toFixed(1)} per request`)}`,
    `    x-axis ${mermaidText('requests since the baseline')} [${shown.map(([r]) => r).join(', ')}]`,
    `    y-axis ${mermaidText(s.label)}`,
    `    line [${shown.map(([, v]) => v).join(', ')}]`,
    '```',
    '',
  ];
}

export const renderMarkdown: Reporter = (diagnosis: Diagnosis) => {
  const out = [
    `# kleak diagnosis`,
    '',
    `Target: ${diagnosis.target.description ?? `PID ${diagnosis.target.pids.join(', ')}`} · kleak ${diagnosis.tool.version} · ${diagnosis.startedAt} · ${(diagnosis.durationMs / 1000).toFixed(1)} s`,
    '',
  ];
  if (diagnosis.findings.length === 0) {
    out.push('**No Kafka-client leak found.**', '');
  } else {
    out.push('| severity | rule | confidence | library | summary |', '|---|---|---|---|---|');
    for (const f of diagnosis.findings) out.push(`| ${f.severity} | [${f.ruleId}](${f.docsUrl}) | ${f.confidence} | ${f.library} | ${cell(f.summary)} |`);
    out.push('');
    for (const f of diagnosis.findings) {
      out.push(`## ${f.severity}: ${f.ruleId} — ${f.title}`, '', f.summary, '');
      if (f.locations.length) out.push('**Where**', '', ...f.locations.map((l) => `- \`${formatLocation(l)}\``), '');
      else if (f.unlocated) out.push(`**Where**: no line known — ${f.unlocated}`, '');
      out.push('**Evidence**', '');
      for (const e of f.evidence) out.push(`- \`${e.source}\` ${e.description}`);
      out.push('', '**Fix**', '', '```', f.fix, '```', '');
    }
  }
  out.push(...growthChart(diagnosis));
  if (diagnosis.context?.length) {
    out.push('## Measured', '', '| source | what | value | meaning |', '|---|---|---|---|');
    for (const f of diagnosis.context) out.push(`| ${f.source} | ${cell(f.name)} | ${cell(f.value)} | ${cell(f.meaning ?? '')} |`);
    out.push('');
  }
  const warned = diagnosis.collectors.filter((c) => c.warnings?.length);
  if (warned.length) {
    out.push('## Warnings', '');
    for (const c of warned) for (const w of c.warnings!) out.push(`- \`${c.kind}\` ${w}`);
    out.push('');
  }
  const problems = diagnosis.collectors.filter((c) => c.status !== 'ok');
  if (problems.length || diagnosis.notEvaluated.length) {
    out.push('## Not evaluated', '');
    for (const c of problems)
      out.push(`- \`${c.kind}\` ${c.status}: ${c.status === 'skipped' ? c.reason : `${c.error?.message}${c.error?.hint ? ` — ${c.error.hint}` : ''}`}`);
    for (const n of diagnosis.notEvaluated) out.push(`- rule \`${n.ruleId}\` needs ${n.missing.map((m) => `\`${m}\``).join(', ')}`);
    out.push('');
  }
  return `${out.join('\n')}`;
};
