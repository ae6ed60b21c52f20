// Evidence for rule tests: watch results and inventories built from series through the real trend code.
import type { ShutdownDrive, ShutdownGroup, ShutdownRun } from '../../src/collectors/shutdown/types.js';
import { classifyTrend } from '../../src/stats/trend.js';
import type { WatchResult, WatchSample, DriveMeasurement } from '../../src/collectors/watch/types.js';
import type { ProcessSockets, SocketInventory } from '../../src/collectors/process/types.js';
import type { ClusterEvidence, ClusterView, GroupInfo, GroupMember, LocalProcesses, Membership } from '../../src/collectors/cluster/types.js';
import type { KafkaObjects, V8HeapEvidence } from '../../src/collectors/v8heap/types.js';
import type { JvmHeapEvidence, JvmRecordGroup } from '../../src/collectors/jvmheap/types.js';

export function inventory(processes: Partial<ProcessSockets>[]): SocketInventory {
  const full: ProcessSockets[] = processes.map((p, i) => ({
    pid: 100 + i,
    command: 'svc',
    exe: '/usr/bin/node',
    runtime: 'node',
    threads: 7,
    rssBytes: 1e7,
    cpuPercent: 0,
    listenPorts: [8080],
    brokers: [],
    totals: { fds: 50, fdLimit: 1024, sockets: 10, tcpSockets: 10, brokerSockets: 0, brokerEstablished: 0, brokerCloseWait: 0, nonBrokerSockets: 10 },
    ...p,
  }));
  const sum = (k: keyof ProcessSockets['totals']) => full.reduce((s, p) => s + (p.totals[k] ?? 0), 0);
  return {
    takenAt: '2026-11-22T00:00:00Z',
    brokerSource: 'flag',
    brokerEndpoints: [],
    method: '/proc',
    processes: full,
    totals: {
      fds: sum('fds'),
      fdLimit: full[0]!.totals.fdLimit,
      sockets: sum('sockets'),
      tcpSockets: sum('tcpSockets'),
      brokerSockets: sum('brokerSockets'),
      brokerEstablished: sum('brokerEstablished'),
      brokerCloseWait: sum('brokerCloseWait'),
      nonBrokerSockets: sum('nonBrokerSockets'),
    },
    warnings: [],
  };
}

export function watchResult(series: { established: number[]; fds?: number[]; intervalMs?: number }, extra: Partial<WatchResult> = {}): WatchResult {
  const intervalMs = series.intervalMs ?? 1000;
  const fds = series.fds ?? series.established.map((e) => e + 20);
  const samples: WatchSample[] = series.established.map((e, i) => ({
    atMs: i * intervalMs,
    takenAt: '',
    phase: 'watch',
    fds: fds[i]!,
    brokerEstablished: e,
    brokerSockets: e,
    brokerCloseWait: 0,
    processes: [],
  }));
  const times = samples.map((s) => s.atMs);
  return {
    pids: [100],
    runtime: 'go',
    libraries: ['sarama'],
    brokerSource: 'cluster',
    fdLimit: 1024,
    intervalMs,
    samples,
    trends: { brokerEstablished: classifyTrend(times, series.established), fds: classifyTrend(times, fds) },
    last: inventory([{}]),
    ...extra,
  };
}

export function drive(perRequest: Partial<DriveMeasurement['perRequest']>, requests = 20): DriveMeasurement {
  const p = { brokerEstablished: 0, brokerSockets: 0, fds: 0, ...perRequest };
  return {
    url: 'http://127.0.0.1:8080/produce',
    method: 'POST',
    requests,
    concurrency: 1,
    warmup: 5,
    result: { url: 'http://127.0.0.1:8080/produce', method: 'POST', requests, succeeded: requests, failed: 0, statuses: { 200: requests }, durationMs: 500 },
    baseline: { fds: 30, brokerEstablished: 2, brokerSockets: 2, brokerCloseWait: 0, ...(p.goroutines !== undefined ? { goroutines: 20 } : {}) },
    after: {
      fds: 30 + p.fds * requests,
      brokerEstablished: 2 + p.brokerEstablished * requests,
      brokerSockets: 2 + p.brokerSockets * requests,
      brokerCloseWait: 0,
      ...(p.goroutines !== undefined ? { goroutines: 20 + p.goroutines * requests } : {}),
    },
    perRequest: p,
    settled: true,
    settleMs: 1000,
  };
}

export function member(memberId: string, clientHost: string, partitions: number[] = [], clientId = 'svc'): GroupMember {
  return {
    memberId,
    clientId,
    clientHost,
    assignment: partitions.length ? { orders: partitions } : {},
    partitionCount: partitions.length,
    subscribedTopics: ['orders'],
  };
}

export function group(groupId: string, members: GroupMember[], subscribedPartitions: number | null = 3): GroupInfo {
  const count = (key: (m: GroupMember) => string) => members.reduce<Record<string, number>>((o, m) => ({ ...o, [key(m)]: (o[key(m)] ?? 0) + 1 }), {});
  return {
    groupId,
    state: 'Stable',
    protocolType: 'consumer',
    protocol: 'range',
    members,
    membersPerHost: count((m) => m.clientHost),
    membersPerClientId: count((m) => m.clientId),
    membersWithoutPartitions: members.filter((m) => m.partitionCount === 0).length,
    subscribedPartitions,
  };
}

