// What rules share: which library a finding is about, number formatting, shared fix texts and
// thresholds. Rules import this and evidence types only — never a collector's code or another rule.
import type { Runtime } from '../collectors/process/types.js';
import type { GoLibrary } from '../signatures/types.js';
import type { Library, SourceLocation } from '../types.js';
import type { GoHeapEvidence, GoroutineEvidence } from '../collectors/goruntime/types.js';
import type { JvmRecordGroup } from '../collectors/jvmheap/types.js';
import type { V8HeapEvidence } from '../collectors/v8heap/types.js';

/** Goroutine frames name the Go library; a Node process is taken to use kafkajs (the one kleak knows). */
export function libraryFor(runtime: Runtime, libraries: readonly Library[] = []): Library {
  if (libraries.length === 1) return libraries[0]!;
  // a Spring service builds its kafka-clients through Spring Kafka: the fix is Spring's
  if (runtime === 'java' && libraries.includes('spring-kafka')) return 'spring-kafka';
  if (runtime === 'java' && libraries.includes('kafka-clients')) return 'kafka-clients';
  if (runtime === 'node') return 'kafkajs';
  return 'unknown';
}

export const goLibraryNames: Record<GoLibrary, string> = {
  sarama: 'Sarama',
  'franz-go': 'franz-go',
  'kafka-go': 'segmentio/kafka-go',
  'confluent-kafka-go': 'confluent-kafka-go',
};

/** A finding names the library its evidence names (its fix falls back to the general one where a rule has none). */
export function findingLibrary(library: GoLibrary): Library {
  return library;
}

export const fmt = (n: number, digits = 1) => (Math.round(n * 10 ** digits) / 10 ** digits).toFixed(digits);

export const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
/** bytes in the unit that reads best: 512 B, 20.0 KiB, 19.0 MiB */
export const sizeText = (bytes: number) => (bytes >= 1048576 ? mib(bytes) : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`);

/** "+3" / "-2": a signed change. */
export const signed = (n: number) => `${n >= 0 ? '+' : ''}${n}`;

export const plural = (n: number, one: string, many = `${one}s`) => (n === 1 ? one : many);

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.round(m / 6) / 10;
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} days`;
}

/** The service's lines that built clients of a library, from the heap profile's constructor sites. */
export function constructorLocations(goHeap: GoHeapEvidence | undefined, library: GoLibrary | Library, constructors?: readonly string[]): SourceLocation[] {
  return (goHeap?.constructors ?? [])
    .filter((c) => c.library === library && (!constructors || constructors.includes(c.constructor)))
    .map((c) => ({ file: c.file, line: c.line, function: c.function, count: c.samples, from: 'runtime' as const }));
}

/** `first` when it has any, else what `then` gives. */
export const orElse = <T>(first: T[], then: () => T[]): T[] => (first.length ? first : then());

/**
 * Where the service started a library's goroutines of these roles (debug=2 dumps): its own `go` statement,
 * else where the goroutine that created them runs now (the creating function is on that stack).
 */
export function creatorLocations(goroutines: GoroutineEvidence | undefined, library: GoLibrary, roles: readonly string[]): SourceLocation[] {
  const sites = (goroutines?.classification.creators ?? []).filter((c) => c.library === library && roles.includes(c.role));
  const statements = sites.filter((c) => c.how === 'go-statement');
  return (statements.length ? statements : sites).map((c) => ({
    file: c.file,
    line: c.line,
    function: c.how === 'go-statement' ? c.function : `${c.function} (the goroutine that created them still runs here)`,
    count: c.goroutines,
    countOf: 'goroutines',
    from: 'runtime' as const,
  }));
}

/** The service's lines that created kafkajs clients with live connections, from kleak/agent's records in the heap. */
export function creationLocations(v8Heap: V8HeapEvidence | undefined): SourceLocation[] {
  return (v8Heap?.creationSites ?? []).map((s) => ({
    file: s.file,
    line: s.line,
    column: s.column,
    function: s.function,
    count: s.liveConnections,
    countOf: 'live connections',
    from: 'runtime' as const,
  }));
}

