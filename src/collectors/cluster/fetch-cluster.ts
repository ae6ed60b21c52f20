// The cluster's view through kafkajs's admin client: brokers, the settings that shape leaks, consumer
// groups and their members. The only file of this collector (with fetch-broker-endpoints) that talks to Kafka.
import { Socket } from 'node:net';
import type { Admin } from 'kafkajs';
import { InputError } from '../../errors.js';
import { connectionTimeoutOf, hostPortText, kafkaConfig, type HostPort, type KafkaConnectionOptions } from './connection-options.js';

export const leakSettings = [
  'connections.max.idle.ms',
  'max.connections.per.ip',
  'max.connections',
  'group.min.session.timeout.ms',
  'group.max.session.timeout.ms',
] as const;

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  /** broker.rack, read with the broker's settings (kafkajs's DescribeCluster drops it); null when unset or unreadable */
  rack: string | null;
  isController: boolean;
}

export interface GroupMember {
  memberId: string;
  clientId: string;
  clientHost: string;
  /** topic → assigned partitions */
  assignment: Record<string, number[]>;
  partitionCount: number;
  /** topics the member subscribed to (from its join metadata) */
  subscribedTopics: string[];
}

export interface GroupInfo {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: GroupMember[];
  membersPerHost: Record<string, number>;
  membersPerClientId: Record<string, number>;
  membersWithoutPartitions: number;
  /** partitions of the subscribed topics: the most members that can ever get one */
  subscribedPartitions: number | null;
}

export interface ClusterProblem {
  what: string;
  message: string;
}

export interface ClusterView {
  takenAt: string;
  clusterId: string;
  controller: number | null;
  brokers: BrokerInfo[];
  /** bootstrap addresses or brokers that did not answer */
  unreachable: ClusterProblem[];
  /** per broker node id: the settings in leakSettings */
  config: Record<string, Partial<Record<(typeof leakSettings)[number], string>>>;
  groups: GroupInfo[];
  /** what could not be read (denied, timed out), while the rest was */
  problems: ClusterProblem[];
}

/** kafkajs is CommonJS: some of its exports are only on the default export when imported. */
async function kafkajsModule(): Promise<typeof import('kafkajs')> {
  const m = (await import('kafkajs')) as typeof import('kafkajs') & { default?: typeof import('kafkajs') };
  return m.default ?? m;
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

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(Object.assign(new Error(`${what} did not answer within ${ms} ms`), { name: 'KleakTimeout' })), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Removes every secret from a message, whatever library or peer produced it. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

/** What a listener that closed a plaintext Kafka client is, from its answer to a bare ApiVersions request. */
export type ListenerKind = 'kafka' | 'http' | 'tls' | 'silent' | 'other';

/**
 * Sends one ApiVersions v0 request (which every Kafka listener answers before SASL authentication) and
 * reads the first bytes back: Kafka (the correlation id comes back), HTTP (a status line), a TLS alert
 * record (a TLS listener answers garbage with one and closes), or nothing. Bounded by timeoutMs.
 */
export function probeListener({ host, port }: HostPort, timeoutMs: number): Promise<ListenerKind> {
  return new Promise((done) => {
    const socket = new Socket();
    let got = Buffer.alloc(0);
    const finish = (kind: ListenerKind) => {
      socket.destroy();
      done(kind);
    };
    const clientId = Buffer.from('kleak');
    const request = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
    request.writeInt32BE(request.length - 4, 0);
    request.writeInt16BE(18, 4); // ApiVersions
    request.writeInt16BE(0, 6);
    request.writeInt32BE(0x6b6c6561, 8); // correlation id
    request.writeInt16BE(clientId.length, 12);
    clientId.copy(request, 14);
    socket.setTimeout(timeoutMs, () => finish(got.length ? 'other' : 'silent'));
    socket.once('error', () => finish(got.length ? 'other' : 'silent'));
    socket.once('close', () => finish(got.length ? 'other' : 'silent'));
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.subarray(0, 5).toString('latin1') === 'HTTP/') finish('http');
      else if (got[0] === 0x15 && got[1] === 0x03) finish('tls'); // alert record, TLS 1.x
      else if (got.length >= 8) finish(got.readInt32BE(4) === 0x6b6c6561 ? 'kafka' : 'other');
    });
    socket.connect(port, host, () => socket.write(request));
  });
}

