// client-per-request: driven requests leave broker connections (or goroutines) behind, one set each.
// Why it leaks: a Kafka client (and its producer) built inside a request handler opens its own
// broker connections and background goroutines/timers; if it is never closed, they stay forever.
// Deliberately ignored: growth below 0.5 per request (pools filling up, a second broker contacted
// late). A client built and closed per request leaves nothing behind, but pays the connection set-up
// on every request: with sockets tracked by inode, that is a warning of its own (closedPerRequest).
import type { SourceLocation } from '../types.js';
import { defineRule } from './define-rule.js';
import {
  clientKinds,
  constructorLocations,
  creationLocations,
  creatorLocations,
  orElse,
  fmt,
  jvmClientPhrases,
  libraryFor,
  oneClientPerProcessFix,
} from './helpers.js';

export const perRequestThreshold = 0.5;

export default defineRule({
  id: 'client-per-request',
  meta: {
    title: 'A Kafka client is created per request',
    description: 'Broker connections or goroutines grow with every request served and stay after the service is idle again.',
    severity: 'error',
    messages: {
      perRequest: '{what} per request ({requests} requests after {warmup} warm-up), still there after {settledAfter}{churn}',
      closedPerRequest:
        'a client built and closed per request: {opened} broker connections opened and closed per request ({requests} requests after {warmup} warm-up, median lifetime {lifetime} ms){threads}, none left open — each request pays the connection and metadata set-up{latency}{unsure}',
    },
    fix: oneClientPerProcessFix,
  },
  needs: ['watch'],
  uses: ['goHeap', 'v8Heap', 'goroutines'],
  check({ watch, goHeap, v8Heap, goroutines: dump }) {
    const d = watch.drive;
    if (!d || d.requests === 0) return [];
    const churn = d.churn?.perRequest;
    // by inode when tracked: what is still open of what was opened (a client that reaps its own idle
    // connections closes early ones while later ones open: the net count understates it)
    const connections = Math.max(d.perRequest.brokerEstablished, churn?.stillOpen ?? 0);
    const goroutines = d.perRequest.goroutines ?? 0;
    // librdkafka-based clients: one rdk:main thread per client instance, still running once idle
    const rdkClients = d.perRequest.rdkafkaClients ?? 0;
    const library = libraryFor(watch.runtime, watch.libraries);
    const rdkafka = d.perRequest.rdkafkaClients !== undefined;
    // JVM (kafka-clients): one thread per client, named after its kind; java.threads.started counts them even once closed
    const jvmClients = d.perRequest.jvmClients ?? 0;
    const jvm = d.perRequest.jvmClients !== undefined;
    // Python with diagnose --stacks --yes: py-spy sampled the stacks during the drive, inside the clients' constructors
    const python = watch.runtime === 'python';
    const pyLocations: SourceLocation[] = watch.last.processes.flatMap((p) =>
      (p.python?.stacks?.constructors ?? []).map((c) => ({
        file: c.file,
        line: c.line,
        function: c.function,
        count: c.samples,
        countOf: `py-spy samples in ${c.constructor}`,
        from: 'runtime' as const,
      })),
    );
    const unlocated =
      python && pyLocations.length === 0
        ? "a Python process's clients carry no stack of the code that built them: diagnose --stacks --yes samples its stacks with py-spy during the drive (kafka-python, aiokafka), and the scan (diagnose --source DIR) finds every constructor call"
        : rdkafka
          ? 'librdkafka clients are seen by their threads, which carry no stack of the code that built them; `kleak scan` (or diagnose --source DIR) finds the constructor calls'
          : jvm
            ? 'a JVM’s Kafka clients are seen from outside by their threads, which carry no stack of the code that built them; give the service’s source (diagnose --source DIR): the Java scan finds the line that builds them'
            : undefined;
    if (connections < perRequestThreshold && goroutines < perRequestThreshold && rdkClients < perRequestThreshold && jvmClients < perRequestThreshold) {
      if (!churn || churn.opened < perRequestThreshold) return [];
      return [
        {
          messageId: 'closedPerRequest',
          severity: 'warning',
          data: {
            opened: fmt(churn.opened),
            closed: 'true',
            openedPerRequest: churn.opened,
            requests: d.requests,
            warmup: d.warmup,
            lifetime: d.churn!.medianLifetimeMs ?? '?',
            // the cost: the requests' median wall time, and how much of it they held connections of their own
            latency: d.result.latencyMs
              ? `: a request took ${d.result.latencyMs.p50} ms (median; p90 ${d.result.latencyMs.p90} ms)${d.churn!.medianLifetimeMs !== undefined ? `, ${d.churn!.medianLifetimeMs} ms of it with a connection of its own open` : ''}`
              : '',
            ...(d.result.latencyMs ? { latencyP50Ms: d.result.latencyMs.p50 } : {}),
            // the JVM: a thread started per request and ended again (java.threads.started against live)
            // elsewhere the threads a client starts and its close ends (librdkafka's rdk: threads), seen in /proc/PID/task
            threads:
              jvm && d.perRequest.jvmThreadsStarted !== undefined
                ? `, ${fmt(d.perRequest.jvmThreadsStarted)} Java threads started per request and ${fmt(Math.max(0, d.perRequest.jvmThreadsLive ?? 0))} left (java.threads.started and .live: a client's network thread each, ended by close())`
                : (churn.threadsStarted ?? 0) >= perRequestThreshold
                  ? `, ${fmt(churn.threadsStarted!)} threads started per request and ended again (/proc/PID/task${rdkafka ? ': a librdkafka client’s rdk: threads each' : ''})`
                  : '',
            ...(jvm && d.perRequest.jvmThreadsStarted !== undefined ? { jvmThreadsStartedPerRequest: d.perRequest.jvmThreadsStarted } : {}),
            // sockets alone cannot tell a closed client from one that reaps all its idle connections (kafka-go's
            // Transport): in Go its goroutines would, in a librdkafka client its threads
            unsure:
              watch.runtime === 'go' && d.perRequest.goroutines === undefined
                ? ' (or a client that reaps all its idle connections and stays: run with --pprof, its goroutines tell them apart)'
                : '',
          },
          confidence: 'confirmed',
          library,
          locations: python ? pyLocations : library === 'kafkajs' ? creationLocations(v8Heap) : rdkafka || jvm ? [] : constructorLocations(goHeap, library),
          ...(unlocated ? { unlocated } : {}),
          evidence: [
            {
              source: 'sockets',
              description: `over the drive (/proc/PID/fd listed every ${d.churn!.pollMs} ms): ${d.churn!.socketsOpened} sockets opened and ${d.churn!.socketsClosed} closed by the process (${d.churn!.socketsClosed - d.churn!.closedUnplaced} of them placed by inode in ${d.churn!.tableReads} reads of the TCP table); broker connections ${d.churn!.brokerOpened} opened, ${d.churn!.brokerStillOpen} still open; ESTABLISHED ${d.baseline.brokerEstablished} → ${d.after.brokerEstablished}`,
              data: { opened: d.churn!.brokerOpened, closed: d.churn!.brokerClosed, stillOpen: d.churn!.brokerStillOpen, requests: d.requests },
            },
          ],
        },
      ];
    }
    const parts = [];
    if (connections < perRequestThreshold && churn && churn.opened >= perRequestThreshold)
      // every connection it opened was closed again (reaped idle), but the clients are still there
      parts.push(`${fmt(churn.opened)} new broker connections (${fmt(connections)} still open)`);
    else if (connections >= perRequestThreshold)
      parts.push(
        churn && churn.opened - connections >= 0.25
          ? `${fmt(churn.opened)} new broker connections (${fmt(connections)} still open)`
          : `${fmt(connections)} new broker connections`,
      );
    // goroutines created per request (the peak over the drive) when some ended again before the end: a client
    // that reaps its own idle connections ends their goroutines too, and the net count understates it
    const life = Object.values(d.goroutineLifecycle ?? {});
    const created = life.reduce((n, l) => n + l.created, 0);
    const left = life.reduce((n, l) => n + l.left, 0);
    if (d.perRequest.goroutines !== undefined && (goroutines >= perRequestThreshold || created >= perRequestThreshold))
      parts.push(
        created - left >= 0.25 && created >= perRequestThreshold
          ? `${fmt(created)} Kafka goroutines created (${fmt(Math.max(0, left))} still there)`
          : `${fmt(goroutines)} goroutines`,
      );
    const createdByRole = d.goroutineLifecycle
      ? Object.fromEntries(Object.entries(d.goroutineLifecycle).map(([k, l]) => [k, l.created]))
      : (d.perRequest.goroutineRoles ?? {});
    const kinds = clientKinds(createdByRole, perRequestThreshold);
    for (const k of kinds) parts.push(k.phrase);
    if (rdkClients >= perRequestThreshold)
      parts.push(`${fmt(rdkClients)} librdkafka clients (rdk:main threads; ${fmt(d.perRequest.rdkafkaBrokerThreads ?? 0)} broker threads)`);
    const jvmKinds = d.perRequest.jvmClientKinds;
    if (jvmKinds && jvmClients >= perRequestThreshold) parts.push(...jvmClientPhrases(jvmKinds, perRequestThreshold / 2));
    return [
      {
        messageId: 'perRequest',
        data: {
          kind: kinds[0]?.kind ?? (jvmKinds && jvmKinds.producers >= perRequestThreshold ? 'producer' : 'client'),
          ...(rdkafka ? { rdkafkaClientsPerRequest: rdkClients } : {}),
          ...(jvm ? { jvmClientsPerRequest: jvmClients } : {}),
          what: parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0]!,
          connectionsPerRequest: connections,
          goroutinesPerRequest: goroutines,
          requests: d.requests,
          warmup: d.warmup,
          settledAfter: d.settled ? 'the counts settled' : `${fmt(d.settleMs / 1000)} s`,
          churn:
            d.churn && churn && d.churn.brokerClosed > 0 && churn.opened - connections >= 0.25
              ? `; ${d.churn.brokerClosed} of the ${d.churn.brokerOpened} it opened were closed again during the drive by the client itself (idle connections it reaps, or a bootstrap connection dropped once it knows the brokers): the count still open understates the connections it made`
              : '',
        },
        // what stays once idle, settled: connections, librdkafka client threads, or a client kind's goroutines
        confidence:
          (connections >= perRequestThreshold ||
            rdkClients >= perRequestThreshold ||
            jvmClients >= perRequestThreshold ||
            kinds.some((k) => (d.goroutineLifecycle?.[`${k.library}/client-metadata-loop`]?.left ?? 0) >= perRequestThreshold)) &&
          d.settled
            ? 'confirmed'
            : 'likely',
        library,
        locations: python
          ? pyLocations
          : library === 'kafkajs'
            ? creationLocations(v8Heap)
            : library === 'sarama' || library === 'franz-go'
              ? orElse(constructorLocations(goHeap, library), () => creatorLocations(dump, library, ['client-metadata-loop']))
              : rdkafka || jvm
                ? []
                : constructorLocations(goHeap, library),
        ...(unlocated ? { unlocated } : {}),
        evidence: [
          {
            source: 'sockets',
            description: `ESTABLISHED broker connections ${d.baseline.brokerEstablished} → ${d.after.brokerEstablished} over ${d.requests} requests to ${d.method} ${d.url}`,
            data: { before: d.baseline.brokerEstablished, after: d.after.brokerEstablished, requests: d.requests },
          },
          ...(d.baseline.goroutines !== undefined && d.after.goroutines !== undefined
            ? [
                {
                  source: 'goroutines' as const,
                  description: `goroutines ${d.baseline.goroutines} → ${d.after.goroutines}${
                    d.perRequest.goroutineRoles
                      ? `; per request by role: ${
                          d.goroutineLifecycle
                            ? Object.entries(d.goroutineLifecycle)
                                .map(([k, l]) => `${k} ${fmt(l.created)} created, ${fmt(l.ended)} ended, ${fmt(l.left)} left`)
                                .join('; ')
                            : Object.entries(d.perRequest.goroutineRoles)
                                .map(([k, v]) => `${k} ${fmt(v)}`)
                                .join(', ')
                        }`
                      : ''
                  }`,
                  data: {
                    before: d.baseline.goroutines,
                    after: d.after.goroutines,
                    perRequestByRole: d.perRequest.goroutineRoles,
                    ...(d.goroutineLifecycle ? { lifecycleByRole: d.goroutineLifecycle } : {}),
                  },
                },
              ]
            : []),
          { source: 'sockets', description: `open fds ${d.baseline.fds} → ${d.after.fds}`, data: { before: d.baseline.fds, after: d.after.fds } },
          ...(jvm
            ? [
                {
                  source: 'sockets' as const,
                  description: `Kafka client threads in /proc/PID/task ${d.baseline.jvmClients} → ${d.after.jvmClients} (${jvmThreadWords(d.after.jvmClientKinds)}), epoll fds (one java.nio Selector per client) ${d.baseline.jvmSelectors} → ${d.after.jvmSelectors}${
                    d.baseline.jvmThreadsStarted !== undefined
                      ? `; the JVM's own counters (hsperfdata): java.threads.started ${d.baseline.jvmThreadsStarted} → ${d.after.jvmThreadsStarted}, java.threads.live ${d.baseline.jvmThreadsLive} → ${d.after.jvmThreadsLive}`
                      : ''
                  }`,
                  data: {
                    before: d.baseline.jvmClients ?? 0,
                    after: d.after.jvmClients ?? 0,
                    selectorsBefore: d.baseline.jvmSelectors ?? 0,
                    selectorsAfter: d.after.jvmSelectors ?? 0,
                    ...(d.baseline.jvmThreadsStarted !== undefined
                      ? { threadsStartedBefore: d.baseline.jvmThreadsStarted, threadsStartedAfter: d.after.jvmThreadsStarted }
                      : {}),
                    requests: d.requests,
                  },
                },
              ]
            : []),
          ...(rdkafka
            ? [
                {
                  source: 'sockets' as const,
                  description: `librdkafka client instances (rdk:main threads in /proc/PID/task) ${d.baseline.rdkafkaClients} → ${d.after.rdkafkaClients}, their broker threads ${d.baseline.rdkafkaBrokerThreads} → ${d.after.rdkafkaBrokerThreads}`,
                  data: { before: d.baseline.rdkafkaClients ?? 0, after: d.after.rdkafkaClients ?? 0, requests: d.requests },
                },
              ]
            : []),
        ],
      },
    ];
  },
});

const jvmThreadWords = (k: { producers: number; admins: number; consumers: number; asyncConsumers: number } | undefined) =>
  k ? `${k.producers} producer, ${k.admins} admin, ${k.consumers + k.asyncConsumers} consumer` : 'none';
