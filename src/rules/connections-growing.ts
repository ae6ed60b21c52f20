// connections-growing: broker connections grow steadily while the service runs, without a driver.
// Why it matters: steady growth is what clients created and never closed look like under real
// traffic. Deliberately ignored: a warm-up plateau (connections opened once on the first requests)
// and a sawtooth (the broker reaps idle connections and the client reopens them): both are bounded.
import { defineRule } from './define-rule.js';
import { fmt, libraryFor, oneClientPerProcessFix } from './helpers.js';

export default defineRule({
  id: 'connections-growing',
  meta: {
    title: 'Broker connections grow steadily',
    description: 'The number of ESTABLISHED connections to the brokers shows a significant upward trend over the watch window that does not level off.',
    severity: 'warning',
    messages: {
      growing: 'broker connections grew {first} → {last} in {seconds} s: {perMinute:1} per minute, and still growing (Mann-Kendall p = {p})',
    },
    fix: oneClientPerProcessFix,
  },
  needs: ['watch'],
  check({ watch }) {
    if (watch.drive) return [];
    const t = watch.trends.brokerEstablished;
    if (t.verdict !== 'linear-growth') return [];
    const minutes = (watch.samples[watch.samples.length - 1]!.atMs - watch.samples[0]!.atMs) / 60_000;
    return [
      {
        messageId: 'growing',
        data: { first: t.first, last: t.last, seconds: fmt(minutes * 60, 0), perMinute: t.slopePerMinute, p: t.mannKendall.p.toExponential(1) },
        confidence: 'likely',
        library: libraryFor(watch.runtime, watch.libraries),
        evidence: [
          {
            source: 'sockets',
            description: `${t.samples} samples every ${watch.intervalMs} ms; Theil-Sen slope ${fmt(t.slopePerMinute)}/min overall, ${fmt(t.recentSlopePerMinute)}/min in the second half`,
            data: { ...t },
          },
        ],
      },
    ];
  },
});
