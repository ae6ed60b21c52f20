// HTML report: one self-contained file (uPlot's script and styles inlined, no request at view time) to attach to an
// incident ticket. Per finding its summary, where, evidence and fix; the watch series as charts, each against time
// (the warm-up shaded) and against the requests driven (the per-request slope drawn and labelled); the shutdown as a
// timeline; the heap divided among its owners; what was measured and what was not evaluated. Every chart's data is
// also a table (for screen readers, and in print). Light and dark follow the viewer's setting.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Diagnosis, Finding } from '../types.js';
import { chartScript } from './html-script.js';
import { formatLocation } from './table.js';
import type { Reporter } from './types.js';

const require = createRequire(import.meta.url);
let uplot: { js: string; css: string } | undefined;
/** uPlot (MIT), from its package: read once */
function uplotAssets(): { js: string; css: string } {
  uplot ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return uplot;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** JSON for a <script type="application/json">: nothing in it can end the element */
const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

const styles = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --card: #f6f8fa;
  --error: #cf222e; --warning: #9a6700; --info: #0969da; --accent: #0969da; --shade: rgba(154, 103, 0, 0.12); }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --card: #161b22;
  --error: #ff7b72; --warning: #d29922; --info: #58a6ff; --accent: #58a6ff; --shade: rgba(210, 153, 34, 0.18); } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 72rem; padding: 1.5rem; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { margin-top: 2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { margin: 0 0 .5rem; font-size: 1.1rem; }
.meta, .muted { color: var(--muted); }
.counts span { margin-right: 1rem; font-weight: 600; }
.finding { border: 1px solid var(--line); border-left: 6px solid var(--info); border-radius: 6px; padding: 1rem; margin: 1rem 0; background: var(--card); }
.finding.error { border-left-color: var(--error); } .finding.warning { border-left-color: var(--warning); }
.sev { text-transform: uppercase; font-size: .75rem; font-weight: 700; letter-spacing: .05em; margin-right: .5rem; }
.sev.error { color: var(--error); } .sev.warning { color: var(--warning); } .sev.info { color: var(--info); }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; overflow-x: auto; white-space: pre-wrap; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; } th, td { text-align: left; border-bottom: 1px solid var(--line); padding: .25rem .5rem; vertical-align: top; }
figure { margin: 1rem 0; } figcaption { font-weight: 600; margin-bottom: .25rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1rem; }
.chart { min-height: 240px; }
.slope { color: var(--accent); font-weight: 600; }
a { color: var(--accent); }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
details > summary { cursor: pointer; color: var(--muted); }
.u-legend { font-size: 12px; }
@media print { body { max-width: none; } details { display: block; } details > summary { display: none; } details > * { display: block !important; }
  .finding { break-inside: avoid; } }
`;

function findingHtml(f: Finding, i: number): string {
  const where = f.locations.length
    ? `<ul>${f.locations.map((l) => `<li><code>${escape(formatLocation(l))}</code></li>`).join('')}</ul>`
    : f.unlocated
      ? `<p class="muted">No line known: ${escape(f.unlocated)}</p>`
      : '';
  return `<article class="finding ${f.severity}" aria-labelledby="finding-${i}">
