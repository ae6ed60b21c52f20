// Connects kafkajs's admin client once, with every failure explained; the caller disconnects.
import type { Admin } from 'kafkajs';
import { InputError } from '../../errors.js';
import { connectionTimeoutOf, hostPortText, kafkaConfig, type HostPort, type KafkaConnectionOptions } from './connection-options.js';
import { connectError, scrub } from './explain-connect-error.js';
import { isConnectionError, kafkajsModule, retryBudgetMs, retryOtherBroker, withTimeout } from './kafkajs-calls.js';
import { probeListener, tcpProbe } from './probe-listener.js';
import type { ClusterProblem } from './types.js';

/** No bootstrap address accepted a TCP connection (the sockets commands fall back; cluster fails). */
export class UnreachableError extends InputError {}

export interface FetchClusterOptions {
  connection: KafkaConnectionOptions;
  bootstrap: HostPort[];
  /** only these groups (default: all) */
  groupIds?: string[];
  /** settings too (one DescribeConfigs per broker); off for membership-only samples */
  withConfig?: boolean;
}

/** Connects once and returns an admin client, or a clear InputError. Caller disconnects. */
export interface ConnectedAdmin {
  admin: Admin;
  unreachable: ClusterProblem[];
  /** the DescribeCluster answer that proved the connection, for callers to use rather than ask again */
  cluster: Awaited<ReturnType<Admin['describeCluster']>>;
}

export async function connectAdmin(options: FetchClusterOptions): Promise<ConnectedAdmin> {
  const timeoutMs = connectionTimeoutOf(options.connection);
  const problems = await Promise.all(options.bootstrap.map((b) => tcpProbe(b, timeoutMs)));
  const unreachable = options.bootstrap.flatMap((b, i) => (problems[i] ? [{ what: hostPortText(b), message: problems[i] }] : []));
  const reachable = options.bootstrap.filter((_, i) => problems[i] === undefined);
  if (reachable.length === 0) {
    throw new UnreachableError(`No broker answered at ${unreachable.map((u) => `${u.what} (${u.message})`).join(', ')}.`, {
      hint: 'Check --bootstrap (host:port of a Kafka listener), that the cluster is up, and that this host can reach it.',
    });
  }
  const addresses = reachable.map(hostPortText).join(', ');
  // a plaintext client closed on (at ApiVersions, or at Metadata by a SASL listener): ask the first address what it is, to say why
  const explain = async (error: unknown) => {
    const closed = !options.connection.sasl && !options.connection.tls && /Closed connection/i.test((error as Error).message ?? '');
    return connectError(error, addresses, options.connection, closed ? await probeListener(reachable[0]!, timeoutMs) : undefined);
  };
  const { Kafka, logLevel } = await kafkajsModule();
  // kafkajs answers a refused FindCoordinator with "Failed to find group coordinator" and keeps the
  // broker's reason only in a debug log line: that line (and nothing else) is kept, per group
  const coordinatorErrors = new Map<string, { type?: string; message?: string }>();
  const logCreator =
    () =>
    ({ log }: { log: { message?: string; groupId?: string; error?: { type?: string; message?: string } } }) => {
      if (log.message === 'Tried to find group coordinator' && log.groupId && log.error) coordinatorErrors.set(log.groupId, log.error);
    };
  const admin = new Kafka({ ...kafkaConfig({ ...options.connection, bootstrap: reachable.map(hostPortText) }), logLevel: logLevel.DEBUG, logCreator }).admin();
  coordinatorErrorsOf.set(admin, coordinatorErrors);
  try {
    await withTimeout(admin.connect(), timeoutMs + 10_000, addresses);
  } catch (error) {
    await admin.disconnect().catch(() => {});
    throw await explain(error);
  }
  // The seed broker answered. kafkajs sends DescribeCluster's Metadata to a random broker of the pool and
  // fails when that one is down (a dead broker stays in the metadata until its session times out), so
  // a connection error here is about another broker: ask again.
  try {
    const cluster = await withTimeout(
      retryOtherBroker(() => admin.describeCluster()),
      retryBudgetMs(timeoutMs),
      addresses,
    );
    return { admin, unreachable, cluster };
  } catch (error) {
    await admin.disconnect().catch(() => {});
    if (isConnectionError(error)) {
      throw new InputError(
        `The brokers at ${addresses} answered, but no Metadata request went through: ${scrub((error as Error).message, options.connection.sasl ? [options.connection.sasl.password] : [])}.`,
        {
          cause: error,
          hint: 'The cluster advertises broker addresses (advertised.listeners) that this host may not reach; run kleak where they resolve, or use the listener advertised for this network.',
        },
      );
    }
    throw await explain(error);
  }
}

export const coordinatorErrorsOf = new WeakMap<Admin, Map<string, { type?: string; message?: string }>>();
