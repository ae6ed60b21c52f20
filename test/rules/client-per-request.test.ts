// client-per-request over driven watch evidence.
import clientPerRequest from '../../src/rules/client-per-request.js';
import { drive, inventory, watchResult } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';

const flat = Array.from({ length: 20 }, () => 4);
const linear = Array.from({ length: 20 }, (_, i) => 4 + 2 * i);
const driven = (perRequest: Parameters<typeof drive>[0], extra = {}) => ({ watch: watchResult({ established: flat }, { drive: drive(perRequest), ...extra }) });
/** sockets by inode over 20 requests: opened, closed, still open */
const churned = (perRequest: Parameters<typeof drive>[0], opened: number, closed: number, extra = {}) => {
  const d = drive(perRequest);
  d.churn = {
    pollMs: 0.5,
    polls: 4000,
    durationMs: 2000,
    socketsOpened: opened,
    socketsClosed: closed,
    tableReads: 40,
    closedUnplaced: 0,
    brokerOpened: opened,
    brokerClosed: closed,
    brokerStillOpen: opened - closed,
    medianLifetimeMs: 9.3,
    perRequest: { opened: opened / 20, closed: closed / 20, stillOpen: (opened - closed) / 20 },
  };
  return { watch: watchResult({ established: flat }, { drive: d, ...extra }) };
};

ruleTester(clientPerRequest, {
  valid: [
    { name: 'no growth per request', evidence: driven({ brokerEstablished: 0, goroutines: 0 }) },
    { name: 'below the 0.5 threshold (a pool filling up)', evidence: driven({ brokerEstablished: 0.1, goroutines: 0.2 }) },
    { name: 'no driver: growth over time is connections-growing', evidence: { watch: watchResult({ established: linear }) } },
    { name: 'sockets tracked, none opened: one shared client', evidence: churned({ brokerEstablished: 0 }, 0, 0) },
    {
      name: 'a connection opened once in 20 requests (a second broker contacted late): below the threshold',
      evidence: churned({ brokerEstablished: 0 }, 1, 1),
    },
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
      name: 'a client built and closed per request: no net growth, 2 connections opened and closed each time — a warning',
      evidence: churned({ brokerEstablished: 0, goroutines: 0 }, 40, 40),
      findings: [
        {
          summary:
            'a client built and closed per request: 2.0 broker connections opened and closed per request (20 requests after 5 warm-up, median lifetime 9.3 ms), none left open — each request pays the connection and metadata set-up',
          severity: 'warning',
          messageId: 'closedPerRequest',
          data: { closed: 'true', openedPerRequest: 2 },
          evidence: [/40 sockets opened and 40 closed by the process \(40 of them placed by inode in 40 reads of the TCP table\)/],
        },
      ],
    },
    {
      name: 'built and closed per request, with the cost: the requests’ median wall time and the connection lifetime in it',
      evidence: (() => {
        const e = churned({ brokerEstablished: 0, goroutines: 0 }, 40, 40);
        e.watch.drive!.result.latencyMs = { p50: 41.2, p90: 55.0, samples: 20 };
        return e;
      })(),
      findings: [
        {
          summary:
            /each request pays the connection and metadata set-up: a request took 41\.2 ms \(median; p90 55 ms\), 9\.3 ms of it with a connection of its own open$/,
          severity: 'warning',
          data: { latencyP50Ms: 41.2 },
        },
      ],
    },
    {
      name: 'a client that reaps its own idle connections: 2 opened per request, 1 closed again — the leak, with its true opening rate',
      evidence: churned({ brokerEstablished: 0.9, goroutines: 3 }, 40, 20),
      findings: [
        {
          summary:
            /^2\.0 new broker connections \(1\.0 still open\) and 3\.0 goroutines per request .*; 20 of the 40 it opened were closed again during the drive by the client itself \(idle connections it reaps/,
          severity: 'error',
          messageId: 'perRequest',
        },
      ],
    },
    {
      name: 'kafka-go Writers per request whose Transport reaps idle connections: goroutines created counted by role, the kinds named',
      evidence: (() => {
        const e = churned(
          { brokerEstablished: 0.9, goroutines: 1.9, goroutineRoles: { 'kafka-go/client-metadata-loop': 0.5, 'kafka-go/broker-reader': 0.4 } },
          40,
          22,
        );
        e.watch.drive!.goroutineLifecycle = {
          'kafka-go/client-metadata-loop': { created: 1, ended: 0.5, left: 0.5 },
          'kafka-go/producer-dispatcher': { created: 1, ended: 1, left: 0 },
          'kafka-go/broker-reader': { created: 1, ended: 0.6, left: 0.4 },
        };
        e.watch.libraries = ['kafka-go'];
        return e;
      })(),
      findings: [
        {
          summary:
            /^2\.0 new broker connections \(0\.9 still open\), 3\.0 Kafka goroutines created \(0\.9 still there\), 1\.0 segmentio\/kafka-go clients and 1\.0 segmentio\/kafka-go producers per request/,
          library: 'kafka-go',
          data: { kind: 'client' },
          evidence: [
            /ESTABLISHED/,
            /kafka-go\/client-metadata-loop 1\.0 created, 0\.5 ended, 0\.5 left; kafka-go\/producer-dispatcher 1\.0 created, 1\.0 ended, 0\.0 left/,
            /open fds/,
          ],
        },
      ],
    },
    {
      name: 'Sarama sync producers per request: the kind is the sync producer, two handler goroutines each',
      evidence: driven({ brokerEstablished: 1, goroutines: 6, goroutineRoles: { 'sarama/sync-producer-handler': 2 } }),
      findings: [{ summary: /^1\.0 new broker connections, 6\.0 goroutines and 1\.0 Sarama sync producers per request/, data: { kind: 'sync producer' } }],
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
