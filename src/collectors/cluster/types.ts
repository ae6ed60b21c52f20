// The cluster collector's evidence: brokers, settings, groups and members, membership over time.

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

export interface MembershipEvent {
  atMs: number;
  groupId: string;
  kind: 'join' | 'leave';
  memberId: string;
  clientId: string;
  clientHost: string;
}

export interface Membership {
  intervalMs: number;
  samples: Array<{ atMs: number; members: Record<string, number> }>;
  events: MembershipEvent[];
}

export interface LocalProcesses {
  pids: number[];
  alive: number[];
  gone: number[];
  /** this host's addresses (interfaces and loopback names): a member whose client host is one of them is from here */
  addresses: string[];
}

export interface ClusterEvidence {
  view: ClusterView;
  membership?: Membership;
  local?: LocalProcesses;
}
