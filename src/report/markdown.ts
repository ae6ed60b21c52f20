// Markdown report, to paste into an incident ticket: summary table, each finding with its evidence and fix, what was not evaluated.
import type { Diagnosis } from '../types.js';
import type { Reporter } from './types.js';
import { formatLocation } from './table.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

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
