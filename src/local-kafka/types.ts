// The local test cluster's shapes: what a launch takes, and the nodes and cluster it hands back.

export interface KafkaClusterOptions {
  /** 1 (default) or 3 nodes on this machine, each broker+controller. */
  nodes?: 1 | 3;
  /**
   * One more PLAINTEXT listener, advertised as is, on an address that is not loopback: the host end of a veth pair
   * to a network namespace the tests made (a pod's view of the broker). One node only.
   */
  podListener?: { host: string; port: number };
  /** Fixed broker ports, one per node (e.g. [9092] by hand); free ports are picked by default. */
  brokerPorts?: number[];
  /** Adds a SASL_PLAINTEXT listener with the PLAIN mechanism and these users (name → password). */
  saslPlainUsers?: Record<string, string>;
  /** SCRAM-SHA-256 and SCRAM-SHA-512 credentials (name → password) on the same SASL_PLAINTEXT listener, stored at format time. */
  scramUsers?: Record<string, string>;
  /** Adds an SSL listener with a self-signed certificate for 127.0.0.1 and localhost (made by keytool); its PEM in cluster.tlsCaFile. */
  tls?: boolean;
  /** Turns ACLs on (StandardAuthorizer). These principals (e.g. 'User:admin') are super users, beside User:ANONYMOUS (the brokers themselves and the PLAINTEXT listener). */
  superUsers?: string[];
  /** Broker settings on top of the defaults, e.g. { 'connections.max.idle.ms': 5000 }. */
  brokerConfig?: Record<string, string | number | boolean>;
  /** Where data dirs and logs go; a fresh temporary folder by default, removed on stop. */
  workDir?: string;
  libDir?: string;
  /** Run Maven when the jars are missing (default true). */
  resolveJars?: boolean;
  startTimeoutMs?: number;
  heapMb?: number;
  log?: (line: string) => void;
}

export interface KafkaNode {
  nodeId: number;
  brokerPort: number;
  /** the SASL_PLAINTEXT listener's port, with saslPlainUsers or scramUsers */
  saslPort?: number;
  /** the SSL listener's port, with tls */
  sslPort?: number;
  /** the SASL_SSL listener's port, with tls and SASL users both */
  saslSslPort?: number;
  controllerPort: number;
  dataDir: string;
  logFile: string;
  /** undefined while the node is stopped */
  pid: number | undefined;
}

export interface KafkaCluster {
  clusterId: string;
  bootstrap: string;
  /** the SASL_PLAINTEXT listeners, with saslPlainUsers or scramUsers */
  saslBootstrap?: string;
  /** the SSL listeners, with tls */
  tlsBootstrap?: string;
  /** the SASL_SSL listeners, with tls and SASL users both */
  saslSslBootstrap?: string;
  /** the brokers' self-signed certificate (PEM), to give kleak as --tls-ca */
  tlsCaFile?: string;
  nodes: KafkaNode[];
  workDir: string;
  /** wall time from launch to the first successful metadata request */
  startupMs: number;
  /** Stops one node: SIGTERM and wait (graceful), or SIGKILL (a crash). */
  stopNode(nodeId: number, how?: 'graceful' | 'kill'): Promise<void>;
  /** Starts a stopped node again on the same ports and data dir. */
  startNode(nodeId: number): Promise<void>;
  /** Stops every node (SIGTERM, SIGKILL after a bound) and removes the work dir. */
  stop(): Promise<void>;
}