/** Maps kafkajs's connection errors to one clear answer (no secret in it). */
export function connectError(error: unknown, addresses: string, options: Omit<KafkaConnectionOptions, 'bootstrap'>, listener?: ListenerKind): InputError {
  const e = error as { name?: string; message?: string; cause?: { message?: string } };
  const secrets = options.sasl ? [options.sasl.password] : [];
  const base = e.message ?? String(error);
  const message = scrub(`${base}${e.cause?.message && !base.includes(e.cause.message) ? ` (${e.cause.message})` : ''}`, secrets);
  if (e.name === 'KafkaJSSASLAuthenticationError' || /SASL .*authentication failed|Authentication failed/i.test(message)) {
    return new InputError(`SASL ${options.sasl?.mechanism ?? ''} authentication as "${options.sasl?.username ?? '?'}" failed at ${addresses}.`, {
      cause: new Error(message),
      hint: 'Check the username, the password (KLEAK_SASL_PASSWORD) and --sasl-mechanism against the listener.',
    });
  }
  if (options.sasl && (/ILLEGAL_SASL_STATE/.test((error as { type?: string }).type ?? '') || /not valid given the current SASL state/.test(message))) {
    return new InputError(`${addresses} answered as Kafka but takes no SASL there: it is not a SASL listener.`, {
      cause: new Error(message),
      hint: "Drop --sasl-mechanism for this listener, or give the port of the cluster's SASL listener.",
    });
  }
  if (options.sasl && /does not support the requested SASL mechanism|UNSUPPORTED_SASL_MECHANISM/.test(`${message} ${(error as { type?: string }).type ?? ''}`)) {
    return new InputError(`${addresses} does not enable SASL ${options.sasl.mechanism} on this listener.`, {
      cause: new Error(message),
      hint: 'Use a mechanism the listener enables (its sasl.enabled.mechanisms): plain, scram-sha-256 or scram-sha-512.',
    });
  }
  if (!options.sasl && !options.tls && /Closed connection/i.test(message) && (listener === 'kafka' || listener === 'tls' || listener === 'silent')) {
    return listener === 'kafka'
      ? new InputError(`${addresses} is a Kafka listener that wants SASL: it answered ApiVersions and closed the connection at the Metadata request.`, {
          cause: new Error(message),
          hint: 'Give --sasl-mechanism, --sasl-username and the password in KLEAK_SASL_PASSWORD.',
        })
      : new InputError(`${addresses} accepted a TCP connection and closed it, answering Kafka's ApiVersions request ${listener === 'tls' ? 'with a TLS alert: it is a TLS listener' : 'with nothing: a TLS listener does that to a plaintext client'}.`, {
          cause: new Error(message),
          hint: 'Give --tls (and --tls-ca for a private CA), or check that this is a Kafka listener.',
        });
  }
  if (options.tls && /TLS|SSL|secure|certificate|wrong version|handshake|EPROTO/i.test(message)) {
    return new InputError(`The TLS handshake with ${addresses} failed.`, {
      cause: new Error(message),
      hint: 'Check that this listener speaks TLS, the CA (--tls-ca), and the client certificate; --insecure skips verification (only when you mean it).',
    });
  }
  if (options.tls && /timed out|did not answer|Connection timeout/i.test(message)) {
    return new InputError(`${addresses} did not complete a TLS connection.`, { cause: new Error(message), hint: 'Is this a TLS listener? Without --tls kleak speaks plaintext.' });
  }
  return new InputError(`${addresses} accepted a TCP connection but did not answer as a Kafka broker${listener === 'http' ? ': it answered in HTTP' : ''}.`, {
    cause: new Error(message),
    hint: 'Check that --bootstrap names a Kafka listener (not an HTTP or admin port), and that the TLS/SASL options match the listener.',
  });
}

