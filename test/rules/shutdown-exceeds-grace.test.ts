// shutdown-exceeds-grace: alive at the end of the grace period (with the stuck goroutines and the service's line), or exited late.
import exceedsGrace from '../../src/rules/shutdown-exceeds-grace.js';
import { runRules } from '../../src/rules/run-rules.js';
import { shutdownRun } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';

const frame = (fn: string, file: string, line: number) => ({ function: fn, file, line });
const stuck = [
  {
    state: 'sync.Mutex.Lock',
    minutes: null,
    count: 1,
    kind: 'close' as const,
    waitsIn: frame('github.com/IBM/sarama.(*consumerGroup).leave', '/go/pkg/mod/github.com/!i!b!m/sarama@v1.61.1/consumer_group.go', 776),
    serviceFrame: frame('main.saramaGroup', '/src/svc/consumers.go', 68),
    frames: [
      frame('sync.(*Mutex).Lock', '/usr/local/go/src/sync/mutex.go', 46),
      frame('github.com/IBM/sarama.(*consumerGroup).leave', '/go/pkg/mod/github.com/!i!b!m/sarama@v1.61.1/consumer_group.go', 776),
      frame('main.saramaGroup', '/src/svc/consumers.go', 68),
    ],
  },
  {
    state: 'chan receive',
    minutes: 2,
    count: 2,
    kind: 'service' as const,
    waitsIn: frame('main.handler.ConsumeClaim', '/src/svc/consumers.go', 25),
    serviceFrame: frame('main.handler.ConsumeClaim', '/src/svc/consumers.go', 25),
    frames: [frame('main.handler.ConsumeClaim', '/src/svc/consumers.go', 25)],
  },
];
const alive = shutdownRun({ graceMs: 4000, exit: { exited: true, afterMs: 5500, signal: 'SIGKILL', statusFrom: 'parent', killed: true }, stuck });

ruleTester(exceedsGrace, {
  valid: [
    { name: 'exited within the grace period', evidence: { shutdown: { runs: [shutdownRun()] } } },
    {
      name: 'exited within grace − preStop',
      evidence: {
        shutdown: { runs: [shutdownRun({ graceMs: 30_000, prestopMs: 5000, exit: { exited: true, afterMs: 24_000, code: 0, statusFrom: 'parent' } })] },
      },
    },
  ],
  invalid: [
    {
      name: 'still alive at the end, killed with --kill-after: where Close waits, and the service line that holds it',
      evidence: { shutdown: { runs: [alive] } },
      findings: [
        {
          summary:
            'PID 4242 was still running 4.0 s after SIGTERM (grace period 4.0 s); Close waits: 1 goroutine [sync.Mutex.Lock] in sarama.(*consumerGroup).leave (called at consumers.go:68); the service waits: 2 goroutines [chan receive, 2 minutes] in main.handler.ConsumeClaim',
          evidence: [/killed with SIGKILL/, /\(close\): github.com\/IBM\/sarama.\(\*consumerGroup\).leave/, /\(service\): main.handler.ConsumeClaim/],
        },
      ],
    },
    {
      name: 'exited, but after grace − preStop',
      evidence: {
        shutdown: { runs: [shutdownRun({ graceMs: 30_000, prestopMs: 10_000, exit: { exited: true, afterMs: 24_000, code: 0, statusFrom: 'parent' } })] },
      },
      findings: [{ summary: 'PID 4242 exited 24.0 s after SIGTERM, past the grace period of 20.0 s' }],
    },
  ],
  missing: {},
});

test('shutdown-exceeds-grace: the locations are the service frames, Close first', () => {
  const [finding] = runRules([exceedsGrace], { shutdown: { runs: [alive] } }).findings;
  assert.deepEqual(
    finding!.locations.map((l) => `${l.file}:${l.line} ${l.function} ×${l.count}`),
    ['/src/svc/consumers.go:68 main.saramaGroup ×1', '/src/svc/consumers.go:25 main.handler.ConsumeClaim ×2'],
  );
});
