// What kleak top reads from a host: the processes with broker sockets, per broker and state.
import type { Library } from '../../types.js';
import type { ClientVersion } from '../../signatures/types.js';
import type { BrokerEndpoint, BrokerSource, JvmClientThreads, Runtime } from '../process/types.js';

export interface HostProcess {
  pid: number;
  command: string;
  runtime: Runtime;
  /** when it is known from outside: a librdkafka binding (maps, threads), a Go client (build info) */
  library?: Library;
  /** the container or pod the process runs in, from /proc/PID/cgroup; null on the host itself */
  container: string | null;
  /** the network namespace (its /proc/PID/ns/net link): a pod's processes share one */
  netns: string;
  fds: number;
  fdLimit: number | null;
  brokers: Array<{ address: string; established: number; closeWait: number; other: number }>;
  totals: { established: number; closeWait: number; other: number };
  /** with --watch: ESTABLISHED broker connections since the previous sample */
  growth?: number;
  /** a JVM: its Kafka client threads by kind */
  jvmClients?: JvmClientThreads;
  /** the Kafka client libraries it runs, their versions and known leak bugs */
  versions?: ClientVersion[];
}

export interface HostTop {
  takenAt: string;
  /** how the namespaces' TCP tables were read: sock_diag (ss, filtered in the kernel), /proc, or some each way */
  method: 'sock_diag' | '/proc' | 'mixed';
  brokerSource: BrokerSource;
  brokerEndpoints: BrokerEndpoint[];
  /** network namespaces seen, and those with at least one broker socket (only their processes' fds are read) */
  namespaces: number;
  namespacesWithBrokers: number;
  processesScanned: number;
  /** sockets to the brokers in all namespaces, attributed to a process or not */
  brokerSockets: number;
  /** broker sockets whose process kleak could not read (another user's, without CAP_SYS_PTRACE): counted, not attributed */
  unattributedBrokerSockets: number;
  processes: HostProcess[];
  /**
   * kleak export and top --watch: namespaces not read again at this look, their TCP counters, processes and fd
   * counts as at their last read (a full read every 10th look in any case)
   */
  namespacesUnchanged?: number;
  durationMs: number;
  warnings: string[];
}