/** Sarama clients without a producer or consumer beside them, from this many on: producer-closed-client-open. */
export const orphanThreshold = 3;

/** The fix for a client created and not closed, per library: client-per-request and the rules that see its growth. */
export const oneClientPerProcessFix: Record<Exclude<Library, 'confluent-kafka-javascript'>, string> = {
  sarama: `Create the client and producer once at start-up, share them, and close them on shutdown. If you
use NewAsyncProducerFromClient/NewSyncProducerFromClient, producer.Close() does NOT close the client:
  client, err := sarama.NewClient(brokers, cfg)          // once, in main
  producer, err := sarama.NewSyncProducerFromClient(client)
  defer client.Close()                                   // after producer.Close()
  defer producer.Close()`,
  'franz-go': `Create one *kgo.Client at start-up and share it across requests; close it on shutdown:
  cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))  // once, in main
  defer cl.Close()
  // per request: cl.ProduceSync(ctx, &kgo.Record{Topic: t, Value: v})`,
  'kafka-go': `Create one *kafka.Writer at start-up (it is safe for concurrent use) and share it; leave its Transport
nil (kafka.DefaultTransport: one connection pool for the process) rather than a &kafka.Transport{} per writer;
close it on shutdown:
  w := &kafka.Writer{Addr: kafka.TCP(brokers...), Balancer: &kafka.LeastBytes{}}  // once, in main
  defer w.Close()
  // per request: w.WriteMessages(ctx, kafka.Message{Topic: t, Value: v})`,
  kafkajs: `Create one producer at start-up, connect it once, share it, and disconnect it on shutdown:
  const producer = new Kafka({ clientId, brokers }).producer()
  await producer.connect()                               // once
  app.post('/orders', async (req, res) => { await producer.send({ topic, messages }) })
  process.once('SIGTERM', () => producer.disconnect())`,
  'confluent-kafka-go': `Create one *kafka.Producer at start-up (each one is a librdkafka instance with its own threads and
broker connections) and share it; serve its Events(); flush and close it on shutdown:
  p, err := kafka.NewProducer(&kafka.ConfigMap{"bootstrap.servers": brokers})  // once, in main
  defer p.Close()
  defer p.Flush(15_000)
  // per request: p.Produce(&kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &t, Partition: kafka.PartitionAny}, Value: v}, nil)`,
  'node-rdkafka': `Create one Producer at start-up (each one is a librdkafka instance with its own threads and broker
connections outside V8), connect it once, share it; flush and disconnect it on shutdown:
  const producer = new Kafka.Producer({ 'metadata.broker.list': brokers })
  producer.connect()                                     // once
  app.post('/orders', (req, res) => { producer.produce(topic, null, Buffer.from(body)); ... })
  process.once('SIGTERM', () => producer.flush(10000, () => producer.disconnect()))`,
  'kafka-clients': `Create one KafkaProducer at start-up (it is thread-safe), share it across requests, and close it on
shutdown; an Admin or a KafkaConsumer the same way (a consumer per polling thread, not per request). Each client
has a network thread, a Selector and broker connections of its own until close():
  static final KafkaProducer<String, String> producer = new KafkaProducer<>(props);   // once
  Runtime.getRuntime().addShutdownHook(new Thread(producer::close));                   // flushes, then closes
  // per request: producer.send(new ProducerRecord<>(topic, key, value));`,
  'spring-kafka': `Declare the ProducerFactory and the KafkaTemplate once, as beans, and inject the template: Spring builds the
producer once and closes it on shutdown. A new DefaultKafkaProducerFactory (or KafkaTemplate over one) per request
builds a new KafkaProducer each time, and nothing closes it:
  @Bean ProducerFactory<String, String> producerFactory() { return new DefaultKafkaProducerFactory<>(props); }
  @Bean KafkaTemplate<String, String> kafkaTemplate(ProducerFactory<String, String> pf) { return new KafkaTemplate<>(pf); }
  // per request: kafkaTemplate.send(topic, key, value);`,
  'confluent-kafka-python': `Create one Producer at start-up (each one is a librdkafka instance with its own threads and broker
connections; it is thread-safe) and share it across requests; flush it before the process exits. A Producer the
handler drops is destroyed at once by reference counting (a client built and freed per request); one kept in a
list, a dict or a closure stays with its threads for ever:
  producer = Producer({"bootstrap.servers": brokers})    # once, at import or in the app factory
  @app.post("/orders")
  def orders(): producer.produce(topic, value); producer.poll(0); return "ok"
  signal.signal(signal.SIGTERM, lambda *_: (producer.flush(10), sys.exit(0)))`,
  'kafka-python': `Create one KafkaProducer at start-up (it is thread-safe) and share it; a KafkaConsumer per consuming thread,
not per request; close() each on shutdown (a consumer's close() leaves its group at once):
  producer = KafkaProducer(bootstrap_servers=brokers)    # once
  atexit.register(producer.close)
  # per request: producer.send(topic, value)`,
  aiokafka: `Start one AIOKafkaProducer in the application's lifespan and stop it there; share it across requests. A
producer started per request is kept alive by its own sender task even when the handler drops it:
  @asynccontextmanager
  async def lifespan(app):
      app.state.producer = AIOKafkaProducer(bootstrap_servers=brokers)
      await app.state.producer.start(); yield; await app.state.producer.stop()
  # per request: await request.app.state.producer.send_and_wait(topic, value)`,
  unknown: `Create the Kafka client/producer once per process, share it across requests, and close it on
shutdown. A client per request opens new broker connections each time; if it is not closed they stay.`,
};

