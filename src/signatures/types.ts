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

export type Ecosystem = 'Go' | 'npm' | 'Maven' | 'PyPI' | 'ConanCenter';

/** kleak's names for the client libraries whose versions it reads (a superset of the runtime rules' libraries). */
export type ClientLibrary =
  | 'sarama'
  | 'franz-go'
  | 'kafka-go'
  | 'confluent-kafka-go'
  | 'kafkajs'
  | 'node-rdkafka'
  | 'confluent-kafka-javascript'
  | 'librdkafka'
  | 'kafka-clients'
  | 'spring-kafka'
  | 'confluent-kafka-python'
  | 'kafka-python'
  | 'aiokafka';

/** A version of a Kafka client library, as kleak read it from a running process or a source tree. */
export interface ClientVersion {
  library: ClientLibrary;
  ecosystem: Ecosystem;
  /** the package as its ecosystem names it: "github.com/IBM/sarama", "kafkajs", "org.apache.kafka:kafka-clients" */
  package: string;
  /** without a leading "v" */
  version: string;
  /** how kleak knows: the Go binary's build info, a package.json, an open jar, site-packages, a shared object, or bundled with another library */
  from: 'go build info' | 'package.json' | 'jar' | 'site-packages' | 'shared object' | 'bundled' | 'manifest';
  /** the file it was read from (a binary, a package.json, a jar, a dist-info directory) */
  path?: string;
  /** Go: the module is replaced (`replace` in go.mod); the version that runs is the replacement's */
  replacedBy?: { path: string; version?: string };
  /** librdkafka bundled with this library */
  bundledIn?: ClientLibrary;
  /** the known leak bugs of this version (kleak's advisory database), matched when the version was read */
  advisories?: AdvisoryRef[];
}

/** What a runtime shows when a library bug bites (an advisory's database_specific.kleak.signature); every key optional. */
export interface AdvisorySignature {
  /** Go functions as goroutine dumps print them, matched as a suffix ("sarama.(*brokerConsumer).subscriptionManager") */
  goroutines?: string[];
  /** Go allocation-site functions in a heap profile, matched as a suffix ("metrics.newStandardMeter") */
  heapFunctions?: string[];
  /** thread-name regular expressions */
  threads?: string[];
  /** TCP states of the process's broker sockets */
  socketStates?: string[];
  /** Java classes or V8 constructors */
  heapClasses?: string[];
  growsWith?: 'requests' | 'reconnects' | 'time' | 'client-churn';
  threshold?: string;
}

/** One advisory as a finding needs it: kleak's id, what it is, the fix and the runtime signature. */
export interface AdvisoryRef {
  /** "SAR-11" (the OSV id without its KLEAK- prefix) */
  id: string;
  summary: string;
  /** the first version that fixes it; null when no release does */
  fixed: string | null;
  confidence: string;
  signature: AdvisorySignature;
  /** the first reference (the fix, else the report) */
  url?: string;
}
