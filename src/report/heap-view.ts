// What `kleak heap` prints: snapshot size, live kafkajs objects, pinned buffers, top retainers, findings.
// Strings from the snapshot are never printed unless --show-strings: they may hold secrets.
import type { ChalkInstance } from 'chalk';
import type { V8HeapEvidence } from '../collectors/v8heap/types.js';
import type { Finding } from '../types.js';
import { renderFindings } from './table.js';
import { newTable } from './new-table.js';

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
const stringTypes = new Set(['string', 'concatenated string', 'sliced string']);

export function redactRetainers(evidence: V8HeapEvidence, showStrings: boolean): V8HeapEvidence['topRetainers'] {
  return evidence.topRetainers.map((r) => (stringTypes.has(r.type) && !showStrings ? { ...r, name: '<string: --show-strings to print>' } : r));
}

export function toHeapJson(evidence: V8HeapEvidence, findings: Finding[], showStrings: boolean) {
  const growth = evidence.baseline
    ? Object.entries(evidence.constructors)
        .map(([name, count]) => ({ name, count, delta: count - (evidence.baseline!.constructors[name] ?? 0) }))
        .filter((c) => c.delta !== 0)
        .sort((a, b) => b.delta - a.delta)
        .slice(0, 30)
    : undefined;
  return {
    schemaVersion: 1 as const,
    command: 'heap' as const,
    source: evidence.source,
    snapshot: evidence.snapshot,
    totalBytes: evidence.totalBytes,
    kafka: evidence.kafka,
    creationSites: evidence.creationSites,
    pinned: evidence.pinned,
    topRetainers: redactRetainers(evidence, showStrings),
    ...(evidence.baseline
      ? {
          baseline: { snapshot: evidence.baseline.snapshot, kafka: evidence.baseline.kafka, pinnedBytes: evidence.baseline.pinned.totalBytes },
          growthByConstructor: growth,
        }
      : {}),
    findings,
  };
}

export function renderHeapTable(evidence: V8HeapEvidence, findings: Finding[], chalk: ChalkInstance, showStrings: boolean): string {
  const k = evidence.kafka;
  const b = evidence.baseline?.kafka;
  const delta = (now: number, before?: number) => (before === undefined ? '' : ` (${now - before >= 0 ? '+' : ''}${now - before})`);
  const out = [
    chalk.bold(`Heap snapshot ${evidence.source}`) +
      chalk.dim(
        ` — ${(evidence.snapshot.bytes / 1e6).toFixed(1)} MB, ${evidence.snapshot.nodes} nodes, ${evidence.snapshot.edges} edges, ${mib(evidence.totalBytes)} in objects`,
      ),
    `kafkajs: ${k.connections} Connections${delta(k.connections, b?.connections)}, ${k.liveSockets} with a live socket${delta(k.liveSockets, b?.liveSockets)}, ${k.requestTimers} with a request timer; ${k.clusters} Clusters, ${k.brokers} Brokers, ${k.clients} Clients`,
    `pinned record buffers: ${mib(evidence.pinned.totalBytes)} in ${evidence.pinned.buffers} ArrayBuffers behind ${evidence.pinned.messages} messages`,
  ];
  if (evidence.pinned.groups.length) {
    const t = newTable({
      head: ['retained through', 'messages', 'buffers', 'bytes', 'typical buffer'],
      wordWrap: true,
      colWidths: [70, null, null, null, null],
    });
    for (const g of evidence.pinned.groups.slice(0, 5)) {
      const owner = g.owner
        ? `\nheld by ${g.owner.variable} (${g.owner.container}) in ${g.owner.function} at ${g.owner.file}:${g.owner.line}:${g.owner.column}`
        : '';
      t.push([`${g.path}${owner}`, g.messages, g.buffers, mib(g.bytes), mib(g.typicalBufferBytes)]);
    }
    out.push(t.toString());
  }
  const top = newTable({ head: ['top retainers', 'type', 'retained', 'self'] });
  for (const r of redactRetainers(evidence, showStrings).slice(0, 5)) top.push([r.name.slice(0, 60), r.type, mib(r.retainedBytes), r.selfBytes]);
  out.push(top.toString(), '', renderFindings(findings, chalk));
  return `${out.join('\n')}\n`;
}
