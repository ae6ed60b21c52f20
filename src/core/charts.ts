// The series behind the report's charts, from the evidence: a watch's samples (one column per measured series,
// with the per-request slope the drive measured), a shutdown's timeline, and a heap divided among its owners.
import type { Evidence } from '../collectors/types.js';
import type { Charts, HeapChart, WatchChart } from '../types.js';

const watchSeries: Array<{ key: string; label: string }> = [
  { key: 'brokerEstablished', label: 'broker connections (ESTABLISHED)' },
  { key: 'brokerCloseWait', label: 'broker connections in CLOSE_WAIT' },
  { key: 'fds', label: 'open fds' },
  { key: 'goroutines', label: 'goroutines' },
  { key: 'rdkafkaClients', label: 'librdkafka clients (rdk:main threads)' },
  { key: 'jvmClients', label: 'Kafka client threads (JVM)' },
  { key: 'jvmThreadsLive', label: 'JVM threads live' },
];

function watchChart(watch: NonNullable<Evidence['watch']>): WatchChart | undefined {
  const samples = watch.samples;
  if (samples.length < 2) return undefined;
  const t0 = samples[0]!.atMs;
  const drive = watch.drive;
  // requests answered when each sample was taken, counted from the first request; the baseline is after the warm-up
  const answered = samples.map((s) => s.requests);
  const series = watchSeries
    .map(({ key, label }) => {
      const values = samples.map((s) => (s as unknown as Record<string, number | undefined>)[key]);
      if (values.some((v) => v === undefined)) return undefined;
      // a series that never moved and is zero says nothing (CLOSE_WAIT on a healthy service is drawn anyway when not zero)
      if (values.every((v) => v === 0)) return undefined;
      const perRequest = drive ? (drive.perRequest as unknown as Record<string, number | undefined>)[key] : undefined;
      return { key, label, values: values as number[], ...(perRequest !== undefined ? { perRequest } : {}) };
    })
    .filter((s): s is NonNullable<typeof s> => s !== undefined);
  return {
    intervalMs: watch.intervalMs,
    atMs: samples.map((s) => s.atMs - t0),
    phase: samples.map((s) => s.phase),
    ...(drive && answered.every((a): a is number => a !== undefined)
      ? {
          requests: answered.map((a) => a - drive.warmup),
          drive: { url: drive.url, method: drive.method, requests: drive.requests, warmup: drive.warmup },
        }
      : {}),
    series,
  };
}

function heapChart(evidence: Evidence): HeapChart | undefined {
  const jvm = evidence.jvmHeap;
  if (jvm) {
    return {
      runtime: 'jvm',
      totalBytes: jvm.totalBytes,
      owners: jvm.records.groups.map((g) => ({
        name: g.owner ? `${g.owner.className}.${g.owner.field}` : g.inFlight ? 'kafka-clients (in flight)' : g.path,
        bytes: g.bytes,
        messages: g.messages,
      })),
    };
  }
  const v8 = evidence.v8Heap;
  if (v8) {
    return {
      runtime: 'node',
      totalBytes: v8.totalBytes,
      owners: v8.pinned.groups.map((g) => ({
        name: g.owner ? `${g.owner.variable} (${g.owner.function} at ${g.owner.file.split('/').pop()}:${g.owner.line})` : g.path,
        bytes: g.bytes,
        messages: g.messages,
      })),
    };
  }
  const go = evidence.goHeap;
  if (go) {
    return {
      runtime: 'go',
      totalBytes: go.inuseBytes,
      owners: go.sites.map((s) => ({ name: `${s.library} ${s.site}`, bytes: s.inuseBytes })).sort((a, b) => b.bytes - a.bytes),
    };
  }
  return undefined;
}

export function chartsOf(evidence: Evidence): Charts | undefined {
  const watch = evidence.watch ? watchChart(evidence.watch) : undefined;
  const run = evidence.shutdown?.runs[0];
  const heap = heapChart(evidence);
  const charts: Charts = {
    ...(watch ? { watch } : {}),
    ...(run
      ? {
          shutdown: {
            signal: run.signal,
            graceMs: run.graceMs,
            ...(run.exit.afterMs !== undefined ? { exitAfterMs: run.exit.afterMs } : {}),
            events: run.timeline.map((e) => ({ kind: e.kind, atMs: e.atMs, detail: e.detail })),
          },
        }
      : {}),
    ...(heap && heap.owners.length ? { heap } : {}),
  };
  return Object.keys(charts).length ? charts : undefined;
}
