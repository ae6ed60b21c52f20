// The cluster's view: brokers, the settings that shape leaks, consumer groups and their members.
import { connectAdmin, type ConnectedAdmin, type FetchClusterOptions } from './connect-admin.js';
import { connectionTimeoutOf } from './connection-options.js';
import { isConnectionError, kafkajsModule, retryBudgetMs, retryOtherBroker, withTimeout } from './kafkajs-calls.js';
import { tcpProbe } from './probe-listener.js';
import { deniedMessage, readGroups } from './read-groups.js';
import { leakSettings, type BrokerInfo, type ClusterProblem, type ClusterView } from './types.js';

export async function fetchClusterView(options: FetchClusterOptions, connected?: ConnectedAdmin): Promise<ClusterView> {
  const { admin, unreachable, cluster } = connected ?? (await connectAdmin(options));
  const problems: ClusterProblem[] = [];
  try {
    const brokers: BrokerInfo[] = cluster.brokers
      .map((b): BrokerInfo => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: null, isController: b.nodeId === cluster.controller }))
      .sort((a, b) => a.nodeId - b.nodeId);
    // a bootstrap address that answered no metadata request is named, also when it is not advertised
    const config: ClusterView['config'] = {};
    if (options.withConfig !== false) {
      const { ConfigResourceTypes } = await kafkajsModule();
      const timeoutMs = connectionTimeoutOf(options.connection);
      // a broker that takes no TCP connection is named at once, not asked (kafkajs would fail the call)
      const refused = await Promise.all(brokers.map((b) => tcpProbe(b, timeoutMs)));
      for (const [i, b] of brokers.entries()) {
        if (refused[i]) {
          unreachable.push({ what: `broker ${b.nodeId} (${b.host}:${b.port})`, message: refused[i] });
          continue;
        }
        try {
          const ask = () =>
            admin.describeConfigs({
              resources: [{ type: ConfigResourceTypes.BROKER, name: String(b.nodeId), configNames: [...leakSettings, 'broker.rack'] }],
              includeSynonyms: false,
            });
          const r = await withTimeout(retryOtherBroker(ask), retryBudgetMs(timeoutMs), `broker ${b.nodeId}`);
          const entries = r.resources[0]!.configEntries;
          b.rack = entries.find((e) => e.configName === 'broker.rack')?.configValue || null;
          config[b.nodeId] = Object.fromEntries(entries.filter((e) => e.configName !== 'broker.rack').map((e) => [e.configName, e.configValue]));
        } catch (error) {
          // a broker that answered but refused to tell is not unreachable: it is a permission to grant
          if (isConnectionError(error) || (error as Error).name === 'KleakTimeout')
            unreachable.push({ what: `broker ${b.nodeId} (${b.host}:${b.port})`, message: (error as Error).message });
          else problems.push({ what: `settings of broker ${b.nodeId}`, message: deniedMessage(error, 'this principal needs DESCRIBE_CONFIGS on the cluster') });
        }
      }
    }
    const groups = await readGroups(admin, options.groupIds, problems);
    return { takenAt: new Date().toISOString(), clusterId: cluster.clusterId, controller: cluster.controller, brokers, unreachable, config, groups, problems };
  } finally {
    if (!connected) await admin.disconnect().catch(() => {});
  }
}
