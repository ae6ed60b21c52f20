// The socket view of one or more processes, as the sockets collector builds it.
import type { ClientVersion } from '../../signatures/types.js';

export const tcpStates = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
] as const;
export type TcpState = (typeof tcpStates)[number];

export interface TcpSocket {
  inode: number;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  state: TcpState;
  sendQueueBytes: number;
  receiveQueueBytes: number;
}

export type BrokerSource = 'cluster' | 'flag' | 'default-ports';

export interface BrokerEndpoint {
  /** ip:port as the socket table shows it */
  address: string;
  nodeId?: number;
  /** the name the broker was known by, when it differs from the address */
  host?: string;
}

export interface BrokerConnections {
  address: string;
  nodeId?: number;
  host?: string;
  established: number;
  states: Partial<Record<TcpState, number>>;
  sendQueueBytes: number;
  receiveQueueBytes: number;
}

export type Runtime = 'go' | 'node' | 'java' | 'python' | 'unknown';

export interface ProcessTotals {
  fds: number;
  fdLimit: number | null;
  sockets: number;
  tcpSockets: number;
  brokerSockets: number;
  brokerEstablished: number;
  brokerCloseWait: number;
  nonBrokerSockets: number;
}

export interface ProcessSockets {
  pid: number;
  command: string;
  exe: string | null;
  runtime: Runtime;
  threads: number | null;
  rssBytes: number | null;
  cpuPercent: number | null;
  /** TCP ports the process listens on (where its HTTP and pprof endpoints may be) */
  listenPorts: number[];
  brokers: BrokerConnections[];
  totals: ProcessTotals;
  /** TCP sockets not to brokers, by peer ("127.0.0.1:8199", or ":8080 in" for connections to a port it listens on) */
  peers?: Record<string, number>;
  /** a JVM: its Kafka client threads by kind, epoll fds, jvmstat thread counters and the kafka-clients version */
  jvm?: JvmLook;
  /** the Kafka client libraries it uses, with their versions and known leak bugs (from its binary, package.json, jars, site-packages) */
  libraries?: ClientVersion[];
  /** a Python interpreter: its version and the virtualenv it runs in */
  python?: PythonLook;
}

/** What /proc and the file system tell of a Python process, without attaching. */
export interface PythonLook {
  /** "3.11.7" from the virtualenv's pyvenv.cfg, else "3.11" from the interpreter's name */
  version?: string;
  /** the virtualenv's directory (the command line's interpreter, with a pyvenv.cfg beside its bin/) */
  virtualenv?: string;
  /** with --stacks --yes: its threads and their Python stacks (py-spy) */
  stacks?: PythonStacks;
}

export interface PythonThread {
  name: string;
  /** the OS thread id (its /proc/PID/task entry) */
  tid?: number;
  /** innermost first */
  frames: Array<{ function: string; file: string; line: number }>;
}

/** What py-spy read of a Python process: its threads, and the Kafka client threads among them by kind. */
export interface PythonStacks {
  /** "py-spy 0.4.3" */
  tool: string;
  threads: PythonThread[];
  clients: Array<{ library: 'kafka-python'; kind: string; threads: number; names: string[] }>;
  /** with a drive: where the service built Kafka clients while kleak sampled its stacks (py-spy record) */
  constructors?: PythonConstructorSite[];
}

/** A line of the service that built a Kafka client, from stacks sampled inside the library's constructor. */
export interface PythonConstructorSite {
  library: 'kafka-python' | 'aiokafka';
  /** "KafkaConsumer.__init__", "AIOKafkaProducer.start" */
  constructor: string;
  file: string;
  line: number;
  function: string;
  samples: number;
}

export interface SocketInventory {
  takenAt: string;
  brokerSource: BrokerSource;
  brokerEndpoints: BrokerEndpoint[];
  /** how the TCP tables were read: the kernel's sock_diag (through ss, filtered in the kernel) or /proc/PID/net/tcp */
  method: 'sock_diag' | '/proc';
  processes: ProcessSockets[];
  totals: ProcessTotals;
  warnings: string[];
}

export interface SocketsRequest {
  pids: number[];
  /** add every descendant of the given pids */
  children?: boolean;
  endpoints: BrokerEndpoint[];
  brokerSource: BrokerSource;
  warnings?: string[];
  /** CPU and RSS through pidusage (default true) */
  usage?: boolean;
}

/** Kafka client threads of a JVM, by kind (the names of kafka-clients 1.0 to 4.x, cut to 15 bytes). */
export interface JvmClientThreads {
  /** "kafka-producer-network-thread | <client.id>": one per KafkaProducer */
  producers: number;
  /** "kafka-admin-client-thread | <client.id>": one per Admin */
  admins: number;
  /** "kafka-coordinator-heartbeat-thread | <group>": one per classic consumer that joined its group */
  consumers: number;
  /** "consumer_background_thread": one per consumer of the new protocol (group.protocol=consumer) or share consumer */
  asyncConsumers: number;
}

/** The jvmstat counters kleak reads: threads started since the JVM began (a running total), live, daemon. */
export interface JvmThreadCounters {
  started: number;
  live: number;
  daemon: number;
}

/** What /proc tells of a JVM: its Kafka client threads, its epoll fds (one per java.nio Selector), open jars. */
export interface JvmLook {
  threads: JvmClientThreads;
  /** anon_inode:[eventpoll] fds: one per Kafka client's Selector, and one per other NIO selector (an HTTP server's) */
  selectors: number;
  counters?: JvmThreadCounters;
  kafkaClients?: string;
  springKafka?: string;
  /** with --attach --yes: what the JVM's own diagnostic commands said */
  attach?: JvmAttachLook;
}

/** A Kafka client thread as Thread.print names it whole. */
export interface JvmClientThread {
  kind: 'producer' | 'admin' | 'consumer' | 'consumer (new protocol)';
  /** the client id after " | " (the group for a heartbeat thread); absent for consumer_background_thread */
  clientId?: string;
}

/** What a JVM says of its Kafka clients through the HotSpot attach protocol (Thread.print, GC.class_histogram). */
export interface JvmAttachLook {
  /** Thread.print: the Kafka client threads, with their client ids */
  clients: JvmClientThread[];
  /** the highest N of the default ids producer-N and adminclient-N: at least that many were built in this JVM */
  builtAtLeast: { producers: number; admins: number; consumers: number };
  /** GC.class_histogram (after the full GC it forces): Kafka classes → instances and bytes */
  histogram: Record<string, { instances: number; bytes: number }>;
  /** kleak started the JVM's attach listener (SIGQUIT): its thread and socket stay for the JVM's life */
  listenerStarted: boolean;
}
