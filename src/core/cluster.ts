// kleak cluster, as a core function: the cluster's view (and membership over time), evaluated. Groups
// asked for by name that the broker refused to describe fail the collector, with everything else kept.
import { collectCluster } from '../collectors/cluster/index.js';
import type { HostPort, KafkaConnectionOptions } from '../collectors/cluster/connection-options.js';
import { hostPortText } from '../collectors/cluster/connection-options.js';
import { isDenied } from '../collectors/cluster/read-groups.js';
import type { ClusterWatchOptions } from '../collectors/cluster/index.js';
import { errorOf, failed } from '../collectors/types.js';
import { InputError } from '../errors.js';
import { version } from '../version.js';
import { evaluate, gather, type Run } from './evaluate.js';

export interface ClusterOptions {
  bootstrap: HostPort[];
  connection?: Omit<KafkaConnectionOptions, 'bootstrap'>;
  groupIds?: string[];
  watch?: ClusterWatchOptions;
  /** service processes on this host: members from here outliving them are lingering */
  pids?: number[];
}

export async function inspectCluster(options: ClusterOptions): Promise<Run> {
  const startedAt = Date.now();
  const connection = { ...options.connection, bootstrap: options.bootstrap.map(hostPortText) };
  let cluster = await collectCluster({ connection, bootstrap: options.bootstrap, groupIds: options.groupIds }, options.watch, options.pids);
  if (cluster.status !== 'ok') throw errorOf(cluster as Extract<typeof cluster, { status: 'failed' }>);
  const denied = cluster.evidence.view.problems.filter((p) => isDenied(p) && (options.groupIds ?? []).some((g) => p.what === `group ${g}`));
  if (denied.length) {
    const names = denied.map((p) => p.what.replace(/^group /, '')).join(', ');
    const error = new InputError(`the cluster refused to describe ${denied.length === 1 ? 'group' : 'groups'} ${names}; the report has everything else.`, {
      hint: `grant this principal DESCRIBE on ${denied.length === 1 ? 'that group' : 'those groups'} (kafka-acls --add --allow-principal User:<name> --operation Describe --group <group>).`,
    });
    cluster = failed(error, cluster.evidence);
  }
  const { evidence, reports } = gather({ cluster });
  return {
    evidence,
    diagnosis: evaluate(evidence, reports, {
      target: { pids: options.pids ?? [], description: options.bootstrap.map(hostPortText).join(',') },
      startedAt,
      finishedAt: Date.now(),
      version,
    }),
  };
}