function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

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
  const unreachable = options.bootstrap.flatMap((b, i) => (problems[i] ? [{ what: hostPortText(b), message: problems[i]! }] : []));
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
  const logCreator = () => ({ log }: { log: { message?: string; groupId?: string; error?: { type?: string; message?: string } } }) => {
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
    const cluster = await withTimeout(retryOtherBroker(() => admin.describeCluster()), retryBudgetMs(timeoutMs), addresses);
    return { admin, unreachable, cluster };
  } catch (error) {
    await admin.disconnect().catch(() => {});
    if (isConnectionError(error)) {
      throw new InputError(`The brokers at ${addresses} answered, but no Metadata request went through: ${scrub((error as Error).message, options.connection.sasl ? [options.connection.sasl.password] : [])}.`, {
        cause: error,
        hint: 'The cluster advertises broker addresses (advertised.listeners) that this host may not reach; run kleak where they resolve, or use the listener advertised for this network.',
      });
    }
    throw await explain(error);
  }
}

const coordinatorErrorsOf = new WeakMap<Admin, Map<string, { type?: string; message?: string }>>();

/** kafkajs's error for a broker that did not accept a connection (refused, timed out, reset). */
export function isConnectionError(error: unknown): boolean {
  const e = error as { name?: string; message?: string } | undefined;
  return e?.name === 'KafkaJSConnectionError' || e?.name === 'KafkaJSBrokerNotFound' || /^Connection (error|timeout)/.test(e?.message ?? '');
}

/**
 * Runs a kafkajs admin call again when it failed to connect to the broker kafkajs picked: kafkajs picks
 * a random broker (or the "controller", which KRaft names at random per Metadata answer), so a dead
 * broker of three fails a call one time in three. Bounded: `attempts` tries, no wait between them.
 */
/** How long a call with retryOtherBroker may take in all: a few connection timeouts and request round trips. */
const retryBudgetMs = (connectionTimeoutMs: number) => 4 * (connectionTimeoutMs + 2000);

export async function retryOtherBroker<T>(call: () => Promise<T>, attempts = 8): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await call();
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      last = error;
    }
  }
  throw last;
}

/** A problem that is a denial (deniedMessage's wording), not a failure. */
export const isDenied = (problem: ClusterProblem) => problem.message.startsWith('denied (');

/** What a denial means and what to grant, for the report; other errors as they are. */
export function deniedMessage(error: unknown, grant: string): string {
  const e = error as { type?: string; message?: string };
  const message = e?.message ?? String(error);
  return /AUTHORIZATION_FAILED$/.test(e?.type ?? '') || /authorization failed|Not authorized/i.test(message) ? `denied (${e.type ?? message}): ${grant}` : message;
}

/**
 * DescribeGroups for all groups at once; when that fails (kafkajs fails the whole call on the first
 * denied or unknown group), each group alone, so the groups that can be read still are.
 */
async function describeEachGroup(admin: Admin, ids: string[], problems: ClusterProblem[]): Promise<Awaited<ReturnType<Admin['describeGroups']>>> {
  const grant = 'this principal needs DESCRIBE on the group';
  // the broker's own reason when kafkajs only says it found no coordinator
  const reason = (id: string, error: unknown) => ((error as Error).name === 'KafkaJSGroupCoordinatorNotFound' ? (coordinatorErrorsOf.get(admin)?.get(id) ?? error) : error);
  try {
    return await withTimeout(retryOtherBroker(() => admin.describeGroups(ids)), 30_000, 'DescribeGroups');
  } catch (error) {
    if (ids.length === 1 || isConnectionError(error) || (error as Error).name === 'KleakTimeout') {
      problems.push({ what: ids.length === 1 ? `group ${ids[0]}` : `DescribeGroups ${ids.join(', ')}`, message: deniedMessage(ids.length === 1 ? reason(ids[0]!, error) : error, grant) });
      return { groups: [] };
    }
  }
  const groups: Awaited<ReturnType<Admin['describeGroups']>>['groups'] = [];
  for (const id of ids) {
    try {
      groups.push(...(await withTimeout(retryOtherBroker(() => admin.describeGroups([id])), 15_000, `DescribeGroups ${id}`)).groups);
    } catch (error) {
      problems.push({ what: `group ${id}`, message: deniedMessage(reason(id, error), grant) });
    }
  }
  return { groups };
}

