// The cluster collector: one view, and optionally group membership sampled over time.
import type { Admin } from 'kafkajs';
import { connectAdmin, fetchClusterView, readGroups, type ClusterProblem, type ClusterView, type FetchClusterOptions } from './fetch-cluster.js';

export interface MembershipEvent {
  atMs: number;
  groupId: string;
  kind: 'join' | 'leave';
  memberId: string;
  clientId: string;
  clientHost: string;
}

export interface Membership {
  intervalMs: number;
  samples: Array<{ atMs: number; members: Record<string, number> }>;
  events: MembershipEvent[];
}

export interface LocalProcesses {
  pids: number[];
  alive: number[];
  gone: number[];
}

export interface ClusterEvidence {
  view: ClusterView;
  membership?: Membership;
  local?: LocalProcesses;
}

export interface ClusterWatchOptions {
  intervalMs: number;
  durationMs: number;
  onSample?: (sample: { atMs: number; members: Record<string, number> }, events: MembershipEvent[]) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function localProcesses(pids: number[]): LocalProcesses {
  return { pids, alive: pids.filter(pidAlive), gone: pids.filter((p) => !pidAlive(p)) };
}

/** The view, then (with watch) membership every interval: joins and leaves per group. */
export async function collectCluster(options: FetchClusterOptions, watch?: ClusterWatchOptions, pids?: number[]): Promise<ClusterEvidence> {
  const connected = await connectAdmin(options);
  const { admin } = connected;
  try {
    const view = await fetchClusterView(options, connected);
    const evidence: ClusterEvidence = { view, ...(pids?.length ? { local: localProcesses(pids) } : {}) };
    if (watch) evidence.membership = await sampleMembership(admin, options.groupIds, view, watch);
    return evidence;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function sampleMembership(admin: Admin, groupIds: string[] | undefined, first: ClusterView, watch: ClusterWatchOptions): Promise<Membership> {
  const started = Date.now();
  const known = new Map<string, Map<string, { clientId: string; clientHost: string }>>();
  const record = (groups: ClusterView['groups']) => Object.fromEntries(groups.map((g) => [g.groupId, g.members.length]));
  for (const g of first.groups) known.set(g.groupId, new Map(g.members.map((m) => [m.memberId, { clientId: m.clientId, clientHost: m.clientHost }])));
  const membership: Membership = { intervalMs: watch.intervalMs, samples: [{ atMs: 0, members: record(first.groups) }], events: [] };
  const ids = groupIds ?? first.groups.map((g) => g.groupId);
  while (Date.now() - started + watch.intervalMs <= watch.durationMs + 5) {
    await sleep(Math.max(0, started + membership.samples.length * watch.intervalMs - Date.now()));
    const problems: ClusterProblem[] = [];
    const groups = await readGroups(admin, ids, problems);
    const atMs = Date.now() - started;
    const events: MembershipEvent[] = [];
    for (const g of groups) {
      const before = known.get(g.groupId) ?? new Map();
      const now = new Map(g.members.map((m) => [m.memberId, { clientId: m.clientId, clientHost: m.clientHost }]));
      for (const [memberId, m] of now) if (!before.has(memberId)) events.push({ atMs, groupId: g.groupId, kind: 'join', memberId, ...m });
      for (const [memberId, m] of before) if (!now.has(memberId)) events.push({ atMs, groupId: g.groupId, kind: 'leave', memberId, ...m });
      known.set(g.groupId, now);
    }
    const sample = { atMs, members: record(groups) };
    membership.samples.push(sample);
    membership.events.push(...events);
    watch.onSample?.(sample, events);
  }
  return membership;
}
