import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../src/repo-root.js';
import { classifyGoroutines, classifyHeap, matchFrame } from '../../../src/collectors/goruntime/classify.js';
import { parseGoroutineDump } from '../../../src/collectors/goruntime/parse-goroutine-dump.js';
import { parseHeapProfile } from '../../../src/collectors/goruntime/parse-heap-profile.js';
import { capturedHeap, capturedText } from '../../helpers/captured-pprof.js';

const classify = (scenario: string, debug: 1 | 2 = 2) => classifyGoroutines(parseGoroutineDump(capturedText(scenario, debug)));

test('Sarama per request, 1 then 21 requests: 20 more clients, 40 more broker readers, no producers', () => {
  const one = classify('sarama-per-request-1').libraries.sarama!;
  const many = classify('sarama-per-request-21').libraries.sarama!;
  assert.equal(many.clients - one.clients, 20);
  assert.equal(many.brokerConnections - one.brokerConnections, 40);
  assert.equal(many.producers, 0);
});

test('shared sync producer after 21 requests: one client, one producer, its handlers', () => {
  const c = classify('sarama-shared-21');
  assert.deepEqual(c.libraries.sarama, { clients: 1, brokerConnections: 2, producers: 1, syncProducers: 1, groupSessions: 0, partitionConsumers: 0 });
  assert.deepEqual(c.blockedForever, []);
});

test('reused message: a sync producer handler blocked in chan send (nil chan)', () => {
  const c = classify('sarama-reused-message-3');
  assert.deepEqual(
    c.blockedForever.map((r) => [r.library, r.role, r.count]),
    [['sarama', 'sync-producer-handler', 1]],
  );
});

test('franz-go consumer: one client per kgo.Client (metadata loop), none from Sarama', () => {
  const c = classify('franz-retain-6400');
  assert.equal(c.libraries['franz-go']!.clients, 2); // the fixture's producer and consumer clients
  assert.equal(c.libraries.sarama, undefined);
});

test('frame matching: exact package, vendored prefix, and not a longer package name', () => {
  assert.equal(matchFrame('github.com/IBM/sarama.(*client).backgroundMetadataUpdater')?.fn, '(*client).backgroundMetadataUpdater');
  assert.equal(matchFrame('x/vendor/github.com/Shopify/sarama.withRecover')?.library.library, 'sarama');
  assert.equal(matchFrame('github.com/IBM/sarama/mocks.(*Client).Close'), undefined);
  assert.equal(matchFrame('notgithub.com/IBM/sarama.f'), undefined);
});

test('heap: franz-go decompression holds the pinned batches in the leaky consumer, little in its twin', () => {
  const leaky = classifyHeap(parseHeapProfile(capturedHeap('franz-retain-6400')));
  const fixed = classifyHeap(parseHeapProfile(capturedHeap('franz-retain-fixed-6400')));
  const decompressed = (sites: typeof leaky) => sites.filter((s) => s.site === 'decompression').reduce((n, s) => n + s.inuseBytes, 0);
  // 100 batches of 64 × 4 KiB were consumed: 25.6 MB decompressed, all pinned by the leaky one
  assert.ok(decompressed(leaky) > 20e6, `${decompressed(leaky)}`);
  assert.ok(decompressed(fixed) < 2e6, `${decompressed(fixed)}`);
});

test('created by: the service’s own go statement, else where the creating goroutine still runs (captured debug=2 dumps)', () => {
  const dumpOf = (dir: string) => parseGoroutineDump(capturedText(dir, 2));
  const lineOf = (file: string, text: string) =>
    readFileSync(join(repoRoot, file), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1;
  // sarama-reused-message: the sends that share one message are started by the service's `go func(p, msg)`
  const reused = classifyGoroutines(dumpOf('sarama-reused-message-3')).creators;
  const go = reused.find((c) => c.how === 'go-statement' && c.role === 'sync-producer-caller')!;
  assert.ok(go, JSON.stringify(reused));
  assert.ok(go.file.endsWith('fixtures/go/internal/dualsync/dualsync.go'));
  assert.equal(go.line, lineOf('fixtures/go/internal/dualsync/dualsync.go', 'go func(p sarama.SyncProducer, msg *sarama.ProducerMessage)'));
  assert.equal(go.function, 'kleak.dev/fixtures/internal/dualsync.Run.func1');
  // franz-retain: the clients were built by goroutine 1, which still runs (serving): its service frames, innermost first
  const franz = classifyGoroutines(dumpOf('franz-retain-6400')).creators.find((c) => c.role === 'client-metadata-loop')!;
  assert.equal(franz.how, 'creator-running');
  assert.match(franz.function, /^svc\.Serve ← franzsvc\.Run ← main\.main$/);
  assert.equal(franz.line, lineOf('fixtures/go/internal/svc/svc.go', 'http.ListenAndServe(addr, nil)'));
  // sarama-per-request: every client was built by a request's goroutine, long gone: nothing to say
  assert.deepEqual(classifyGoroutines(dumpOf('sarama-per-request-21')).creators, []);
});
