// The scan on the services the runtime tests run: every leaky fixture is flagged at the line that
// leaks (the line the runtime itself names where it can: sarama-per-request's heap profile points at
// main.go:21), and no fixed twin has an error. The JVM fixtures are scanned as one package (kleak.fixtures
// spans fixtures/java and fixtures/java-spring): Svc.route is found to register its handler. The Python fixtures
// are one directory, analysed together. The one leaky fixture the scan cannot see is listed with the reason, so
// a change that starts seeing it fails here too.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { scan } from '../../src/core/scan.js';
import { repoRoot } from '../../src/repo-root.js';

const expected = [
  'error client-per-request go/sarama-per-request/main.go:21',
  'error producer-closed-client-open go/sarama-per-request/main.go:26',
  'error shared-producer-message go/sarama-reused-message/main.go:16',
  'warning records-pin-buffers go/franz-retain/main.go:13',
  // a producer built once (sync.Once) and never closed: the process has no SIGTERM path
  'warning no-graceful-shutdown go/sarama-shared/main.go:26',
  // the twin closes its per-request client: no leak, but each request still pays for a client
  'warning client-per-request go/sarama-per-request-fixed/main.go:18',
  // built and closed per request, on purpose: the scan says it as the runtime does (a warning)
  'warning client-per-request go/sarama-closed-per-request/main.go:33',
  'warning client-per-request node/kafkajs-closed-per-request/server.mjs:22',
  'error client-per-request node/kafkajs-consumer-per-request/server.mjs:17',
  'error client-per-request node/kafkajs-per-request/server.mjs:15',
  'error client-per-request go/kafkago-reaping-per-request/main.go:29',
  // a Writer per request, closed, with a Transport of its own or the shared one: in the code both are a client built
  // and closed per request (a warning); what the own Transport leaves behind (KGO-05) only the runtime sees
  'warning client-per-request go/kafkago-transport-per-request/main.go:24',
  'warning client-per-request go/kafkago-transport-shared/main.go:22',
  // the old-Sarama service: a SyncProducer built and closed per request, and its go.mod's Sarama 1.36.0 with
  // bugs later releases fix (go.137.mod, the same service on 1.37.0, is not a go.mod the go command reads by default)
  'warning client-per-request go-sarama-old/main.go:36',
  'info known-library-bug go-sarama-old/go.mod:5',
  // node-rdkafka's callback API is wrapped in closures (connect, flush), which the scan takes as handing the
  // producer on: possible, a warning (the runtime's rdk:main threads make it an error)
  'warning client-per-request node/rdkafka/per-request/server.mjs:16',
  // the JVM fixtures: a KafkaProducer, and a KafkaTemplate over a DefaultKafkaProducerFactory, built in a lambda
  // registered with Svc.route (which runs it from a createContext handler) and never closed
  'error client-per-request java/src/kleak/fixtures/ProducerPerRequest.java:15',
  'error client-per-request java-spring/src/kleak/fixtures/TemplatePerRequest.java:23',
  // an Admin built and closed (try-with-resources) per health check: each request pays for a client
  'warning client-per-request java/src/kleak/fixtures/AdminPerRequest.java:22',
  // the shutdown hook closes the producer only when GRACEFUL=1: by default SIGTERM drops its buffered records
  'warning no-graceful-shutdown java/src/kleak/fixtures/ShutdownProducer.java:20',
  // Python: a confluent Producer built per Flask request and appended to a module-level list (KEEP=1, the default):
  // reference counting would free it, the list keeps it with its librdkafka threads
  'error client-per-request python/flask_confluent_per_request.py:25',
  // an AIOKafkaProducer started per FastAPI request and never stopped: its sender task keeps it running
  'error client-per-request python/fastapi_aiokafka_per_request.py:22',
  // a kafka-python KafkaConsumer built in an http.server do_POST and appended to a module-level list, never closed
  'error client-per-request python/kafka_python_consumer_per_request.py:35',
  // the SIGTERM handler flushes the module-level Producer only when GRACEFUL: by default it exits with what the Producer holds
  'warning no-graceful-shutdown python/shutdown_producer.py:18',
];

test('leaky runtime fixtures are flagged at their leaking line; fixed twins have no error', async () => {
  const run = await scan({ root: join(repoRoot, 'fixtures'), includeTests: false });
  const got = run.diagnosis.findings
    .filter((f) => !f.locations[0]!.file.startsWith('scan/'))
    .map((f) => `${f.severity} ${f.ruleId} ${f.locations[0]!.file}:${f.locations[0]!.line}`);
  assert.deepEqual(got.sort(), [...expected].sort());
  for (const twin of [
    'sarama-per-request-fixed',
    'sarama-reused-message-fixed',
    'franz-retain-fixed',
    'kafkajs-per-request-fixed',
    'kafkajs-consumer-per-request-fixed',
    'kafkajs-retain-fixed',
    'rdkafka/per-request-fixed',
  ])
    assert.ok(!run.diagnosis.findings.some((f) => f.severity === 'error' && f.locations[0]!.file.includes(`/${twin}/`)), twin);
  // the JVM twins (one client for the process, closed by a shutdown hook) have no finding at all
  for (const twin of ['ProducerPerRequestFixed.java', 'AdminPerRequestFixed.java', 'TemplatePerRequestFixed.java'])
    assert.ok(!got.some((g) => g.includes(`/${twin}:`)), twin);
  // nor have the Python twins (one client for the process: flushed or closed on SIGTERM, stopped in the lifespan)
  for (const twin of ['flask_confluent_shared.py', 'fastapi_aiokafka_shared.py', 'kafka_python_consumer_shared.py'])
    assert.ok(!got.some((g) => g.includes(`python/${twin}:`)), twin);
  // kafkajs-retain keeps `(message) => message` through a callback the shared lib stores: the scan
  // follows no value across modules, so it is not flagged (the heap snapshot finds it at runtime)
  assert.ok(!got.some((g) => g.includes('kafkajs-retain')));
});
