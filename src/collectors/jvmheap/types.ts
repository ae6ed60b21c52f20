// The JVM heap collector's evidence (an HPROF dump): Kafka client objects, consumed records kept by the service and
// the buffers behind their values, grouped by the class and field that keep them, top retainers.

export interface JvmKafkaObjects {
  producers: number;
  /** KafkaConsumer facades (each delegates to a ClassicKafkaConsumer or an AsyncKafkaConsumer from kafka-clients 3.7) */
  consumers: number;
  admins: number;
  /** org.apache.kafka.common.network.Selector: one per client (the admin, producer and consumer each have one) */
  selectors: number;
  networkClients: number;
  /** a producer's pool of batch buffers (up to buffer.memory each) */
  bufferPools: number;
  consumerRecords: number;
  /** Spring Kafka */
  kafkaTemplates: number;
  producerFactories: number;
}

/** Who keeps the records: a static field of a class, or an instance field of the service's own class. */
export interface JvmRecordOwner {
  /** kleak.fixtures.RecordCache */
  className: string;
  field: string;
  static: boolean;
  /** what the field holds: java.util.ArrayList */
  container: string;
  /** the source file the class is conventionally in: kleak/fixtures/RecordCache.java */
  file: string;
}

export interface JvmRecordGroup {
  /** the last hops of the shortest path from a GC root: "RecordCache (class) → recent → ArrayList → elementData → Object[] → [i] → ConsumerRecord" */
  path: string;
  messages: number;
  /** distinct arrays behind the kept keys and values, each counted once */
  buffers: number;
  /** their bytes */
  bytes: number;
  /** the bytes the kept keys and values cover in those arrays (a ByteBuffer's limit − position; a byte[]'s length) */
  coveredBytes: number;
  typicalBufferBytes: number;
  owner?: JvmRecordOwner;
  /** held by kafka-clients itself (records returned by poll() and not handed on yet): in flight, not kept */
  inFlight: boolean;
}

export interface JvmHeapAnalysis {
  dump: { bytes: number; objects: number; references: number; classes: number; idSize: number; timestamp: number };
  /** shallow bytes of every object, with compressed references (as GC.class_histogram counts them) */
  totalBytes: number;
  kafka: JvmKafkaObjects;
  records: { totalBytes: number; buffers: number; messages: number; groups: JvmRecordGroup[] };
  topRetainers: Array<{ name: string; kind: 'instance' | 'class' | 'array'; retainedBytes: number; selfBytes: number }>;
  /** instances and shallow bytes by class (the 200 largest, and every Kafka class), for --compare */
  histogram: Record<string, { instances: number; bytes: number }>;
  roots: Record<string, number>;
}

export interface JvmHeapEvidence extends JvmHeapAnalysis {
  source: string;
  /** with --compare: the older dump */
  baseline?: JvmHeapAnalysis;
}