/** The Kafka clients of a JVM by kind, in words: "1.0 KafkaProducers (kafka-producer-network-thread)". */
export function jvmClientPhrases(kinds: { producers: number; admins: number; consumers: number; asyncConsumers: number }, min: number): string[] {
  const names: Array<[keyof typeof kinds, string]> = [
    ['producers', 'KafkaProducers (kafka-producer-network-thread)'],
    ['admins', 'Admin clients (kafka-admin-client-thread)'],
    ['consumers', 'KafkaConsumers (kafka-coordinator-heartbeat-thread)'],
    ['asyncConsumers', 'consumers of the new protocol (consumer_background_thread)'],
  ];
  return names.filter(([k]) => kinds[k] >= min).map(([k, name]) => `${fmt(kinds[k])} ${name}`);
}

/** The graceful shutdown sequence per library (graceful-shutdown.md): the shutdown rules' fixes build on it. */
export const shutdownSequence = {
  sarama: `ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
  defer stop()
  <-ctx.Done()
  _ = srv.Shutdown(shutdownCtx) // stop taking requests first
  _ = producer.Close()          // AsyncProducer.Close flushes everything Input() accepted
  cancelConsume(); _ = group.Close() // the last commit, then LeaveGroup
  _ = client.Close()`,
  'franz-go': `ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
  defer stop()
  <-ctx.Done()
  _ = srv.Shutdown(shutdownCtx) // stop taking requests first
  _ = cl.Flush(flushCtx)        // Close does not flush: buffered records fail with ErrClientClosed
  cl.Close()                    // commits (autocommit's revoke) and leaves the group`,
  kafkajs: `process.once('SIGTERM', async () => {
    server.close()               // stop taking requests first
    await producer.disconnect()  // after every awaited send()
    await consumer.disconnect()  // the last commit, then LeaveGroup
    process.exit(0)
  })`,
  'kafka-clients': `Runtime.getRuntime().addShutdownHook(new Thread(() -> {  // the JVM runs it on SIGTERM
    server.stop(0);        // stop taking requests first
    producer.close();      // sends every record send() accepted (linger.ms, batch.size), then closes
    consumer.wakeup();     // the poll loop ends, commits, and calls consumer.close(): LeaveGroup
  }));`,
  unknown:
    'Handle SIGTERM: stop taking requests, flush and close the producers, close the consumers (last commit, LeaveGroup), then exit — all within the grace period.',
};

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** "in 2 of 5 runs" when the check ran more than once, else nothing. */
export const inRuns = (hit: number, total: number) => (total > 1 ? ` (in ${hit} of ${total} runs)` : '');

