// client-not-closed: Go clients from captured dumps, kafkajs connections from heap evidence.
import clientNotClosed, { clientsFarAbove, nodeConnectionsFarAbove } from '../../src/rules/client-not-closed.js';
import { capturedGoEvidence } from '../helpers/captured-pprof.js';
import { v8HeapEvidence } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';

const go = (scenario: string, baseline?: string) => ({ goroutines: capturedGoEvidence(scenario, baseline).goroutines! });
const heap = (live: number, baselineLive?: number) => ({
  v8Heap: v8HeapEvidence({
    kafka: { connections: live, liveSockets: live, requestTimers: live },
    ...(baselineLive !== undefined ? { baseline: { ...v8HeapEvidence({ kafka: { liveSockets: baselineLive } }) } } : {}),
  }),
});

ruleTester(clientNotClosed, {
  valid: [
    { name: "Sarama orphans are producer-closed-client-open's, not repeated here", evidence: go('sarama-per-request-21') },
    { name: 'a shared producer', evidence: go('sarama-shared-21') },
    { name: 'a service with its few kafkajs connections', evidence: heap(4) },
    { name: `kafkajs at the bound (${nodeConnectionsFarAbove})`, evidence: heap(nodeConnectionsFarAbove) },
    { name: 'kafkajs, 2 more than the baseline', evidence: heap(6, 4) },
  ],
  invalid: [
    {
      name: 'kafkajs far above the bound',
      evidence: heap(41),
      findings: [
        {
          summary: '41 kafkajs connections with a live socket and 41 request-timeout timers: producers/consumers that were never disconnected',
          library: 'kafkajs',
          confidence: 'likely',
        },
      ],
    },
    {
      name: 'kafkajs growing since the baseline: confirmed',
      evidence: heap(9, 4),
      findings: [{ summary: /^9 kafkajs connections with a live socket \(\+5 since the baseline snapshot\)/, confidence: 'confirmed' }],
    },
  ],
  missing: {},
});

// The Go view counts client metadata loops; > clientsFarAbove (10) of a library without users left is this rule's.
void clientsFarAbove;
