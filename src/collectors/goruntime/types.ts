// The Go runtime collector's evidence: goroutines and heap sites classified by Kafka library and role.
import type { GoLibrary, GoroutineRole, HeapSiteSignature } from '../../signatures/types.js';

export type RoleLibrary = GoLibrary | 'none';

export type Role = GoroutineRole | 'non-kafka';

export interface RoleCount {
  library: RoleLibrary;
  role: Role;
  count: number;
  /** goroutine states (debug=2) → count */
  states: Record<string, number>;
  /** the function that identified the role */
  fn?: string;
}

export interface LibraryCounts {
  /** live clients: one metadata loop per client (Sarama, franz-go, kafka-go Transport) */
  clients: number;
  /** broker connections with a reader goroutine (Sarama, kafka-go) */
  brokerConnections: number;
  /** async producers (Sarama dispatcher; confluent channel producers) */
  producers: number;
  /** sync producers (Sarama: two handlers each) */
  syncProducers: number;
  /** consumer group sessions with a heartbeat */
  groupSessions: number;
  /** partition consumers (Sarama: two goroutines each) */
  partitionConsumers: number;
}

export interface GoroutineClassification {
  total: number;
  byRole: RoleCount[];
  libraries: Partial<Record<GoLibrary, LibraryCounts>>;
  /** goroutines blocked for good: a send or receive on a nil channel */
  blockedForever: RoleCount[];
  /** debug=2: where the service started Kafka goroutines (a `go` statement in its code), or where the goroutine that started them is now */
  creators: CreatorSite[];
}

export interface CreatorSite {
  library: GoLibrary;
  role: GoroutineRole | 'unclassified';
  /** 'go-statement': the service's own `go` line (created by …); 'creator-running': the creating goroutine's first frame of the service, where it is now */
  how: 'go-statement' | 'creator-running';
  file: string;
  line: number;
  function: string;
  goroutines: number;
}

export interface KafkaHeapSite {
  library: GoLibrary;
  site: HeapSiteSignature['site'];
  inuseBytes: number;
  inuseObjects: number;
  /** share of all in-use bytes, 0..1 */
  share: number;
  topStacks: Array<{ frames: string[]; inuseBytes: number }>;
  /**
   * in-use bytes by the service's own frame on the allocating stacks, most first; empty when no stack has one
   * (Sarama and franz-go decompress in their own fetch goroutines: the profile shows no keeper)
   */
  keepers: Array<{ function: string; file: string; line: number; inuseBytes: number }>;
}

/**
 * A line of the service's own code that built a Kafka client, producer, consumer or admin, from
 * heap-profile samples taken inside the constructor: the first frame outside the library and the runtime.
 */
export interface ConstructorSite {
  library: GoLibrary;
  /** the library's outermost constructor on the stack, e.g. "NewClient" */
  constructor: string;
  /** the source file as the binary recorded it (the build machine's absolute path) */
  file: string;
  line: number;
  function: string;
  /** heap-profile samples behind this site (about one per 512 KiB allocated) */
  samples: number;
  allocBytes: number;
}

export interface GoroutineEvidence {
  source: string;
  format: 'debug=1' | 'debug=2';
  classification: GoroutineClassification;
  /** with --compare: the older profile */
  baseline?: GoroutineClassification;
  /** goroutines per Kafka-library function on their stacks (what advisories' signatures name) */
  frames?: Record<string, number>;
  /** the same, from a profile taken before kleak drove requests (diagnose --drive) or the --compare profile */
  framesBefore?: Record<string, number>;
  /** the live clients per library in that earlier profile: whether a signature grew with the service's own clients */
  librariesBefore?: Partial<Record<GoLibrary, LibraryCounts>>;
  warnings: string[];
}

export interface GoHeapEvidence {
  source: string;
  inuseBytes: number;
  inuseObjects: number;
  sites: KafkaHeapSite[];
  /** where the service built its Kafka clients, most samples first (empty when no sample fell inside a constructor) */
  constructors: ConstructorSite[];
  baseline?: { inuseBytes: number; sites: KafkaHeapSite[] };
  /** in-use bytes per Kafka-library function on the allocating stacks (go-metrics included: Sarama's meters) */
  functions?: Record<string, number>;
  /** the same, from a profile taken before kleak drove requests (diagnose --drive) or the --compare profile */
  functionsBefore?: Record<string, number>;
}

export interface GoEvidence {
  goroutines?: GoroutineEvidence;
  goHeap?: GoHeapEvidence;
}
