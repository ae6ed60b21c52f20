// What was measured, as facts beside the findings: broker settings the rules read, and the numbers that
// show a clean run is clean (per-request growth, live clients, live connections, what the scan checked).
// Findings are problems; these are context. Pure: facts from evidence.
import type { Evidence } from '../collectors/types.js';
import type { ContextFact } from '../types.js';
import type { ShutdownRun } from '../collectors/shutdown/types.js';

const fmt = (n: number) => (Math.abs(n) >= 10 ? n.toFixed(0) : n.toFixed(1));
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

function duration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

const at = (ms: number) => `${ms >= 0 ? '+' : '−'}${Math.abs(ms)} ms`;

/** One shutdown run: its timeline (signal → commit → leave → sockets closed → exit) and what was measured. */
function shutdownFacts(run: ShutdownRun, several: boolean): ContextFact[] {
  const prefix = several ? `run ${run.run} ` : '';
  const facts: ContextFact[] = run.timeline.map((e) => ({ source: 'shutdown', name: `${prefix}${at(e.atMs)}`, value: e.kind, meaning: e.detail }));
  const groups = run.groups.map(
    (g) =>
      `group ${g.groupId}: ${g.members.length} member(s)${g.members.some((m) => m.groupInstanceId) ? ' (static)' : ''}, ${g.commitAtMs !== undefined ? `commit at ${at(g.commitAtMs)}` : 'no commit'}, ${g.leftAtMs !== undefined ? `gone at ${at(g.leftAtMs)}` : 'still listed'}, ${g.uncommittedAfterExit} uncommitted after exit`,
  );
  const drive = run.drive
    ? `${run.drive.accepted} of ${run.drive.sent} requests accepted (${run.drive.acceptedAfterSignal} after the signal), ${run.drive.found} found in ${run.drive.topics.join(', ')}, ${run.drive.lost} lost, ${run.drive.duplicates} duplicates`
    : undefined;
  facts.push({
    source: 'shutdown',
    name: `${prefix}measured`,
    value: [
      `${run.sockets.atSignal} broker sockets at the signal, ${run.sockets.closedWhileAlive} closed before exit`,
      ...groups,
      ...(drive ? [drive] : []),
    ].join('; '),
    meaning: `PID ${run.pid} (${run.runtime}, ${run.library}), ${run.signal}, grace ${run.graceMs / 1000} s${run.prestopMs ? ` − ${run.prestopMs / 1000} s preStop` : ''}${run.notes.length ? `; ${run.notes.join('; ')}` : ''}`,
  });
  return facts;
}

