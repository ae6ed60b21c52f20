// shutdown-lost-messages: requests the service accepted (kleak got a 2xx for each, with a unique id) whose
// ids are not in the topics after the process exited. Sarama's AsyncProducer buffers until Close, which
// is the flush; franz-go's Close fails buffered records (Flush first); a kafkajs service that answers
// before awaiting send(), or exits in its signal handler, loses what was in flight.
import { defineRule } from './define-rule.js';
import { inRuns, plural, shutdownSequence } from './helpers.js';

export default defineRule({
  id: 'shutdown-lost-messages',
  meta: {
    title: 'Accepted messages are lost at shutdown',
    description: 'Requests the service answered 2xx through the signal are not in the topics after it exited: the producer was not flushed before exit.',
    severity: 'error',
    messages: {
      lost: '{lost} of {accepted} accepted {requestWord} lost at shutdown: their ids are not in {topics} after the process exited{runs}',
      duplicates: '{duplicates} accepted {idWord} written more than once around the signal (at-least-once: a retry through the shutdown), none lost{runs}',
    },
    fix: {
      sarama: `Close the AsyncProducer after the HTTP server stopped and before exit: Close waits for every message Input() accepted.
  ${shutdownSequence.sarama}`,
      'franz-go': `Flush before Close: kgo's Close fails buffered records with ErrClientClosed.
  ${shutdownSequence['franz-go']}`,
      kafkajs: `Answer only after await producer.send(...) resolved (send resolves on the broker's ack), and never exit before it:
  ${shutdownSequence.kafkajs}`,
      'kafka-clients': `Close the producer in a shutdown hook: close() sends every record send() accepted first. Its sender is a daemon
thread: a JVM that exits without it drops what linger.ms and batch.size still held.
  ${shutdownSequence['kafka-clients']}`,
      'confluent-kafka-python': `Flush the Producer before the process exits, in the SIGTERM handler (Kubernetes sends SIGTERM): produce()
only queues in librdkafka, and a process that exits without flush() drops what linger.ms still held:
  def on_term(*_):
      server.shutdown()          # stop taking requests first
      producer.flush(10)         # then send what is queued, within the grace period
      sys.exit(0)
  signal.signal(signal.SIGTERM, on_term)`,
      'kafka-python': `Close the KafkaProducer in the SIGTERM handler: close() flushes what send() accepted (producer.flush() first
if you close later):
  signal.signal(signal.SIGTERM, lambda *_: (producer.close(timeout=10), sys.exit(0)))`,
      aiokafka: `Stop the AIOKafkaProducer in the application's lifespan (FastAPI/Starlette) or on the loop's SIGTERM:
await producer.stop() sends what it holds first.`,
      unknown: shutdownSequence.unknown,
    },
  },
  needs: ['shutdown'],
  check({ shutdown }) {
    const runs = shutdown.runs.filter((r) => r.drive && r.drive.lost > 0);
    if (runs.length === 0) {
      // duplicates are not a loss: said as info, so that a count that grows is seen
      const twice = shutdown.runs.filter((r) => r.drive && r.drive.duplicates > 0);
      if (twice.length === 0) return [];
      const duplicates = twice.reduce((n, r) => n + r.drive!.duplicates, 0);
      return [
        {
          messageId: 'duplicates' as const,
          data: { duplicates, idWord: plural(duplicates, 'id was', 'ids were'), runs: inRuns(twice.length, shutdown.runs.length) },
          severity: 'info' as const,
          confidence: 'confirmed' as const,
          library: twice[0]!.library,
          evidence: twice.map((r) => ({
            source: 'shutdown' as const,
            description: `run ${r.run}: ${r.drive!.accepted} accepted, all found; ${r.drive!.duplicates} found more than once in ${r.drive!.scanned} messages read back`,
            data: { run: r.run, duplicates: r.drive!.duplicates },
          })),
        },
      ];
    }
    const lost = runs.reduce((n, r) => n + r.drive!.lost, 0);
    const accepted = runs.reduce((n, r) => n + r.drive!.accepted, 0);
    const first = runs[0]!;
    return [
      {
        messageId: 'lost' as const,
        data: {
          lost,
          accepted,
          requestWord: plural(accepted, 'request'),
          topics: first.drive!.topics.join(', '),
          runs: inRuns(runs.length, shutdown.runs.length),
        },
        confidence: 'confirmed' as const,
        library: first.library,
        evidence: runs.map((r) => ({
          source: 'shutdown' as const,
          description: `run ${r.run}: ${r.drive!.sent} sent, ${r.drive!.accepted} accepted (${r.drive!.acceptedAfterSignal} after the signal), ${r.drive!.found} found in ${r.drive!.scanned} messages read back, ${r.drive!.lost} lost (${r.drive!.lostIds.slice(0, 5).join(', ')}${r.drive!.lost > 5 ? ', …' : ''}); ${r.exit.exited ? `exit ${r.exit.afterMs} ms after the signal` : 'still running'}`,
          data: { run: r.run, accepted: r.drive!.accepted, lost: r.drive!.lost, lostIds: r.drive!.lostIds.join(',') },
        })),
      },
    ];
  },
});
