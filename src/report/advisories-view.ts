// kleak advisories: the known leak bugs of the Kafka client libraries, as a table, Markdown or JSON.
import type { ChalkInstance } from 'chalk';
import type { Advisory } from '../advisories/index.js';
import { newTable } from './new-table.js';

export interface AdvisoryRow {
  id: string;
  library: string;
  packages: string[];
  /** the affected ranges, as OSV's events read: ">= 1.20.0, < 1.33.0" */
  affected: string;
  fixed: string | null;
  confidence: string;
  summary: string;
  /** what kleak watches for at runtime, when the bug shows from outside */
  signature: string;
  url?: string;
}

function rangeText(a: Advisory): string {
  const parts: string[] = [];
  const several = new Set(a.affected.map((x) => x.package.name)).size > 1;
  for (const x of a.affected) {
    const start = parts.length;
    for (const r of x.ranges) {
      let from = '';
      for (const e of r.events) {
        if ('introduced' in e) from = e.introduced === '0' ? '' : `>= ${e.introduced}`;
        else if ('fixed' in e) parts.push([from, `< ${e.fixed}`].filter(Boolean).join(', '));
        else if ('last_affected' in e) parts.push([from, `<= ${e.last_affected}`].filter(Boolean).join(', '));
        if (!('introduced' in e)) from = '';
      }
      if (from) parts.push(`${from} (no fix)`);
      else if (r.events.length === 1 && 'introduced' in r.events[0]! && r.events[0].introduced === '0') parts.push('every version (no fix)');
    }
    // Sarama's two module paths, confluent-kafka-go's v1 and v2: say which range is whose
    if (several) for (let i = start; i < parts.length; i++) parts[i] = `${x.package.name.split('/').slice(-2).join('/')}: ${parts[i]}`;
  }
  return [...new Set(parts)].join('; ');
}

function signatureText(a: Advisory): string {
  const s = a.database_specific.kleak.signature;
  const parts = [
    ...(s.goroutines?.length ? [`goroutines in ${s.goroutines.join(', ')}`] : []),
    ...(s.heapFunctions?.length ? [`heap under ${s.heapFunctions.join(', ')}`] : []),
    ...(s.threads?.length ? [`threads ${s.threads.join(', ')}`] : []),
    ...(s.socketStates?.length ? [`broker sockets in ${s.socketStates.join('/')}`] : []),
    ...(s.heapClasses?.length ? [`objects of ${s.heapClasses.join(', ')}`] : []),
  ];
  return parts.length ? `${parts.join('; ')}${s.growsWith ? `, growing with ${s.growsWith}` : ''}` : '';
}

export function advisoryRows(advisories: readonly Advisory[]): AdvisoryRow[] {
  return advisories.map((a) => {
    const url = a.references.find((r) => r.type === 'FIX')?.url ?? a.references[0]?.url;
    return {
      id: a.id.replace(/^(x_)?KLEAK-/i, ''),
      library: a.database_specific.kleak.library,
      packages: [...new Set(a.affected.map((x) => `${x.package.ecosystem}:${x.package.name}`))],
      affected: rangeText(a),
      fixed: a.database_specific.kleak.fixed,
      confidence: a.database_specific.kleak.confidence,
      summary: a.summary,
      signature: signatureText(a),
      ...(url ? { url } : {}),
    };
  });
}

export function renderAdvisoriesTable(rows: readonly AdvisoryRow[], heading: string, chalk: ChalkInstance, width = 120): string {
  if (rows.length === 0) return `${heading}\n\nNo known leak bug.\n`;
  const summaryWidth = Math.max(30, Math.min(70, width - 50));
  const table = newTable({ head: ['id', 'affected', 'fixed in', 'what happens'], colWidths: [10, 22, 10, summaryWidth], wordWrap: true });
  for (const r of rows) table.push([chalk.bold(r.id), r.affected, r.fixed ?? chalk.yellow('no fix'), r.summary]);
  const fixed = rows.map((r) => r.fixed).filter(Boolean);
  return `${heading}\n\n${table.toString()}\n\n${rows.length} known leak ${rows.length === 1 ? 'bug' : 'bugs'}, ${fixed.length} fixed in a later release. The full advisories (OSV JSON, with references and kleak's runtime signature): kleak advisories --format json\n`;
}

export function renderAdvisoriesMarkdown(rows: readonly AdvisoryRow[], heading: string): string {
  const esc = (t: string) => t.replace(/\|/g, '\\|');
  const lines = [`## ${heading}`, '', '| id | affected | fixed in | what happens | seen at runtime as |', '|---|---|---|---|---|'];
  for (const r of rows)
    lines.push(`| ${r.url ? `[${r.id}](${r.url})` : r.id} | ${esc(r.affected)} | ${r.fixed ?? 'no fix'} | ${esc(r.summary)} | ${esc(r.signature || '—')} |`);
  return `${lines.join('\n')}\n`;
}