export function contextFacts(evidence: Evidence): ContextFact[] {
  const facts: ContextFact[] = [];
  const drive = evidence.watch?.drive;
  if (drive && drive.requests > 0) {
    const p = drive.perRequest;
    facts.push({
      source: 'watch',
      name: 'per request',
      value: `${fmt(p.brokerEstablished)} new broker connections, ${fmt(p.fds)} fds${p.goroutines !== undefined ? `, ${fmt(p.goroutines)} goroutines` : ''}${
        p.jvmClients !== undefined
          ? `, ${fmt(p.jvmClients)} Kafka client threads (JVM)${p.jvmThreadsStarted !== undefined ? `, ${fmt(p.jvmThreadsStarted)} Java threads started` : ''}`
          : ''
      }`,
      meaning: `${drive.requests} ${drive.method} requests to ${drive.url} after ${drive.warmup} warm-up${drive.adaptive ? ` (stopped after ${drive.adaptive.rounds} rounds: ${drive.adaptive.reason}${drive.adaptive.concurrency > drive.concurrency ? `, concurrency raised to ${drive.adaptive.concurrency}` : ''})` : ''}, ${drive.settled ? `counts settled after ${(drive.settleMs / 1000).toFixed(1)} s` : 'counts still moving at the end'}; a client per request shows as ≥ 0.5 of either${drive.churn ? `; broker connections opened ${fmt(drive.churn.perRequest?.opened ?? 0)}, still open ${fmt(drive.churn.perRequest?.stillOpen ?? 0)} per request (by inode)` : ''}`,
    });
  }
  const sockets = evidence.sockets;
  if (sockets) {
    const sum = (k: 'brokerEstablished' | 'brokerCloseWait' | 'fds') => sockets.processes.reduce((n, p) => n + p.totals[k], 0);
    facts.push({
      source: 'sockets',
      name: 'broker sockets',
      value: `${sum('brokerEstablished')} ESTABLISHED, ${sum('brokerCloseWait')} CLOSE_WAIT; ${sum('fds')} fds open`,
    });
    for (const p of sockets.processes) {
      if (!p.python) continue;
      facts.push({
        source: 'sockets',
        name: 'python',
        value: `Python${p.python.version ? ` ${p.python.version}` : ''} (PID ${p.pid})`,
        ...(p.python.virtualenv ? { meaning: `virtualenv ${p.python.virtualenv}` } : {}),
      });
      const st = p.python.stacks;
      if (st)
        facts.push({
          source: 'sockets',
          name: 'threads (py-spy)',
          value: `${st.threads.length} Python threads; ${st.clients.length ? st.clients.map((c) => `${c.threads} ${c.library} ${c.kind}${c.threads === 1 ? '' : 's'}`).join(', ') : 'no Kafka client thread'}`,
          meaning: `${st.tool}, --nonblocking; ${[...st.threads.reduce((m, t) => m.set(t.name, (m.get(t.name) ?? 0) + 1), new Map<string, number>())]
            .map(([name, n]) => (n > 1 ? `${name} ×${n}` : name))
            .join(', ')}`,
        });
    }
    const seen = new Set<string>();
    for (const v of sockets.processes.flatMap((p) => p.libraries ?? [])) {
      const key = `${v.library} ${v.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const bugs = v.advisories ?? [];
      facts.push({
        source: 'sockets',
        name: 'library',
        value: `${v.library} ${v.version}`,
        meaning: `${v.package}, from ${v.bundledIn ? `the librdkafka ${v.bundledIn} bundles` : v.from}${v.path ? ` (${v.path})` : ''}; ${
          bugs.length
            ? `known leak bugs of this version: ${bugs.map((a) => `${a.id}${a.fixed ? ` (fixed in ${a.fixed})` : ' (no fix)'}`).join(', ')}`
            : 'no known leak bug in this version'
        }`,
      });
    }
  }
  const go = evidence.goroutines?.classification;
  if (go) {
    const libs = Object.entries(go.libraries).map(
      ([l, c]) =>
        `${l}: ${c.clients} clients, ${c.brokerConnections} broker connections, ${c.producers + c.syncProducers} producers, ${c.groupSessions} group sessions`,
    );
    facts.push({
      source: 'goroutines',
      name: 'live Kafka clients',
      value: libs.length ? libs.join('; ') : 'none',
      meaning: `${go.total} goroutines in the dump`,
    });
  }
  const heap = evidence.v8Heap;
  if (heap) {
    facts.push({
      source: 'v8Heap',
      name: 'kafkajs in the heap',
      value: `${heap.kafka.liveSockets} connections with a live socket, ${heap.kafka.clusters} clusters; ${mib(heap.pinned.totalBytes)} of record buffers behind ${heap.pinned.messages} kept messages`,
    });
  }
  const jvmHeap = evidence.jvmHeap;
  if (jvmHeap) {
    const k = jvmHeap.kafka;
    facts.push({
      source: 'jvmHeap',
      name: 'kafka-clients in the heap',
      value: `${k.producers} KafkaProducers, ${k.consumers} KafkaConsumers, ${k.admins} admin clients, ${k.selectors} Selectors; ${mib(jvmHeap.records.totalBytes)} of arrays behind ${jvmHeap.records.messages} kept ConsumerRecords`,
    });
  }
  const cluster = evidence.cluster;
  if (cluster) {
    const values = [
      ...new Set(
        Object.values(cluster.view.config)
          .map((c) => c['connections.max.idle.ms'])
          .filter((v): v is string => v !== undefined),
      ),
    ];
    if (values.length) {
      const ms = Math.min(...values.map(Number));
      facts.push({
        source: 'cluster',
        name: 'connections.max.idle.ms',
        value: `${values.join('/')} (${duration(ms)})`,
        meaning: "the brokers close connections idle this long: an unclosed client's sockets then end in CLOSE_WAIT or are reopened (close-wait-sockets)",
      });
    }
  }
  for (const run of evidence.shutdown?.runs ?? []) facts.push(...shutdownFacts(run, (evidence.shutdown?.runs.length ?? 0) > 1));
  if (evidence.shutdown?.producerNotEvaluated)
    facts.push({ source: 'shutdown', name: 'producer side', value: 'not evaluated', meaning: evidence.shutdown.producerNotEvaluated });
  const source = evidence.source;
  if (source) {
    const files = source.files.go + source.files.js + source.files.ts + source.files.java + (source.files.python ?? 0);
    facts.push({
      source: 'source',
      name: 'scan',
      value: `${files} file${files === 1 ? '' : 's'}, ${files - source.prefiltered} in packages that use a Kafka library, ${source.constructions.length} constructor calls checked`,
    });
  }
  return facts;
}
