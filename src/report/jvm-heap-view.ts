// What `kleak heap` prints for an HPROF dump: the dump's size, kafka-clients objects by class, the records the
// service keeps and the arrays behind them (by the field that keeps them), top retainers, findings. An HPROF
// holds strings too: kleak prints class and field names only, never a string's or an array's contents.
import type { ChalkInstance } from 'chalk';
import type { JvmHeapEvidence } from '../collectors/jvmheap/types.js';
import type { Finding } from '../types.js';
import { newTable } from './new-table.js';
import { renderFindings } from './table.js';

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
const size = (bytes: number) => (bytes >= 1048576 ? mib(bytes) : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`);
const n = (v: number) => v.toLocaleString('en-US');

function growthByClass(evidence: JvmHeapEvidence) {
  if (!evidence.baseline) return undefined;
  const before = evidence.baseline.histogram;
  return Object.entries(evidence.histogram)
    .map(([name, c]) => ({
      name,
      instances: c.instances,
      delta: c.instances - (before[name]?.instances ?? 0),
      bytesDelta: c.bytes - (before[name]?.bytes ?? 0),
    }))
    .filter((c) => c.delta !== 0)
    .sort((a, b) => b.bytesDelta - a.bytesDelta)
    .slice(0, 30);
}

export function toJvmHeapJson(evidence: JvmHeapEvidence, findings: Finding[]) {
  const growth = growthByClass(evidence);
  return {
    schemaVersion: 1 as const,
    command: 'heap' as const,
    runtime: 'jvm' as const,
    source: evidence.source,
    dump: evidence.dump,
    totalBytes: evidence.totalBytes,
    kafka: evidence.kafka,
    records: evidence.records,
    topRetainers: evidence.topRetainers,
    roots: evidence.roots,
    classes: evidence.histogram,
    ...(evidence.baseline
      ? { baseline: { dump: evidence.baseline.dump, kafka: evidence.baseline.kafka, recordBytes: evidence.baseline.records.totalBytes }, growthByClass: growth }
      : {}),
    findings,
  };
}

export function renderJvmHeapTable(evidence: JvmHeapEvidence, findings: Finding[], chalk: ChalkInstance): string {
  const k = evidence.kafka;
  const b = evidence.baseline?.kafka;
  const delta = (key: keyof typeof k) => (b === undefined ? '' : ` (${k[key] - b[key] >= 0 ? '+' : ''}${k[key] - b[key]})`);
  const d = evidence.dump;
  const out = [
    chalk.bold(`Heap dump ${evidence.source}`) +
      chalk.dim(
        ` — ${(d.bytes / 1e6).toFixed(1)} MB, ${n(d.objects)} objects, ${n(d.references)} references, ${n(d.classes)} classes, ${mib(evidence.totalBytes)} in objects`,
      ),
    `kafka-clients: ${k.producers} KafkaProducers${delta('producers')}, ${k.consumers} KafkaConsumers${delta('consumers')}, ${k.admins} admin clients${delta('admins')}; ${k.selectors} Selectors${delta('selectors')}, ${k.networkClients} NetworkClients, ${k.bufferPools} BufferPools; ${k.consumerRecords} ConsumerRecords${delta('consumerRecords')}`,
    ...(k.kafkaTemplates || k.producerFactories
      ? [`Spring Kafka: ${k.kafkaTemplates} KafkaTemplates, ${k.producerFactories} DefaultKafkaProducerFactories`]
      : []),
    `kept records: ${mib(evidence.records.totalBytes)} in ${evidence.records.buffers} arrays behind ${evidence.records.messages} ConsumerRecords`,
  ];
  if (evidence.records.groups.length) {
    const t = newTable({
      head: ['kept by', 'records', 'arrays', 'bytes', 'covered', 'typical array'],
      wordWrap: true,
      colWidths: [64, null, null, null, null, null],
    });
    for (const g of evidence.records.groups.slice(0, 5)) {
      const by = g.owner
        ? `${g.owner.className}.${g.owner.field} (${g.owner.static ? 'static field' : 'field'}: ${g.owner.container})`
        : g.inFlight
          ? 'kafka-clients (returned by poll, not handed on yet)'
          : 'no field of the service';
      t.push([`${by}\n${chalk.dim(g.path)}`, g.messages, g.buffers, mib(g.bytes), size(g.coveredBytes), mib(g.typicalBufferBytes)]);
    }
    out.push(t.toString());
  }
  const top = newTable({ head: ['top retainers', 'kind', 'retained', 'self'] });
  for (const r of evidence.topRetainers.slice(0, 5)) top.push([r.name.slice(0, 70), r.kind, mib(r.retainedBytes), r.selfBytes]);
  out.push(top.toString(), '', renderFindings(findings, chalk));
  return `${out.join('\n')}\n`;
}
