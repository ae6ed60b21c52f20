// Consumer groups through the admin client: listed, described one by one where a denial needs it, members decoded.
import type * as KafkaJs from 'kafkajs';
import type { Admin } from 'kafkajs';
import { errorFields } from '../../errors.js';
import { coordinatorErrorsOf } from './connect-admin.js';
import { isConnectionError, kafkajsModule, retryOtherBroker, withTimeout } from './kafkajs-calls.js';
import type { ClusterProblem, GroupInfo, GroupMember } from './types.js';

/** A problem that is a denial (deniedMessage's wording), not a failure. */
export const isDenied = (problem: ClusterProblem) => problem.message.startsWith('denied (');

/** What a denial means and what to grant, for the report; other errors as they are. */
export function deniedMessage(error: unknown, grant: string): string {
  const e = errorFields(error);
  const message = e.message;
  return /AUTHORIZATION_FAILED$/.test(e.type ?? '') || /authorization failed|Not authorized/i.test(message)
    ? `denied (${e.type ?? message}): ${grant}`
    : message;
}

function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

/**
 * DescribeGroups for all groups at once; when that fails (kafkajs fails the whole call on the first
 * denied or unknown group), each group alone, so the groups that can be read still are.
 */
async function describeEachGroup(admin: Admin, ids: string[], problems: ClusterProblem[]): Promise<Awaited<ReturnType<Admin['describeGroups']>>> {
  const grant = 'this principal needs DESCRIBE on the group';
  // the broker's own reason when kafkajs only says it found no coordinator
  const reason = (id: string, error: unknown) =>
    (error as Error).name === 'KafkaJSGroupCoordinatorNotFound' ? (coordinatorErrorsOf.get(admin)?.get(id) ?? error) : error;
  try {
    return await withTimeout(
      retryOtherBroker(() => admin.describeGroups(ids)),
      30_000,
      'DescribeGroups',
    );
  } catch (error) {
    if (ids.length === 1 || isConnectionError(error) || (error as Error).name === 'KleakTimeout') {
      problems.push({
        what: ids.length === 1 ? `group ${ids[0]}` : `DescribeGroups ${ids.join(', ')}`,
        message: deniedMessage(ids.length === 1 ? reason(ids[0]!, error) : error, grant),
      });
      return { groups: [] };
    }
  }
  const groups: Awaited<ReturnType<Admin['describeGroups']>>['groups'] = [];
  for (const id of ids) {
    try {
      groups.push(
        ...(
          await withTimeout(
            retryOtherBroker(() => admin.describeGroups([id])),
            15_000,
            `DescribeGroups ${id}`,
          )
        ).groups,
      );
    } catch (error) {
      problems.push({ what: `group ${id}`, message: deniedMessage(reason(id, error), grant) });
    }
  }
  return { groups };
}

type Protocol = typeof KafkaJs.AssignerProtocol;
type DescribedMember = Awaited<ReturnType<Admin['describeGroups']>>['groups'][number]['members'][number];

/**
 * One member as the report shows it: its assignment and subscription decoded with the consumer protocol
 * when they are in it (another protocol, or bytes that do not decode, give none), every field checked.
 */
export function toGroupMember(m: DescribedMember, protocol: Protocol): GroupMember {
  const decode = <T>(read: () => T | undefined | null): T | undefined => {
    try {
      return read() ?? undefined;
    } catch {
      return undefined; // a non-consumer protocol (connect workers), or damaged bytes
    }
  };
  const rawAssignment = m.memberAssignment?.length ? decode(() => protocol.MemberAssignment.decode(m.memberAssignment)?.assignment) : undefined;
  const assignment: Record<string, number[]> = {};
  if (rawAssignment && typeof rawAssignment === 'object') {
    for (const [topic, partitions] of Object.entries(rawAssignment as Record<string, unknown>)) {
      if (Array.isArray(partitions)) assignment[topic] = partitions.filter((p): p is number => Number.isInteger(p));
    }
  }
  const rawTopics = m.memberMetadata?.length ? decode(() => protocol.MemberMetadata.decode(m.memberMetadata)?.topics) : undefined;
  const subscribedTopics = Array.isArray(rawTopics) ? rawTopics.filter((t): t is string => typeof t === 'string') : [];
  return {
    memberId: String(m.memberId),
    clientId: String(m.clientId),
    clientHost: String(m.clientHost).replace(/^\//, ''),
    assignment,
    partitionCount: Object.values(assignment).reduce((n, p) => n + p.length, 0),
    subscribedTopics,
  };
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
    const members: GroupMember[] = g.members.map((m) => toGroupMember(m, AssignerProtocol));
    const topics = [...new Set(members.flatMap((m) => m.subscribedTopics))];
    for (const t of topics) {
      if (topicPartitions.has(t)) continue;
      try {
        const meta = await withTimeout(
          retryOtherBroker(() => admin.fetchTopicMetadata({ topics: [t] })),
          20_000,
          'Metadata',
        );
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
      subscribedPartitions: counts.length && counts.every((c) => typeof c === 'number') ? counts.reduce((a, b) => a + b, 0) : null,
    });
  }
  return groups.sort((a, b) => a.groupId.localeCompare(b.groupId));
}
