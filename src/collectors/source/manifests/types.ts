// What the manifest readers give back: one declared (or locked) dependency, where a user edits it.

export type Ecosystem = 'Go' | 'npm' | 'Maven' | 'PyPI';

export interface DeclaredDependency {
  ecosystem: Ecosystem;
  /** as the ecosystem names it: "github.com/IBM/sarama", "kafkajs", "@confluentinc/kafka-javascript", "org.apache.kafka:kafka-clients", "confluent-kafka" (PyPI names normalised per PEP 503: lowercase, runs of -_. → -) */
  name: string;
  /** the resolved version without a leading "v" ("1.36.0"); for a range that was not resolved by a lock file, the range text in `declared` and version undefined */
  version?: string;
  /** what the manifest says, as written ("^2.2.0", ">=0.10", "${kafka.version}", "managed by spring-boot-starter-parent 3.2.5"); absent for go.mod and for entries only a lock file names */
  declared?: string;
  /** the manifest relative to root (forward slashes) and the 1-based line where the dependency is named — the line a user edits to upgrade */
  file: string;
  line: number;
  /** which file gave the version: when a lock file resolves a range declared in a manifest, file/line point at the manifest's line (where one edits) and `lockFile` names the lock; an entry only a lock names has file === lockFile */
  lockFile?: string;
  /** go.mod replace directive target, if replaced */
  replacedBy?: { name: string; version?: string };
  /** named by the project itself (false: go.mod's `// indirect`, or only a lock file names it) */
  direct: boolean;
}

export interface ReadOptions {
  /** which packages to report; default: the Kafka client libraries (isKafkaClientPackage) */
  names?: (ecosystem: Ecosystem, name: string) => boolean;
  /** manifests and lock files examined at most (default 2000) */
  maxFiles?: number;
}
