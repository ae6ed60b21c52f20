// The cluster collector: one view, and optionally group membership sampled over time; with --pid, which
// of those processes are still alive and the addresses of this host (what lingering-members compares).
import { networkInterfaces } from 'node:os';
import type { Admin } from 'kafkajs';
import { collect, ok, type CollectorResult } from '../types.js';
import { connectAdmin, type FetchClusterOptions } from './connect-admin.js';
import { fetchClusterView } from './fetch-cluster.js';
import { readGroups } from './read-groups.js';
import type { ClusterEvidence, ClusterProblem, ClusterView, LocalProcesses, Membership, MembershipEvent } from './types.js';

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

/** The addresses a member from this host can have as its client host. */
function localAddresses(): string[] {
  const out = new Set(['127.0.0.1', '::1', 'localhost']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return [...out];
}

export function localProcesses(pids: number[]): LocalProcesses {
  return { pids, alive: pids.filter(pidAlive), gone: pids.filter((p) => !pidAlive(p)), addresses: localAddresses() };
}

/** The view, then (with watch) membership every interval: joins and leaves per group. */
export async function readCluster(options: FetchClusterOptions, watch?: ClusterWatchOptions, pids?: number[]): Promise<ClusterEvidence> {
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

/** The cluster as a collector: never throws. */
export async function collectCluster(options: FetchClusterOptions, watch?: ClusterWatchOptions, pids?: number[]): Promise<CollectorResult<ClusterEvidence>> {
  const result = await collect(() => readCluster(options, watch, pids));
  if (result.status !== 'ok') return result;
  // brokers that did not answer, and what could not be read, are named in every report, not only cluster's
  const { view } = result.evidence;
  return ok(
    result.evidence,
    [...view.unreachable, ...view.problems].map((p) => `${p.what}: ${p.message}`),
  );
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
      const before = known.get(g.groupId) ?? new Map<string, { clientId: string; clientHost: string }>();
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
