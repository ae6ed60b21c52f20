// The V8 heap collector's evidence: live kafkajs objects, pinned record buffers, top retainers.

export interface KafkaObjects {
  /** new Kafka() instances (class Client with kafkajs's private createCluster symbol) */
  clients: number;
  /** one per producer(), consumer() or admin() */
  clusters: number;
  brokers: number;
  connections: number;
  /** connections whose socket still has a TCP handle */
  liveSockets: number;
  /** connections with a request-timeout interval (a connected, never disconnected Connection) */
  requestTimers: number;
}

/** Where the service created kafkajs clients whose connections are alive, as kleak/agent recorded it. */
export interface CreationSite {
  file: string;
  line: number;
  column: number;
  function: string;
  /** live-socket connections opened by clients created there */
  liveConnections: number;
}

export interface PinnedGroup {
  /** the retainer path from the roots to the kept messages, abstracted: "kept (Array) → [i] → Object.value → Buffer → ArrayBuffer" */
  path: string;
  messages: number;
  buffers: number;
  bytes: number;
  typicalBufferBytes: number;
  /** the variable that keeps the messages and the function whose scope it is in, from the snapshot's closures */
  owner?: PinnedOwner;
}

export interface PinnedOwner {
  /** the variable in the closure's scope: kept, cache */
  variable: string;
  /** what it is: Array, Map, Object */
  container: string;
  function: string;
  /** the script, as V8 names it (a path, or a file:// URL for ES modules) */
  file: string;
  /** 1-based */
  line: number;
  column: number;
}

export interface HeapAnalysis {
  snapshot: { bytes: number; nodes: number; edges: number };
  totalBytes: number;
  kafka: KafkaObjects;
  /** with kleak/agent loaded in the service: the lines that created the clients behind the live connections */
  creationSites: CreationSite[];
  pinned: { totalBytes: number; buffers: number; messages: number; groups: PinnedGroup[] };
  topRetainers: Array<{ id: number; name: string; type: string; retainedBytes: number; selfBytes: number }>;
  /** object counts by constructor name (for --compare) */
  constructors: Record<string, number>;
}

export interface V8HeapEvidence extends HeapAnalysis {
  source: string;
  /** with --compare: the older snapshot */
  baseline?: HeapAnalysis;
}