export async function readGroups(admin: Admin, groupIds: string[] | undefined, problems: ClusterProblem[]): Promise<GroupInfo[]> {
  const { AssignerProtocol } = await kafkajsModule();
  let ids = groupIds;
  if (!ids) {
    try {
      ids = (await withTimeout(admin.listGroups(), 15_000, 'ListGroups')).groups.map((g) => g.groupId);
    } catch (error) {
      // kafkajs asks every broker of the metadata in turn: one broker down and no group is listed
      const why = isConnectionError(error) ? ` (groups are listed by asking every broker; name them with --group to read them from their coordinators)` : '';
      problems.push({ what: 'ListGroups', message: `${(error as Error).message}${why}` });
      return [];
    }
  }
  if (ids.length === 0) return [];
  const described = await describeEachGroup(admin, ids, problems);
  const groups: GroupInfo[] = [];
  const topicPartitions = new Map<string, number | null>();
  for (const g of described.groups) {
    if ((g as { errorCode?: number }).errorCode) {
      problems.push({ what: `group ${g.groupId}`, message: `error code ${(g as { errorCode?: number }).errorCode}` });
      continue;
    }
    const members: GroupMember[] = g.members.map((m) => {
      let assignment: Record<string, number[]> = {};
      let subscribedTopics: string[] = [];
      try {
        assignment = m.memberAssignment?.length ? (AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {}) : {};
      } catch {
        // a non-consumer protocol (connect workers): no partition assignment to read
      }
      try {
        subscribedTopics = m.memberMetadata?.length ? (AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? []) : [];
      } catch {
        // not the consumer protocol
      }
      return {
        memberId: m.memberId,
        clientId: m.clientId,
        clientHost: m.clientHost.replace(/^\//, ''),
        assignment,
        partitionCount: Object.values(assignment).reduce((n, p) => n + p.length, 0),
        subscribedTopics,
      };
    });
    const topics = [...new Set(members.flatMap((m) => m.subscribedTopics))];
    for (const t of topics) {
      if (topicPartitions.has(t)) continue;
      try {
        const meta = await withTimeout(retryOtherBroker(() => admin.fetchTopicMetadata({ topics: [t] })), 20_000, 'Metadata');
        topicPartitions.set(t, meta.topics[0]?.partitions.length ?? null);
      } catch {
        topicPartitions.set(t, null);
      }
    }
    const counts = topics.map((t) => topicPartitions.get(t));
    groups.push({
      groupId: g.groupId,
      state: g.state,
      protocolType: g.protocolType,
      protocol: g.protocol,
      members: members.sort((a, b) => a.clientHost.localeCompare(b.clientHost) || a.memberId.localeCompare(b.memberId)),
      membersPerHost: countBy(members, (m) => m.clientHost),
      membersPerClientId: countBy(members, (m) => m.clientId),
      membersWithoutPartitions: members.filter((m) => m.partitionCount === 0).length,
      subscribedPartitions: counts.length && counts.every((c) => typeof c === 'number') ? (counts as number[]).reduce((a, b) => a + b, 0) : null,
    });
  }
  return groups.sort((a, b) => a.groupId.localeCompare(b.groupId));
}

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
          unreachable.push({ what: `broker ${b.nodeId} (${b.host}:${b.port})`, message: refused[i]! });
          continue;
        }
        try {
          const ask = () => admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: String(b.nodeId), configNames: [...leakSettings, 'broker.rack'] }], includeSynonyms: false });
          const r = await withTimeout(retryOtherBroker(ask), retryBudgetMs(timeoutMs), `broker ${b.nodeId}`);
          const entries = r.resources[0]!.configEntries;
          b.rack = entries.find((e) => e.configName === 'broker.rack')?.configValue || null;
          config[b.nodeId] = Object.fromEntries(entries.filter((e) => e.configName !== 'broker.rack').map((e) => [e.configName, e.configValue]));
        } catch (error) {
          // a broker that answered but refused to tell is not unreachable: it is a permission to grant
          if (isConnectionError(error) || (error as Error).name === 'KleakTimeout') unreachable.push({ what: `broker ${b.nodeId} (${b.host}:${b.port})`, message: (error as Error).message });
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
