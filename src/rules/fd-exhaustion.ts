// fd-exhaustion: at the measured rate of growth, the process runs out of file descriptors in T.
// Only steady growth counts (a significant Mann-Kendall trend that does not level off): a plateau
// or a sawtooth never reaches the limit. Severity follows T: error under an hour, warning under a day.
import { defineRule } from './define-rule.js';
import { formatDuration, libraryFor, oneClientPerProcessFix } from './helpers.js';

export default defineRule({
  id: 'fd-exhaustion',
  meta: {
    title: 'The process will run out of file descriptors',
    description: 'Open file descriptors grow steadily; at the measured rate they reach the process limit ("too many open files").',
    severity: 'warning',
    messages: {
      exhaustion: '{fds} of {fdLimit} fds in use, growing {perMinute} per minute: the limit is reached in about {timeLeft}',
    },
    fix: oneClientPerProcessFix,
  },
  needs: ['watch'],
  check({ watch }) {
    const t = watch.trends.fds;
    // with a driver the samples follow the requests: the rate is the driver's, not the service's
    if (watch.drive) return [];
    if (watch.fdLimit === null || t.verdict !== 'linear-growth' || t.slopePerMinute <= 0) return [];
    const left = watch.fdLimit - t.last;
    const msLeft = (left / t.slopePerMinute) * 60_000;
    return [
      {
        messageId: 'exhaustion',
        data: { fds: t.last, fdLimit: watch.fdLimit, perMinute: t.slopePerMinute, timeLeft: formatDuration(msLeft), msLeft: Math.round(msLeft) },
        confidence: 'likely',
        severity: msLeft < 3_600_000 ? 'error' : msLeft < 86_400_000 ? 'warning' : 'info',
        library: libraryFor(watch.runtime, watch.libraries),
        evidence: [
          {
            source: 'sockets',
            description: `fds ${t.first} → ${t.last} over ${t.samples} samples (Mann-Kendall p = ${t.mannKendall.p.toExponential(1)}); limit ${watch.fdLimit}`,
            data: { fds: t.last, fdLimit: watch.fdLimit, perMinute: t.slopePerMinute, msLeft: Math.round(msLeft) },
          },
        ],
      },
    ];
  },
});
