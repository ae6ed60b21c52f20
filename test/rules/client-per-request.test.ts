// client-per-request over driven watch evidence.
import clientPerRequest from '../../src/rules/client-per-request.js';
import { drive, inventory, watchResult } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';

const flat = Array.from({ length: 20 }, () => 4);
const linear = Array.from({ length: 20 }, (_, i) => 4 + 2 * i);
const driven = (perRequest: Parameters<typeof drive>[0], extra = {}) => ({ watch: watchResult({ established: flat }, { drive: drive(perRequest), ...extra }) });

ruleTester(clientPerRequest, {
  valid: [
    { name: 'no growth per request', evidence: driven({ brokerEstablished: 0, goroutines: 0 }) },
    { name: 'below the 0.5 threshold (a pool filling up)', evidence: driven({ brokerEstablished: 0.1, goroutines: 0.2 }) },
    { name: 'no driver: growth over time is connections-growing', evidence: { watch: watchResult({ established: linear }) } },
  ],
  invalid: [
    {
      name: '2 connections and 3 goroutines per request, Sarama from the goroutine names',
      evidence: driven({ brokerEstablished: 2, goroutines: 3 }),
      findings: [
        {
          summary: /^2\.0 new broker connections and 3\.0 goroutines per request \(20 requests after 5 warm-up\), still there after the counts settled$/,
          library: 'sarama',
          confidence: 'confirmed',
          messageId: 'perRequest',
          data: { connectionsPerRequest: 2, goroutinesPerRequest: 3, requests: 20 },
          evidence: [/ESTABLISHED broker connections 2 → 42 over 20 requests/, /goroutines 20 → 80/, /open fds 30 → 30/],
        },
      ],
    },
    {
      name: 'goroutines alone: likely, not confirmed',
      evidence: driven({ brokerEstablished: 0, goroutines: 1 }),
      findings: [{ summary: /^1\.0 goroutines per request/, confidence: 'likely' }],
    },
    {
      name: 'a Node process: kafkajs, one connection per request',
      evidence: driven({ brokerEstablished: 1 }, { runtime: 'node', libraries: [], last: inventory([{}]) }),
      findings: [{ summary: /^1\.0 new broker connections per request/, library: 'kafkajs' }],
    },
  ],
  missing: { sockets: inventory([{}]) },
});