/** The client kinds the goroutine roles count, per library: each kind's tell-tale goroutines per instance. */
const kindRoles: Array<{ role: string; kind: 'client' | 'producer' | 'sync producer' | 'consumer' | 'consumer-group member'; per: number }> = [
  { role: 'client-metadata-loop', kind: 'client', per: 1 },
  { role: 'producer-dispatcher', kind: 'producer', per: 1 },
  { role: 'sync-producer-handler', kind: 'sync producer', per: 2 },
  { role: 'group-heartbeat', kind: 'consumer-group member', per: 1 },
  { role: 'fetch-loop', kind: 'consumer', per: 1 },
];

/**
 * The clients a per-request count of goroutine roles ("library/role" → per request) stands for, by kind:
 * "1.0 Sarama clients", "1.0 sync producers" — so a summary names what it counted, not a fixed phrase.
 */
export function clientKinds(perRole: Record<string, number>, threshold: number): Array<{ library: string; kind: string; perRequest: number; phrase: string }> {
  const out = [];
  for (const { role, kind, per } of kindRoles) {
    for (const [key, v] of Object.entries(perRole)) {
      const [library, r] = key.split('/');
      if (r !== role || v / per < threshold) continue;
      const name = goLibraryNames[library as GoLibrary] ?? library!;
      const n = v / per;
      out.push({ library: library!, kind, perRequest: n, phrase: `${fmt(n)} ${name} ${kind}s` });
    }
  }
  return out;
}

/** Node: kept batch buffers mostly of records nobody keeps are reported from this size on */
export const wasteFloorBytes = 1048576;
/**
 * Kept messages per batch buffer from which a group is kept data (a container of messages: most records of each
 * batch kept) rather than waste (a few records pinning whole batches). A heap snapshot records no view's
 * length, so what the kept views cover is told by how many of them share each buffer.
 */
export const keptDataDensity = 8;
/** JVM: the share of a buffer the kept keys and values cover (an HPROF records a ByteBuffer's position and limit) from which it is kept data */
export const keptCoverage = 0.5;
export const isKeptData = (g: { messages: number; buffers: number; bytes?: number; coveredBytes?: number }) =>
  g.buffers > 0 && (g.coveredBytes !== undefined ? g.coveredBytes >= (g.bytes ?? 0) * keptCoverage : g.messages / g.buffers >= keptDataDensity);

/** The class fields that keep consumed records in a JVM heap (an HPROF names the field; its line comes from the source tree). */
export function jvmOwnerLocations(groups: readonly JvmRecordGroup[]): SourceLocation[] {
  const by = new Map<string, SourceLocation>();
  for (const g of groups) {
    if (!g.owner) continue;
    const key = `${g.owner.className}.${g.owner.field}`;
    const simple = g.owner.className.slice(g.owner.className.lastIndexOf('.') + 1);
    const at = by.get(key) ?? {
      file: g.owner.file,
      function: `${simple}.${g.owner.field} (${g.owner.static ? 'static field' : 'field'}: ${g.owner.container})`,
      declares: g.owner.field,
      count: 0,
      countOf: 'records',
      from: 'runtime' as const,
    };
    at.count = (at.count ?? 0) + g.messages;
    by.set(key, at);
  }
  return [...by.values()].sort((a, b) => (b.count ?? 0) - (a.count ?? 0));
}

/** why a JVM heap finding has no line */
export const jvmUnlocated = (located: boolean) =>
  located
    ? undefined
    : "no field of the service holds the records on their shortest path from a GC root (a local variable of a running method, or a library's object)";
