// Which ip:port endpoints are Kafka brokers: from the cluster's metadata, from --brokers, or the usual ports.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { InputError } from '../../errors.js';
import { endpointKey } from '../process/build-process-sockets.js';
import { defaultPortEndpoints } from '../process/index.js';
import type { BrokerEndpoint, BrokerSource } from '../process/types.js';
import { hostPortText, type HostPort, type KafkaConnectionOptions } from './connection-options.js';
import { connectAdmin, UnreachableError } from './connect-admin.js';

export interface BrokerAttribution {
  source: BrokerSource;
  endpoints: BrokerEndpoint[];
  warnings: string[];
}

/** Every address a host name resolves to, as ip:port endpoints. */
export async function resolveEndpoints(hosts: readonly HostPort[], extra: Partial<BrokerEndpoint> = {}): Promise<BrokerEndpoint[]> {
  const out: BrokerEndpoint[] = [];
  for (const { host, port } of hosts) {
    let addresses: string[];
    try {
      addresses = (await lookup(host, { all: true })).map((a) => a.address);
    } catch (cause) {
      throw new InputError(`Cannot resolve broker host "${host}".`, { cause, hint: 'Check the name, or give IP addresses.' });
    }
    for (const address of addresses) out.push({ address: endpointKey(address, port), ...(isIP(host) ? {} : { host }), ...extra });
  }
  return out;
}

/** Brokers advertised by the cluster's metadata (each resolved), plus the bootstrap addresses themselves. */
export async function fetchClusterBrokers(bootstrap: readonly HostPort[], options: Omit<KafkaConnectionOptions, 'bootstrap'> = {}): Promise<BrokerEndpoint[]> {
  // the same connection code as kleak cluster: one way to reach, authenticate and explain failures
  const { admin, cluster } = await connectAdmin({
    connection: { ...options, bootstrap: bootstrap.map(hostPortText) },
    bootstrap: [...bootstrap],
    withConfig: false,
  });
  try {
    const endpoints: BrokerEndpoint[] = [];
    for (const b of cluster.brokers) endpoints.push(...(await resolveEndpoints([{ host: b.host, port: b.port }], { nodeId: b.nodeId })));
    // a seed connection can go to an address no broker advertises (a load balancer, a DNS alias)
    for (const e of await resolveEndpoints(bootstrap)) if (!endpoints.some((x) => x.address === e.address)) endpoints.push(e);
    return endpoints;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * --bootstrap → the cluster's metadata; unreachable → falls back (with a warning) to --brokers or the
 * usual ports plus the bootstrap addresses; reachable but not Kafka → InputError.
 */
export async function attributeBrokers(args: {
  bootstrap?: HostPort[];
  brokers?: HostPort[];
  connection?: Omit<KafkaConnectionOptions, 'bootstrap'>;
}): Promise<BrokerAttribution> {
  const flagged = args.brokers ? await resolveEndpoints(args.brokers) : undefined;
  if (args.bootstrap) {
    let tried: string;
    try {
      return { source: 'cluster', endpoints: await fetchClusterBrokers(args.bootstrap, args.connection), warnings: [] };
    } catch (error) {
      if (!(error instanceof UnreachableError)) throw error;
      tried = error.message.replace(/^No broker answered at /, '').replace(/\.$/, '');
    }
    const fallback = flagged ?? [...(await resolveEndpoints(args.bootstrap).catch(() => [])), ...defaultPortEndpoints()];
    return {
      source: flagged ? 'flag' : 'default-ports',
      endpoints: fallback,
      warnings: [
        `the cluster could not be reached at ${tried}; brokers are attributed by ${flagged ? '--brokers' : 'the bootstrap addresses and the usual Kafka ports 9092-9094'} instead`,
      ],
    };
  }
  if (flagged) return { source: 'flag', endpoints: flagged, warnings: [] };
  return { source: 'default-ports', endpoints: defaultPortEndpoints(), warnings: [] };
}
