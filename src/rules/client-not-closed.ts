// client-not-closed (Go): far more live Kafka clients than a service needs, or clients that keep
// coming. "Far": a service holds one client per purpose — producing, each consumer group, admin —
// so a handful at most; more than 10 live clients of one library means clients are being created
// repeatedly and not closed. With a baseline (--compare), 3 or more new clients also count.
// Node: a forgotten kafkajs producer keeps its Connections alive (socket handle + request-timeout
// interval are GC roots) while its Cluster is collected, so live Connections are what to count; more
// than 24 is far above what a service needs (see nodeConnectionsFarAbove).
// Deliberately ignored: Sarama clients left behind by closed producers (producer-closed-client-open
// names that cause more exactly), and counts at or below 10 without growth.
import { defineRule, type FindingDraft } from './define-rule.js';
import {
  constructorLocations,
  creationLocations,
  creatorLocations,
  orElse,
  findingLibrary,
  goLibraryNames,
  oneClientPerProcessFix,
  orphanThreshold,
  signed,
} from './helpers.js';
import type { GoLibrary } from '../signatures/types.js';

export const clientsFarAbove = 10;
/** a producer and a consumer against six brokers hold at most 24 connections (2 per broker each) */
export const nodeConnectionsFarAbove = 24;

export default defineRule({
  id: 'client-not-closed',
  meta: {
    title: 'Far more Kafka clients alive than a service needs',
    description: 'Live client count (one metadata goroutine per client) is far above the handful a service needs, or grows between two profiles.',
    severity: 'error',
    messages: {
      kafkajsConnections:
        '{live} kafkajs connections with a live socket{sinceBaseline} and {requestTimers} request-timeout timers: producers/consumers that were never disconnected',
      goClients: '{clients} live {library} clients{sinceBaseline}; a service needs one per purpose',
    },
    fix: oneClientPerProcessFix,
  },
  needs: ['goroutines', 'v8Heap'],
  needsAny: true,
  uses: ['goHeap'],
  check(evidence) {
    const findings: FindingDraft<'kafkajsConnections' | 'goClients'>[] = [];
    const heap = evidence.v8Heap as typeof evidence.v8Heap | undefined;
    if (heap) {
      const live = heap.kafka.liveSockets;
      const growth = heap.baseline ? live - heap.baseline.kafka.liveSockets : 0;
      if (live > nodeConnectionsFarAbove || growth >= 3) {
        findings.push({
          messageId: 'kafkajsConnections' as const,
          data: { live, requestTimers: heap.kafka.requestTimers, sinceBaseline: heap.baseline ? ` (${signed(growth)} since the baseline snapshot)` : '' },
          confidence: growth >= 3 ? ('confirmed' as const) : ('likely' as const),
          library: 'kafkajs' as const,
          locations: creationLocations(heap),
          evidence: [
            {
              source: 'v8Heap' as const,
              description: `Connection objects ${heap.kafka.connections}, with a TCP handle ${live}, with a request timer ${heap.kafka.requestTimers}; Cluster ${heap.kafka.clusters}, Client ${heap.kafka.clients} (${heap.source})`,
              data: { ...heap.kafka },
            },
          ],
        });
      }
    }
    const goroutines = evidence.goroutines as typeof evidence.goroutines | undefined;
    if (!goroutines) return findings;
    for (const [library, now] of Object.entries(goroutines.classification.libraries) as [
      GoLibrary,
      NonNullable<(typeof goroutines.classification.libraries)[GoLibrary]>,
    ][]) {
      if (library === 'sarama' && now.clients - (now.producers + now.syncProducers + now.groupSessions + now.partitionConsumers) >= orphanThreshold) continue;
      const before = goroutines.baseline?.libraries[library];
      const growth = before ? now.clients - before.clients : 0;
      if (now.clients <= clientsFarAbove && growth < 3) continue;
      findings.push({
        messageId: 'goClients' as const,
        data: { clients: now.clients, library: goLibraryNames[library], sinceBaseline: before ? ` (${signed(growth)} since the baseline)` : '' },
        confidence: growth >= 3 ? ('confirmed' as const) : ('likely' as const),
        library: findingLibrary(library),
        locations: orElse(constructorLocations(evidence.goHeap, library), () => creatorLocations(evidence.goroutines, library, ['client-metadata-loop'])),
        evidence: [
          {
            source: 'goroutines' as const,
            description: `${now.clients} client metadata loops, ${now.brokerConnections} broker connection readers, ${now.producers} producers`,
            data: { library, ...now },
          },
        ],
      });
    }
    return findings;
  },
});
