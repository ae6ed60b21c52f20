// producer-closed-client-open (scan): Sarama New…FromClient(client) whose producer or consumer is
// closed while the client it wraps is not: the wrapper's Close does not close the client (Sarama wraps
// it in nopCloserClient). NewClusterAdminFromClient closes its client and is not reported.
import { defineRule } from '../../rules/define-rule.js';
import { at, fingerprintOf } from './helpers.js';

export default defineRule({
  id: 'producer-closed-client-open',
  meta: {
    title: 'The producer is closed, the client it was built from is not',
    description:
      "A producer or consumer built with Sarama's New…FromClient is closed, but the client passed in is not: Close on the wrapper leaves the client's broker connections and metadata goroutine running.",
    severity: 'error',
    messages: {
      fromClient: '{callee}({client}) in {function}: {producer} is closed but {client} never is (Close on a …FromClient {wrapper} does not close its client)',
    },
    fix: {
      sarama: 'Close the client too, after the producer:\n  defer client.Close()\n  defer producer.Close() // runs first',
      'franz-go': 'Not applicable to franz-go.',
      kafkajs: 'Not applicable to kafkajs.',
      unknown: 'Close the client passed to New…FromClient after closing the producer or consumer built from it.',
    },
  },
  needs: ['source'],
  check({ source }) {
    return source.constructions
      .filter((c) => c.fromClient && !c.fromClient.closesClient && c.fromClient.producerClosed && !c.fromClient.clientClosed)
      .map((c) => ({
        messageId: 'fromClient' as const,
        data: { callee: c.callee, client: c.fromClient!.client, function: c.function, producer: c.binding ?? 'it', wrapper: c.kind },
        confidence: 'likely' as const,
        library: c.library,
        fix: `Close ${c.fromClient!.client} too, after ${c.binding ?? `the ${c.kind}`} (${c.callee}(${c.fromClient!.client}) does not take the client over: Close on the ${c.kind} leaves ${c.fromClient!.client}'s broker connections and metadata goroutine running):
  defer ${c.fromClient!.client}.Close()
  defer ${c.binding ?? c.kind}.Close() // runs first`,
        locations: [at(c)],
        fingerprint: fingerprintOf('producer-closed-client-open', c),
        evidence: [{ source: 'source' as const, description: `${c.file}:${c.line}: ${c.snippet}` }],
      }));
  },
});
