// records-pin-buffers (scan): a consumed record — or its Value/Key, or a slice of them — stored where
// it outlives the loop iteration (a slice or map declared outside the loop, a field, a package or
// module variable, a channel) without a copy. Sarama, franz-go and kafkajs hand out views of the fetch
// or decompression buffer, so each kept view pins the whole buffer. A copy (bytes.Clone, string(…),
// Buffer.from, toString) is not reported.
import { defineRule } from '../../rules/define-rule.js';
import { at, fingerprintOf } from './helpers.js';

export default defineRule({
  id: 'records-pin-buffers',
  meta: {
    title: 'Kept records pin whole fetch or decompression buffers',
    description:
      'A consumed record, or a view of its value or key, is stored where it outlives the loop iteration: the whole fetch or decompression buffer it points into stays in memory with it.',
    severity: 'warning',
    messages: {
      kept: '{value} is kept in {into} in {function}: it is a view of the fetch/decompression buffer, which stays in memory as long as it does',
    },
    fix: {
      sarama: 'Copy what you keep: bytes.Clone(msg.Value[:16]) (not msg.Value[:16], not msg); keep parsed values, not *ConsumerMessage.',
      'franz-go': 'Copy what you keep: bytes.Clone(r.Value[:16]) (not r.Value[:16], not r); keep parsed values, not *kgo.Record.',
      kafkajs: 'Copy what you keep: Buffer.from(message.value) or message.value.toString(); keep parsed values, not message objects.',
      unknown: 'Copy the bytes you keep out of consumed records; keep parsed values, not the records.',
    },
  },
  needs: ['source'],
  check({ source }) {
    return source.stores.map((s) => ({
      messageId: 'kept' as const,
      data: { value: s.value, into: s.into, function: s.function },
      confidence: 'likely' as const,
      library: s.library,
      locations: [at(s)],
      fingerprint: fingerprintOf('records-pin-buffers', s),
      evidence: [{ source: 'source' as const, description: `${s.file}:${s.line}: ${s.snippet}` }],
    }));
  },
});
