// Which ip:port endpoints are Kafka brokers: from the cluster's metadata, from --brokers, or the usual ports.
import { lookup } from 'node:dns/promises';
import { Socket } from 'node:net';
import { InputError } from '../../errors.js';
import { endpointKey } from '../process/build-process-sockets.js';
import { defaultPortEndpoints } from '../process/index.js';
import type { BrokerEndpoint, BrokerSource } from '../process/types.js';
import { kafkaConfig, type HostPort, type KafkaConnectionOptions } from './connection-options.js';
import { connectError } from './fetch-cluster.js';

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
    for (const address of addresses) out.push({ address: endpointKey(address, port), ...(/^[\d.:a-f]+$/i.test(host) ? {} : { host }), ...extra });
  }
  return out;
}

function tcpProbe({ host, port }: HostPort, timeoutMs: number): Promise<string | undefined> {
  return new Promise((done) => {
    const socket = new Socket();
    const finish = (problem?: string) => {
      socket.destroy();
      done(problem);
    };
    socket.setTimeout(timeoutMs, () => finish(`timed out after ${timeoutMs} ms`));
    socket.once('error', (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
    socket.connect(port, host, () => finish());
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Brokers advertised by the cluster's metadata (each resolved), plus the bootstrap addresses themselves. */
export async function fetchClusterBrokers(bootstrap: readonly HostPort[], options: Omit<KafkaConnectionOptions, 'bootstrap'> = {}): Promise<BrokerEndpoint[]> {
  const brokers = bootstrap.map((b) => `${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`);
  const { Kafka, logLevel } = await import('kafkajs'); // loaded only when a cluster is asked
  const admin = new Kafka({ ...kafkaConfig({ ...options, bootstrap: brokers }), logLevel: logLevel.NOTHING }).admin();
  try {
    await withTimeout(admin.connect(), 10_000, brokers.join(','));
    const cluster = await withTimeout(admin.describeCluster(), 10_000, brokers.join(','));
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
export async function attributeBrokers(args: { bootstrap?: HostPort[]; brokers?: HostPort[]; connection?: Omit<KafkaConnectionOptions, 'bootstrap'> }): Promise<BrokerAttribution> {
  const flagged = args.brokers ? await resolveEndpoints(args.brokers) : undefined;
  if (args.bootstrap) {
    const problems = await Promise.all(args.bootstrap.map((b) => tcpProbe(b, args.connection?.connectionTimeoutMs ?? 3000)));
    const reachable = args.bootstrap.filter((_, i) => problems[i] === undefined);
    if (reachable.length > 0) {
      try {
        return { source: 'cluster', endpoints: await fetchClusterBrokers(reachable, args.connection), warnings: [] };
      } catch (cause) {
        throw connectError(cause, reachable.map((b) => `${b.host}:${b.port}`).join(', '), args.connection ?? {});
      }
    }
    const tried = args.bootstrap.map((b, i) => `${b.host}:${b.port} (${problems[i]})`).join(', ');
    const fallback = flagged ?? [...(await resolveEndpoints(args.bootstrap).catch(() => [])), ...defaultPortEndpoints()];
    return {
      source: flagged ? 'flag' : 'default-ports',
      endpoints: fallback,
      warnings: [`the cluster could not be reached at ${tried}; brokers are attributed by ${flagged ? '--brokers' : 'the bootstrap addresses and the usual Kafka ports 9092-9094'} instead`],
    };
  }
  if (flagged) return { source: 'flag', endpoints: flagged, warnings: [] };
  return { source: 'default-ports', endpoints: defaultPortEndpoints(), warnings: [] };
}
