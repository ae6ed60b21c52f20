// shared-producer-message (scan, Sarama): one *ProducerMessage sent to two producers, or sent again
// (a retry loop) without building a fresh one. Sarama keeps per-send state on the message (the sync
// producer's expectation channel; retries, flags and the idempotent sequence number), so a message in
// two sends at once races, and a re-sent one carries the last attempt's state.
import { defineRule } from '../../rules/define-rule.js';
import { at, fingerprintOf } from './helpers.js';

export default defineRule({
  id: 'shared-producer-message',
  meta: {
    title: 'One ProducerMessage is sent twice',
    description:
      "The same Sarama *ProducerMessage is sent to two producers, or re-sent in a retry loop. Sarama stores each send's state on the message (expectation, retries, sequence number): sharing it races, and re-sending it carries stale state.",
    severity: 'warning',
    messages: {
      twoProducers: '{message} was sent at line {firstLine} and is sent again here to another producer in {function}',
      retry: '{message} is built once and sent again on each pass of the loop in {function}',
      listedTwice: '{message} is listed twice in one batch of ProducerMessages in {function}: the two sends share one message',
    },
    fix: {
      sarama: 'Build a new &sarama.ProducerMessage{…} for every send (copy Topic, Key, Value); never share one between producers or retries.',
      'franz-go': 'Not applicable to franz-go.',
      kafkajs: 'Not applicable to kafkajs.',
      unknown: 'Build a fresh message for every send.',
    },
  },
  needs: ['source'],
  check({ source }) {
    return source.resends.map((r) => ({
      messageId: r.how === 'retry' ? ('retry' as const) : r.how === 'listed-twice' ? ('listedTwice' as const) : ('twoProducers' as const),
      data: { message: r.message, firstLine: r.firstLine, function: r.function },
      confidence: r.how === 'retry' ? ('possible' as const) : ('likely' as const),
      ...(r.how !== 'retry' ? { severity: 'error' as const } : {}),
      library: r.library,
      locations: [at(r)],
      fingerprint: fingerprintOf('shared-producer-message', r),
      evidence: [{ source: 'source' as const, description: `${r.file}:${r.line}: ${r.snippet}` }],
    }));
  },
});
