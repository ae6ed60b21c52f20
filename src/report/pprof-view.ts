// What `kleak pprof` prints: goroutines by library and role, Kafka heap sites, then findings.
import type { ChalkInstance } from 'chalk';
import type { GoEvidence } from '../collectors/goruntime/types.js';
import type { Finding } from '../types.js';
import { renderFindings } from './table.js';
import { newTable } from './new-table.js';

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

export function toPprofJson(evidence: GoEvidence, sources: string[], findings: Finding[]) {
  const g = evidence.goroutines;
  const h = evidence.goHeap;
  const roleKey = (r: { library: string; role: string; fn?: string }) => `${r.library}/${r.role}/${r.fn ?? ''}`;
  return {
    schemaVersion: 1 as const,
    command: 'pprof' as const,
    sources,
    goroutines: g
      ? {
          source: g.source,
          format: g.format,
          total: g.classification.total,
          byRole: g.classification.byRole,
          clients: Object.fromEntries(Object.entries(g.classification.libraries).map(([l, c]) => [l, c.clients])),
          libraries: g.classification.libraries,
          blockedForever: g.classification.blockedForever,
          creators: g.classification.creators,
          ...(g.baseline
            ? {
                baselineTotal: g.baseline.total,
                delta: g.classification.byRole
                  .map((r) => ({
                    library: r.library,
                    role: r.role,
                    ...(r.fn ? { fn: r.fn } : {}),
                    count: r.count,
                    delta: r.count - (g.baseline!.byRole.find((b) => roleKey(b) === roleKey(r))?.count ?? 0),
                  }))
                  .concat(
                    g.baseline.byRole
                      .filter((b) => !g.classification.byRole.some((r) => roleKey(r) === roleKey(b)))
                      .map((b) => ({ library: b.library, role: b.role, ...(b.fn ? { fn: b.fn } : {}), count: 0, delta: -b.count })),
                  ),
              }
            : {}),
          warnings: g.warnings,
        }
      : null,
    heap: h
      ? {
          source: h.source,
          inuseBytes: h.inuseBytes,
          inuseObjects: h.inuseObjects,
          kafkaSites: h.sites.map((s) => ({
            library: s.library,
            site: s.site,
            bytes: s.inuseBytes,
            objects: s.inuseObjects,
            share: s.share,
            topStacks: s.topStacks,
            keepers: s.keepers,
          })),
          ...(h.baseline ? { baselineInuseBytes: h.baseline.inuseBytes } : {}),
        }
      : null,
    findings,
  };
}

export function renderPprofTable(evidence: GoEvidence, findings: Finding[], chalk: ChalkInstance): string {
  const out: string[] = [];
  const g = evidence.goroutines;
  if (g) {
    out.push(chalk.bold(`Goroutines: ${g.classification.total}`) + chalk.dim(` (${g.source}, ${g.format})`));
    const t = newTable({ head: ['library', 'role', 'count', ...(g.baseline ? ['Δ'] : []), 'states'] });
    for (const r of g.classification.byRole) {
      const before = g.baseline?.byRole.find((b) => b.library === r.library && b.role === r.role && b.fn === r.fn)?.count ?? 0;
      const states = Object.entries(r.states)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ');
      t.push([
        r.library,
        r.fn && r.role === 'unclassified' ? `unclassified (${r.fn})` : r.role,
        r.count,
        ...(g.baseline ? [`${r.count - before >= 0 ? '+' : ''}${r.count - before}`] : []),
        states,
      ]);
    }
    out.push(t.toString());
    for (const [library, c] of Object.entries(g.classification.libraries)) {
      out.push(
        `${library}: ${c.clients} clients, ${c.brokerConnections} broker connections, ${c.producers} producers, ${c.syncProducers} sync producers, ${c.groupSessions} group sessions`,
      );
    }
  }
  const h = evidence.goHeap;
  if (h) {
    out.push('', chalk.bold(`Heap in use: ${mib(h.inuseBytes)} in ${h.inuseObjects} objects`) + chalk.dim(` (${h.source})`));
    if (h.sites.length === 0) out.push(chalk.dim('  nothing held at Kafka allocation sites'));
    else {
      const t = newTable({ head: ['library', 'site', 'in use', 'share', 'top stack'], wordWrap: true, colWidths: [null, null, null, null, 70] });
      for (const s of h.sites)
        t.push([s.library, s.site, mib(s.inuseBytes), `${(s.share * 100).toFixed(1)}%`, s.topStacks[0]?.frames.slice(0, 4).join(' ← ') ?? '']);
      out.push(t.toString());
    }
  }
  out.push('', renderFindings(findings, chalk));
  return `${out.join('\n')}\n`;
}
