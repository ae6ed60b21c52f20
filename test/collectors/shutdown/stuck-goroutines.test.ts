// Which goroutines a hung shutdown waits in, read from a real dump (fixtures/captured/pprof/sarama-close-hang,
// taken 2 s after SIGTERM from the service whose ConsumeClaim never returns; capture-shutdown-hang.mjs).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { frameOrigin, stuckGoroutines } from '../../../src/collectors/shutdown/index.js';
import { repoRoot } from '../../../src/repo-root.js';

const dump = readFileSync(join(repoRoot, 'fixtures/captured/pprof/sarama-close-hang/goroutine-debug2.txt'), 'utf8');

test('stuck goroutines: Close waiting on the lock first, then the service line that never returns', () => {
  const stuck = stuckGoroutines(dump);
  const first = stuck[0]!;
  assert.equal(first.kind, 'close');
  assert.equal(first.state, 'sync.Mutex.Lock');
  assert.match(first.waitsIn.function, /sarama\.\(\*consumerGroup\)\.leave$/);
  assert.equal(first.serviceFrame?.function, 'main.saramaGroup');
  const service = stuck.find((s) => s.kind === 'service')!;
  assert.equal(service.waitsIn.function, 'main.handler.ConsumeClaim');
  assert.match(service.waitsIn.file, /shutdown-svc\/consumers\.go$/);
  // the oracle: the dump's own text names the same line under that function
  const line = new RegExp(`main\\.handler\\.ConsumeClaim\\([^)]*\\)\\n\\t\\S+consumers\\.go:(\\d+)`).exec(dump)?.[1];
  assert.equal(service.waitsIn.line, Number(line));
  assert.equal(service.state, 'chan receive');
  // nothing that merely waits for network input is listed
  assert.ok(stuck.every((s) => !/IO wait/.test(s.state)));
});

test('frame origin: module cache and @version are dependencies, GOROOT and -trimpath std are std, the rest is the service', () => {
  assert.equal(frameOrigin({ fn: 'github.com/IBM/sarama.(*client).Close', file: '/root/go/pkg/mod/github.com/!i!b!m/sarama@v1.61.1/client.go' }), 'dependency');
  assert.equal(frameOrigin({ fn: 'github.com/IBM/sarama.(*client).Close', file: 'github.com/IBM/sarama@v1.61.1/client.go' }), 'dependency');
  assert.equal(frameOrigin({ fn: 'sync.(*Mutex).Lock', file: '/usr/local/go/src/sync/mutex.go' }), 'std');
  assert.equal(frameOrigin({ fn: 'sync.(*Mutex).Lock', file: 'sync/mutex.go' }), 'std');
  assert.equal(frameOrigin({ fn: 'main.run', file: '/src/app/main.go' }), 'service');
  assert.equal(frameOrigin({ fn: 'example.com/orders/consumer.(*C).Run', file: 'example.com/orders/consumer/run.go' }), 'service');
  assert.equal(frameOrigin({ fn: 'runtime.gopark' }), 'std');
});
