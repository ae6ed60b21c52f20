// producer-closed-client-open over goroutine dumps captured from the Sarama fixtures.
import producerClosedClientOpen from '../../src/rules/producer-closed-client-open.js';
import { capturedGoEvidence } from '../helpers/captured-pprof.js';
import { ruleTester } from '../helpers/rule-tester.js';

const go = (scenario: string, baseline?: string) => ({ goroutines: capturedGoEvidence(scenario, baseline).goroutines! });

ruleTester(producerClosedClientOpen, {
  valid: [
    { name: 'one request: one client, below the threshold', evidence: go('sarama-per-request-1') },
    { name: 'the shared-producer twin', evidence: go('sarama-shared-21') },
    { name: 'franz-go (no Sarama clients)', evidence: go('franz-retain-6400') },
  ],
  invalid: [
    {
      name: '21 requests: 21 orphaned clients',
      evidence: go('sarama-per-request-21'),
      findings: [
        {
          summary: '21 Sarama clients alive (21 metadata loops, 42 broker readers, 2.0 per client) but only 0 producers/consumers use them',
          confidence: 'confirmed',
          library: 'sarama',
          data: { clients: 21, readers: 42, users: 0 },
        },
      ],
    },
    {
      name: 'against the 1-request profile: +20 since the baseline',
      evidence: go('sarama-per-request-21', 'sarama-per-request-1'),
      findings: [
        { summary: /; \+20 clients since the baseline$/, confidence: 'confirmed', evidence: [/backgroundMetadataUpdater ×21/, /baseline: 1 clients/] },
      ],
    },
  ],
  missing: {},
});
