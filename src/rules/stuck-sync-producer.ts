// stuck-sync-producer: Sarama sync producer handlers blocked forever in "chan send (nil chan)".
// Why: SyncProducer.SendMessage stores a reply channel in the *ProducerMessage and clears it when
// the reply arrives. The same message sent twice at once (two producers, or two goroutines) makes
// one handler read the cleared (nil) channel and send on it: that handler blocks for good, the
// producer's Successes/Errors stall, and every later send waits (sarama #1969, produceSet panics).
// Only visible in a debug=2 dump (debug=1 has no goroutine states).
import { defineRule } from './define-rule.js';
import { plural, creatorLocations } from './helpers.js';

export default defineRule({
  id: 'stuck-sync-producer',
  meta: {
    title: 'Sarama sync producer stuck: a message object was sent twice',
    description: 'A sync producer handler is blocked forever sending on a nil channel: one *ProducerMessage was sent through two producers, or twice at once.',
    severity: 'error',
    messages: {
      stuck: '{handlers} Sarama sync producer {handlerWord} blocked forever in "chan send (nil chan)"; {callers} {goroutineWord} waiting in SendMessage',
    },
    fix: {
      sarama: `Build a new *sarama.ProducerMessage for every send; never share one between producers,
goroutines or retries:
  for _, p := range []sarama.SyncProducer{main, audit} {
      msg := &sarama.ProducerMessage{Topic: t, Value: sarama.ByteEncoder(v)} // one per send
      if _, _, err := p.SendMessage(msg); err != nil { return err }
  }`,
      'franz-go': "n/a for franz-go (this is Sarama's message state); with franz-go do not reuse a *kgo.Record across concurrent produces either.",
      kafkajs: 'n/a for kafkajs: messages carry no per-send state.',
      unknown: 'Do not reuse one message object across concurrent sends or producers.',
    },
  },
  needs: ['goroutines'],
  check({ goroutines }) {
    const stuck = goroutines.classification.blockedForever.filter((r) => r.library === 'sarama' && r.role === 'sync-producer-handler');
    if (stuck.length === 0) return [];
    const handlers = stuck.reduce((n, r) => n + r.count, 0);
    const callers = goroutines.classification.byRole
      .filter((r) => r.library === 'sarama' && r.role === 'sync-producer-caller')
      .reduce((n, r) => n + r.count, 0);
    return [
      {
        messageId: 'stuck',
        data: { handlers, callers, handlerWord: plural(handlers, 'handler'), goroutineWord: plural(callers, 'goroutine') },
        confidence: 'confirmed',
        library: 'sarama',
        locations: creatorLocations(goroutines, 'sarama', ['sync-producer-caller', 'sync-producer-handler']),
        evidence: [
          {
            source: 'goroutines',
            description: `(*syncProducer).handleSuccesses/handleErrors in chan send (nil chan): ${handlers}; (*syncProducer).SendMessage callers: ${callers}`,
            data: { handlers, callers },
          },
        ],
      },
    ];
  },
});