export function clusterEvidence(
  parts: { groups?: GroupInfo[]; config?: ClusterView['config']; membership?: Membership; local?: LocalProcesses } = {},
): ClusterEvidence {
  return {
    view: {
      takenAt: '2026-11-22T00:00:00Z',
      clusterId: 'c1',
      controller: 1,
      brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null, isController: true }],
      unreachable: [],
      config: parts.config ?? { 1: {} },
      groups: parts.groups ?? [],
      problems: [],
    },
    ...(parts.membership ? { membership: parts.membership } : {}),
    ...(parts.local ? { local: parts.local } : {}),
  };
}

export function v8HeapEvidence(
  parts: { kafka?: Partial<KafkaObjects>; pinned?: Partial<V8HeapEvidence['pinned']>; totalBytes?: number; baseline?: V8HeapEvidence['baseline'] } = {},
): V8HeapEvidence {
  return {
    source: 'service.heapsnapshot',
    snapshot: { bytes: 1e7, nodes: 1e5, edges: 4e5 },
    totalBytes: parts.totalBytes ?? 8 * 1048576,
    kafka: { clients: 1, clusters: 1, brokers: 1, connections: 2, liveSockets: 2, requestTimers: 2, ...parts.kafka },
    pinned: { totalBytes: 0, buffers: 0, messages: 0, groups: [], ...parts.pinned },
    topRetainers: [],
    constructors: {},
    creationSites: [],
    ...(parts.baseline ? { baseline: parts.baseline } : {}),
  };
}

/** One shutdown-check run: a clean one (graceful) unless overridden. */
export function shutdownRun(overrides: Partial<ShutdownRun> = {}): ShutdownRun {
  return {
    run: 1,
    pid: 4242,
    command: './orders-svc',
    signal: 'SIGTERM',
    graceMs: 30_000,
    prestopMs: 0,
    signalAt: '2026-12-02T10:00:00.000Z',
    exit: { exited: true, afterMs: 850, code: 0, statusFrom: 'parent' },
    sockets: { atSignal: 2, closedWhileAlive: 2, openAtExit: 0, lastClosedAtMs: 840 },
    groups: [],
    library: 'sarama',
    runtime: 'go',
    timeline: [
      { kind: 'signal', atMs: 0, detail: 'SIGTERM to PID 4242' },
      { kind: 'exit', atMs: 850, detail: 'exited 850 ms after the signal, exit status 0' },
    ],
    notes: [],
    ...overrides,
  };
}

export function shutdownGroup(overrides: Partial<ShutdownGroup> = {}): ShutdownGroup {
  return {
    groupId: 'orders',
    members: [{ memberId: 'sarama-1', clientId: 'sarama', clientHost: '10.0.0.7', groupInstanceId: null }],
    instanceIdsKnown: true,
    leftAtMs: 700,
    leftWhileAlive: true,
    stillListedAfterExit: false,
    sessionTimeoutMs: 10_000,
    sessionTimeoutFrom: "sarama's default",
    committedAtSignal: { 'orders/0': 100 },
    committedAfterExit: { 'orders/0': 140 },
    commitAtMs: 600,
    committedPartitions: 1,
    uncommittedAfterExit: 3,
    topics: ['orders'],
    problems: [],
    ...overrides,
  };
}

export function shutdownDrive(overrides: Partial<ShutdownDrive> = {}): ShutdownDrive {
  return {
    url: 'http://127.0.0.1:8080/produce',
    method: 'POST',
    topics: ['orders'],
    sent: 120,
    accepted: 100,
    acceptedAfterSignal: 4,
    refused: 20,
    found: 100,
    lost: 0,
    lostIds: [],
    duplicates: 0,
    scanned: 100,
    problems: [],
    ...overrides,
  };
}

/**
 * JVM heap evidence around record groups; `recordCacheGroup` is the group kleak read from a heap dump of the
 * java-record-cache fixture (20 ConsumerRecords kept in RecordCache.recent, 19 fetch responses behind them).
 */
export const recordCacheGroup: JvmRecordGroup = {
  path: 'RecordCache (class) → recent → ArrayList → elementData → Object[] → [i] → ConsumerRecord',
  messages: 20,
  buffers: 19,
  bytes: 19924350,
  coveredBytes: 20480,
  typicalBufferBytes: 1048650,
  inFlight: false,
  owner: { className: 'kleak.fixtures.RecordCache', field: 'recent', static: true, container: 'java.util.ArrayList', file: 'kleak/fixtures/RecordCache.java' },
};

export function jvmHeapEvidence(groups: JvmRecordGroup[], parts: { totalBytes?: number; baseline?: JvmRecordGroup[] } = {}): JvmHeapEvidence {
  const analysis = (gs: JvmRecordGroup[]) => ({
    dump: { bytes: 31918088, objects: 111164, references: 195867, classes: 3952, idSize: 8, timestamp: 0 },
    totalBytes: parts.totalBytes ?? 24745600,
    kafka: {
      producers: 0,
      consumers: 0,
      admins: 0,
      selectors: 0,
      networkClients: 0,
      bufferPools: 0,
      consumerRecords: gs.reduce((n, g) => n + g.messages, 0),
      kafkaTemplates: 0,
      producerFactories: 0,
    },
    records: {
      totalBytes: gs.reduce((n, g) => n + g.bytes, 0),
      buffers: gs.reduce((n, g) => n + g.buffers, 0),
      messages: gs.reduce((n, g) => n + g.messages, 0),
      groups: gs,
    },
    topRetainers: [],
    histogram: {},
    roots: {},
  });
  return { source: 'service.hprof', ...analysis(groups), ...(parts.baseline ? { baseline: analysis(parts.baseline) } : {}) };
}
