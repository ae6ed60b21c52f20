// What a Kafka library looks like in a goroutine dump and a heap profile: data, not code paths.

export type GoLibrary = 'sarama' | 'franz-go' | 'kafka-go' | 'confluent-kafka-go';

export type GoroutineRole =
  | 'client-metadata-loop'
  | 'client-connection-reaper'
  | 'client-metrics'
  | 'broker-reader'
  | 'broker-open'
  | 'broker-io'
  | 'producer-dispatcher'
  | 'producer-retry'
  | 'topic-producer'
  | 'partition-producer'
  | 'broker-producer'
  | 'sync-producer-handler'
  | 'sync-producer-caller'
  | 'producer-shutdown'
  | 'partition-consumer'
  | 'broker-consumer'
  | 'fetch-loop'
  | 'group-session'
  | 'group-heartbeat'
  | 'offset-manager'
  | 'handle-poller'
  | 'unclassified';

export interface GoroutineSignature {
  role: GoroutineRole;
  /** the function after the package, e.g. "(*client).backgroundMetadataUpdater" */
  fn: string;
  /** also matches when the goroutine was created by this function (user code a library started) */
  viaCreatedBy?: boolean;
}

export interface HeapSiteSignature {
  site: 'response-buffer' | 'decompression' | 'record-slab' | 'consumer-message';
  /** the function after the package, matched anywhere in the allocation stack */
  fn: string;
}

export interface GoLibrarySignatures {
  library: GoLibrary;
  /** package paths as they appear in frames (module path + package), any prefix allowed (vendoring) */
  packages: string[];
  /** frames that only wrap the real goroutine function and must be skipped */
  wrappers: string[];
  goroutines: GoroutineSignature[];
  heapSites: HeapSiteSignature[];
  /**
   * functions that build a client, producer, consumer or admin: a heap-profile stack through one of them
   * leads, one frame further out, to the service's own line that called it
   */
  constructors: string[];
}
