// stuck-sync-producer over debug=2 goroutine dumps captured from the reused-message fixture.
import stuckSyncProducer from '../../src/rules/stuck-sync-producer.js';
import { capturedGoEvidence } from '../helpers/captured-pprof.js';
import { ruleTester } from '../helpers/rule-tester.js';

const go = (scenario: string) => ({ goroutines: capturedGoEvidence(scenario).goroutines! });

ruleTester(stuckSyncProducer, {
  valid: [
    { name: 'per-request clients, nothing blocked', evidence: go('sarama-per-request-21') },
    { name: 'the shared-producer twin', evidence: go('sarama-shared-21') },
  ],
  invalid: [
    {
      name: 'one message sent through two producers',
      evidence: go('sarama-reused-message-3'),
      findings: [
        {
          summary: /^\d+ Sarama sync producer handlers? blocked forever in "chan send \(nil chan\)"; \d+ goroutines? waiting in SendMessage$/,
          confidence: 'confirmed',
          library: 'sarama',
        },
      ],
    },
  ],
  missing: {},
});