<h3 id="finding-${i}"><span class="sev ${f.severity}">${f.severity}</span>${escape(f.ruleId)} — ${escape(f.title)}</h3>
<p>${escape(f.summary)}</p>
<p class="muted">${escape(f.confidence)} · ${escape(f.library)} · <a href="${escape(f.docsUrl)}">rule documentation</a></p>
${where ? `<h4>Where</h4>${where}` : ''}
<details><summary>Evidence (${f.evidence.length})</summary><ul>${f.evidence.map((e) => `<li><code>${escape(e.source)}</code> ${escape(e.description)}</li>`).join('')}</ul></details>
<h4>Fix</h4><pre>${escape(f.fix)}</pre>
</article>`;
}

/** a table with the chart's data, for screen readers and print (a long series is shown every nth row) */
function dataTable(caption: string, head: string[], rows: Array<Array<string | number>>, limit = 200): string {
  const step = Math.max(1, Math.ceil(rows.length / limit));
  const shown = rows.filter((_, k) => k % step === 0 || k === rows.length - 1);
  return `<details><summary>${escape(caption)} as a table${step > 1 ? ` (every ${step}th of ${rows.length} rows)` : ''}</summary><table><thead><tr>${head
    .map((h) => `<th scope="col">${escape(h)}</th>`)
    .join('')}</tr></thead><tbody>${shown.map((r) => `<tr>${r.map((c) => `<td>${escape(String(c))}</td>`).join('')}</tr>`).join('')}</tbody></table></details>`;
}

const perRequestText = (v: number) => `${v.toFixed(1)} per request`;

function chartsHtml(d: Diagnosis): string {
  const c = d.charts;
  if (!c) return '';
  const out: string[] = [];
  if (c.watch) {
    const w = c.watch;
    out.push(
      `<h2 id="growth">Growth${w.drive ? `: ${w.drive.requests} ${escape(w.drive.method)} requests to ${escape(w.drive.url)} after ${w.drive.warmup} warm-up` : ''}</h2>`,
    );
    out.push(
      `<p class="muted">${w.atMs.length} samples every ${w.intervalMs} ms.${w.drive ? ' Left: against time, the warm-up shaded. Right: against the requests driven since the baseline, the per-request slope kleak measured drawn from the baseline.' : ''}</p>`,
    );
    for (const s of w.series) {
      const label = s.perRequest !== undefined ? ` — <span class="slope" data-slope="${s.key}">${perRequestText(s.perRequest)}</span>` : '';
      out.push(`<figure aria-labelledby="cap-${s.key}"><figcaption id="cap-${s.key}">${escape(s.label)}${label}</figcaption><div class="charts">`);
      out.push(
        `<div class="chart" id="time-${s.key}" role="img" aria-label="${escape(s.label)} against time: ${s.values[0]} to ${s.values[s.values.length - 1]}"></div>`,
      );
      if (w.requests)
        out.push(
          `<div class="chart" id="req-${s.key}" role="img" aria-label="${escape(s.label)} against requests driven${s.perRequest !== undefined ? `: ${perRequestText(s.perRequest)}` : ''}"></div>`,
        );
      out.push('</div>');
      out.push(
        dataTable(
          s.label,
          ['ms', ...(w.requests ? ['requests since the baseline'] : []), 'phase', s.label],
          w.atMs.map((t, k) => [t, ...(w.requests ? [w.requests[k]!] : []), w.phase[k]!, s.values[k]!]),
        ),
      );
      out.push('</figure>');
    }
  }
  if (c.shutdown) {
    const s = c.shutdown;
    out.push(
      `<h2 id="shutdown">Shutdown: ${escape(s.signal)}, ${s.exitAfterMs !== undefined ? `exit after ${s.exitAfterMs} ms` : 'no exit seen'}, grace ${s.graceMs} ms</h2>`,
    );
    out.push(`<figure><figcaption>What the process did after the signal, in order</figcaption>`);
    out.push(`<div class="chart" id="shutdown-lanes" role="img" aria-label="shutdown timeline: ${s.events.length} events"></div>`);
    out.push(
      dataTable(
        'The timeline',
        ['ms after the signal', 'event', 'detail'],
        s.events.map((e) => [e.atMs, e.kind, e.detail]),
      ),
    );
    out.push('</figure>');
  }
  if (c.heap) {
    const h = c.heap;
    const total = h.owners.reduce((n, o) => n + o.bytes, 0);
    out.push(`<h2 id="heap">Heap: who keeps the memory (${(total / 1048576).toFixed(1)} MiB of ${(h.totalBytes / 1048576).toFixed(1)} MiB)</h2>`);
    out.push(
      `<figure><figcaption>${h.runtime === 'go' ? 'In-use bytes at the Kafka allocation sites' : 'Bytes kept by each owner of consumed records'}</figcaption>`,
    );
    out.push(`<div class="chart" id="heap-owners" role="img" aria-label="heap by owner: ${h.owners.length} owners"></div>`);
    out.push(
      dataTable(
        'The owners',
        ['owner', 'MiB', ...(h.owners.some((o) => o.messages !== undefined) ? ['records'] : [])],
        h.owners.map((o) => [o.name, (o.bytes / 1048576).toFixed(2), ...(o.messages !== undefined ? [o.messages] : [])]),
      ),
    );
    out.push('</figure>');
  }
  return out.join('\n');
}

export const renderHtml: Reporter = (d: Diagnosis) => {
  const { js, css } = uplotAssets();
  const count = (s: string) => d.findings.filter((f) => f.severity === s).length;
  const target = d.target.description ?? `PID ${d.target.pids.join(', ')}`;
  const problems = d.collectors.filter((c) => c.status !== 'ok');
  const body = [
    `<header><h1>kleak diagnosis</h1><p class="meta">${escape(target)} · kleak ${escape(d.tool.version)} · ${escape(d.startedAt)} · ${(d.durationMs / 1000).toFixed(1)} s</p>`,
    `<p class="counts"><span class="sev error">${count('error')} error</span><span class="sev warning">${count('warning')} warning</span><span class="sev info">${count('info')} info</span></p></header>`,
    '<main>',
    `<h2 id="findings">Findings</h2>`,
    d.findings.length ? d.findings.map(findingHtml).join('\n') : '<p><strong>No Kafka-client leak found.</strong></p>',
    chartsHtml(d),
    d.context?.length
      ? `<h2 id="measured">Measured</h2><table><thead><tr><th scope="col">source</th><th scope="col">what</th><th scope="col">value</th><th scope="col">meaning</th></tr></thead><tbody>${d.context
          .map((f) => `<tr><td>${escape(f.source)}</td><td>${escape(f.name)}</td><td>${escape(f.value)}</td><td>${escape(f.meaning ?? '')}</td></tr>`)
          .join('')}</tbody></table>`
      : '',
    problems.length || d.notEvaluated.length
      ? `<h2 id="not-evaluated">Not evaluated</h2><ul>${problems
          .map(
            (c) =>
              `<li><code>${escape(c.kind)}</code> ${escape(c.status)}: ${escape(c.status === 'skipped' ? (c.reason ?? '') : `${c.error?.message ?? ''}${c.error?.hint ? ` — ${c.error.hint}` : ''}`)}</li>`,
          )
          .join(
            '',
          )}${d.notEvaluated.map((n) => `<li>rule <code>${escape(n.ruleId)}</code> needs ${n.missing.map((m) => `<code>${escape(m)}</code>`).join(', ')}</li>`).join('')}</ul>`
      : '',
    '</main>',
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>kleak: ${count('error')} error, ${count('warning')} warning — ${escape(target)}</title>
<style>${css}</style>
<style>${styles}</style>
</head>
<body>
${body}
<script type="application/json" id="kleak-charts">${scriptJson(d.charts ?? {})}</script>
<script>${js}</script>
<script>${chartScript}</script>
</body>
</html>
`;
};
