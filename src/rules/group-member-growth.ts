// group-member-growth: a consumer group gains members as traffic flows (a consumer per request),
// or one host holds more members than the group has partitions, so the extra ones can never get
// any. Deliberately ignored: a group whose members match its partitions (scaled out on purpose),
// and joins balanced by leaves (rolling restarts).
import { defineRule } from './define-rule.js';
import { classifyTrend } from '../stats/trend.js';

export default defineRule({
  id: 'group-member-growth',
  meta: {
    title: 'Consumer group members grow: a consumer is created per request',
    description:
      'A group keeps gaining members while the service runs, or one host has more members than the group has partitions: consumers are created repeatedly and never closed.',
    severity: 'warning',
    messages: {
      growth: 'group {groupId}: {reasons}',
    },
    fix: {
      sarama: 'Create one sarama.ConsumerGroup at start-up and call Consume in a loop; Close() it (and its client) on shutdown.',
      'franz-go': 'Create one *kgo.Client with kgo.ConsumerGroup(...) at start-up and poll it in one loop; cl.Close() on shutdown.',
      kafkajs: `Create and run one consumer at start-up, not per request; disconnect it on shutdown:
  const consumer = kafka.consumer({ groupId })
  await consumer.connect(); await consumer.subscribe({ topic }); await consumer.run({ eachMessage })
  process.once('SIGTERM', () => consumer.disconnect())`,
      unknown: 'Create one consumer per process at start-up and close it on shutdown; never one per request.',
    },
  },
  needs: ['cluster'],
  check({ cluster }) {
    const findings = [];
    for (const g of cluster.view.groups) {
      const reasons: string[] = [];
      const evidence = [];
      const joins = cluster.membership?.events.filter((e) => e.groupId === g.groupId && e.kind === 'join').length ?? 0;
      const leaves = cluster.membership?.events.filter((e) => e.groupId === g.groupId && e.kind === 'leave').length ?? 0;
      if (cluster.membership && joins - leaves >= 3) {
        const samples = cluster.membership.samples;
        const trend = classifyTrend(
          samples.map((s) => s.atMs),
          samples.map((s) => s.members[g.groupId] ?? 0),
        );
        if (trend.verdict === 'linear-growth' || trend.verdict === 'warm-up-plateau') {
          reasons.push(`${joins} members joined and ${leaves} left in ${(samples[samples.length - 1]!.atMs / 1000).toFixed(0)} s`);
          evidence.push({
            source: 'cluster' as const,
            description: `members ${trend.first} → ${trend.last} (Mann-Kendall p = ${trend.mannKendall.p.toExponential(1)})`,
            data: { joins, leaves, first: trend.first, last: trend.last },
          });
        }
      }
      const partitions = g.subscribedPartitions;
      for (const [host, n] of Object.entries(g.membersPerHost)) {
        if (partitions !== null && n > partitions && n >= 3) {
          reasons.push(`${n} members from ${host} for ${partitions} partition${partitions === 1 ? '' : 's'}: ${n - partitions} can never get one`);
          evidence.push({
            source: 'cluster' as const,
            description: `group ${g.groupId}: ${n} members from ${host} (client ids: ${Object.entries(g.membersPerClientId)
              .map(([c, k]) => `${c} ×${k}`)
              .join(', ')}), ${g.membersWithoutPartitions} without partitions`,
            data: { host, members: n, partitions },
          });
        }
      }
      if (reasons.length === 0) continue;
      findings.push({
        messageId: 'growth' as const,
        data: { groupId: g.groupId, reasons: reasons.join('; '), joins, leaves },
        confidence: cluster.membership && joins - leaves >= 3 ? ('confirmed' as const) : ('likely' as const),
        library: 'unknown' as const,
        evidence,
      });
    }
    return findings;
  },
});
