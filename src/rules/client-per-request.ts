// client-per-request: driven requests leave broker connections (or goroutines) behind, one set each.
// Why it leaks: a Kafka client (and its producer) built inside a request handler opens its own
// broker connections and background goroutines/timers; if it is never closed, they stay forever.
// Deliberately ignored: growth below 0.5 per request (pools filling up, a second broker contacted
// late), and anything that went away again before the counts settled (a client closed per request
// is wasteful but not a leak).
import { defineRule } from './define-rule.js';
import { constructorLocations, creationLocations, creatorLocations, orElse, fmt, libraryFor, oneClientPerProcessFix } from './helpers.js';

export const perRequestThreshold = 0.5;

export default defineRule({
  id: 'client-per-request',
  meta: {
    title: 'A Kafka client is created per request and never closed',
    description: 'Broker connections or goroutines grow with every request served and stay after the service is idle again.',
    severity: 'error',
    messages: {
      perRequest: '{what} per request ({requests} requests after {warmup} warm-up), still there after {settledAfter}',
    },
    fix: oneClientPerProcessFix,
  },
  needs: ['watch'],
  uses: ['goHeap', 'v8Heap', 'goroutines'],
  check({ watch, goHeap, v8Heap, goroutines: dump }) {
    const d = watch.drive;
    if (!d || d.requests === 0) return [];
    const connections = d.perRequest.brokerEstablished;
    const goroutines = d.perRequest.goroutines ?? 0;
    if (connections < perRequestThreshold && goroutines < perRequestThreshold) return [];
    const parts = [];
    if (connections >= perRequestThreshold) parts.push(`${fmt(connections)} new broker connections`);
    if (d.perRequest.goroutines !== undefined && goroutines >= perRequestThreshold) parts.push(`${fmt(goroutines)} goroutines`);
    const clientLoops = Object.entries(d.perRequest.goroutineRoles ?? {}).filter(([k, v]) => k.endsWith('/client-metadata-loop') && v >= perRequestThreshold);
    for (const [key, v] of clientLoops) parts.push(`${fmt(v)} ${key.split('/')[0] === 'sarama' ? 'Sarama' : key.split('/')[0]} clients`);
    const library = libraryFor(watch.runtime, watch.libraries);
    return [
      {
        messageId: 'perRequest',
        data: {
          what: parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0]!,
          connectionsPerRequest: connections,
          goroutinesPerRequest: goroutines,
          requests: d.requests,
          warmup: d.warmup,
          settledAfter: d.settled ? 'the counts settled' : `${fmt(d.settleMs / 1000)} s`,
        },
        confidence: connections >= perRequestThreshold && d.settled ? 'confirmed' : 'likely',
        library,
        locations:
          library === 'kafkajs'
            ? creationLocations(v8Heap)
            : library === 'sarama' || library === 'franz-go'
              ? orElse(constructorLocations(goHeap, library), () => creatorLocations(dump, library, ['client-metadata-loop']))
              : constructorLocations(goHeap, library),
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
                      ? `; per request by role: ${Object.entries(d.perRequest.goroutineRoles)
                          .map(([k, v]) => `${k} ${fmt(v)}`)
                          .join(', ')}`
                      : ''
                  }`,
                  data: { before: d.baseline.goroutines, after: d.after.goroutines, perRequestByRole: d.perRequest.goroutineRoles },
                },
              ]
            : []),
          { source: 'sockets', description: `open fds ${d.baseline.fds} → ${d.after.fds}`, data: { before: d.baseline.fds, after: d.after.fds } },
        ],
      },
    ];
  },
});
