// What `kleak cluster` prints: brokers and their settings, groups and members, membership changes, findings.
import type { ChalkInstance } from 'chalk';
import type { ClusterEvidence, MembershipEvent } from '../collectors/cluster/types.js';
import type { Finding } from '../types.js';
import { renderFindings } from './table.js';
import { newTable } from './new-table.js';

export function toClusterJson(evidence: ClusterEvidence, findings: Finding[]) {
  const v = evidence.view;
  return {
    schemaVersion: 1 as const,
    command: 'cluster' as const,
    takenAt: v.takenAt,
    clusterId: v.clusterId,
    controller: v.controller,
    brokers: v.brokers,
    unreachable: v.unreachable,
    config: v.config,
    groups: v.groups,
    problems: v.problems,
    ...(evidence.membership ? { membership: evidence.membership } : {}),
    ...(evidence.local ? { local: evidence.local } : {}),
    findings,
  };
}

export function eventLine(e: MembershipEvent): string {
  return `${(e.atMs / 1000).toFixed(1)}s ${e.kind === 'join' ? '+' : '-'} ${e.groupId}: ${e.clientId}@${e.clientHost} (${e.memberId.slice(-12)})`;
}

export function renderClusterTable(evidence: ClusterEvidence, findings: Finding[], chalk: ChalkInstance): string {
  const v = evidence.view;
  const out = [chalk.bold(`Cluster ${v.clusterId}`) + `, controller ${v.controller ?? 'unknown'}`];
  const brokers = newTable({
    head: ['node', 'address', 'controller', 'connections.max.idle.ms', 'max.connections.per.ip', 'max.connections', 'session timeout min–max'],
  });
  for (const b of v.brokers) {
    const c = v.config[b.nodeId] ?? {};
    brokers.push([
      b.nodeId,
      `${b.host}:${b.port}${b.rack ? ` (rack ${b.rack})` : ''}`,
      b.isController ? 'yes' : '',
      c['connections.max.idle.ms'] ?? '?',
      c['max.connections.per.ip'] ?? '?',
      c['max.connections'] ?? '?',
      `${c['group.min.session.timeout.ms'] ?? '?'}–${c['group.max.session.timeout.ms'] ?? '?'}`,
    ]);
  }
  out.push(brokers.toString());
  for (const u of v.unreachable) out.push(chalk.yellow(`did not answer: ${u.what} — ${u.message}`));
  out.push('', chalk.bold(`Consumer groups: ${v.groups.length}`));
  if (v.groups.length) {
    const groups = newTable({ head: ['group', 'state', 'members', 'per host', 'per client id', 'without partitions', 'partitions'] });
    const per = (r: Record<string, number>) =>
      Object.entries(r)
        .map(([k, n]) => `${k} ×${n}`)
        .join(', ');
    for (const g of v.groups)
      groups.push([
        g.groupId,
        g.state,
        g.members.length,
        per(g.membersPerHost),
        per(g.membersPerClientId),
        g.membersWithoutPartitions,
        g.subscribedPartitions ?? '?',
      ]);
    out.push(groups.toString());
  }
  for (const p of v.problems) out.push(chalk.yellow(`not read: ${p.what} — ${p.message}`));
  if (evidence.membership) {
    out.push(
      '',
      chalk.bold(
        `Membership over ${(evidence.membership.samples[evidence.membership.samples.length - 1]!.atMs / 1000).toFixed(0)} s: ${evidence.membership.events.filter((e) => e.kind === 'join').length} joins, ${evidence.membership.events.filter((e) => e.kind === 'leave').length} leaves`,
      ),
    );
    for (const e of evidence.membership.events.slice(0, 50)) out.push(`  ${eventLine(e)}`);
  }
  out.push('', renderFindings(findings, chalk));
  return `${out.join('\n')}\n`;
}
