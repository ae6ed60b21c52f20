// client-not-closed (scan): a client bound to a local that has a path to a return (or the end of its
// scope) on which it is neither closed nor handed on — returned, stored, passed to a call, captured by
// a goroutine, closure or lambda — the lostcancel analysis; or built and dropped. main's own clients are
// no-graceful-shutdown's; request-scoped ones are client-per-request's. Python: a client its library frees
// when nothing keeps it (confluent-kafka, kafka-python's KafkaProducer) is not reported; an aiokafka client
// started and not stopped, or a kafka-python consumer not closed, is (their own tasks and threads keep them).
import { defineRule } from '../../rules/define-rule.js';
import { at, boundText, fingerprintOf, fromClientWrappers, isJsClient, jsClientName, kindText } from './helpers.js';
import type { Construction } from '../../collectors/source/types.js';

/** The JS fix names the variable that holds the client and its own kind: admin.disconnect(), not always producer's. */
function jsFix(c: Construction): string {
  const name = jsClientName(c);
  if (c.library === 'node-rdkafka')
    return `Disconnect ${name} on every path (each one is a librdkafka instance with its own threads and connections)${c.kind === 'producer' ? ', after a flush' : ''}, or keep one per process:
  try { … } finally { ${c.kind === 'producer' ? `${name}.flush(10000, () => ${name}.disconnect())` : `${name}.disconnect()`} }`;
  const callee = /^(new )?[\w$]+(\.[\w$]+)*$/.test(c.callee) ? c.callee : `new Kafka({ clientId, brokers }).${c.kind}`;
  if (c.fate.status === 'discarded' || !c.binding)
    return `Keep a reference and disconnect it on every path, or keep one per process:\n  const ${name} = ${callee}()\n  await ${name}.connect()\n  try { … } finally { await ${name}.disconnect() }`;
  return `Disconnect ${name} on every path: try { … } finally { await ${name}.disconnect() }, or keep one per process.`;
}

/**
 * A Go fix under the names the code uses. A wrapper built New…FromClient(client) frees nothing of the client when
 * it is closed (Sarama wraps the client in a no-op closer): the fix closes the client, by its own name.
 */
function goFix(c: Construction, wrapper?: Construction): string | undefined {
  if (c.language !== 'go') return undefined;
  const fc = c.fromClient;
  if (fc && !fc.closesClient && !fc.clientClosed) {
    const name = c.binding ?? c.kind;
    return `Close ${fc.client}, the client that ${name} was built from, on every path: ${c.callee}(${fc.client}) wraps it without taking it over, so ${name}.Close() alone leaves ${fc.client}'s broker connections and metadata goroutine running:
  defer ${fc.client}.Close()
  ${name}, err := ${c.callee}(${fc.client})
  if err != nil { return err }
  defer ${name}.Close() // runs first`;
  }
  if (wrapper && c.binding) {
    const owner = wrapper.binding ?? `the ${wrapper.kind}`;
    return `Close ${c.binding} when ${owner} is done with it: ${wrapper.callee}(${c.binding}) does not take it over, so ${owner}'s Close leaves it open.
Hand ${c.binding} on with it (return both, or a type whose Close closes ${owner} and then ${c.binding}), or build it with
${wrapper.callee.replace(/FromClient$/, '')}(…), whose Close closes the client it makes for itself.`;
  }
  if ((c.library === 'sarama' || c.library === 'franz-go') && c.binding && /^\w+$/.test(c.binding))
    return `Close ${c.binding} on every path, right after the error check:
  ${c.binding}, err := ${c.callee}(…)
  if err != nil { return err }
  defer ${c.binding}.Close()`;
  return undefined;
}

export default defineRule({
  id: 'client-not-closed',
  meta: {
    title: 'A Kafka client is not closed on every path',
    description:
      'A Kafka client, producer, consumer or admin is bound to a local variable and there is a path out of the function on which it is neither closed nor handed on: its connections and goroutines (or timers) stay.',
    severity: 'error',
    messages: {
      leaks: '{bound} in {function} is neither closed nor handed on when the function leaves at line {leakLine}',
      dropped: '{callee}(…) in {function} builds {kind} and {how}',
      reason: '{callee}(…) in {function} builds {kind} and {reason}',
    },
    fix: {
      sarama:
        'Close it on every path, right after the error check:\n  p, err := sarama.NewSyncProducer(brokers, cfg)\n  if err != nil { return err }\n  defer p.Close()',
      'franz-go':
        'Close it on every path, right after the error check:\n  cl, err := kgo.NewClient(opts...)\n  if err != nil { return err }\n  defer cl.Close()',
      kafkajs:
        'Disconnect it on every path: try { … } finally { await client.disconnect() } (the producer, consumer or admin built there), or keep one per process.',
      'kafka-go': 'Close it on every path: defer w.Close() (a Writer flushes on Close; a Reader leaves its group).',
      'kafka-clients': `Close it on every path: try-with-resources, or close() in finally (KafkaProducer.close() flushes first):
  try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
    producer.send(record).get();
  }`,
      'spring-kafka': `Declare the DefaultKafkaProducerFactory as a @Bean (the context destroys it on shutdown), or destroy() it on every path:
  try { template.send(topic, value).get(); } finally { factory.destroy(); }`,
      'kafka-python': `Close it on every path: a with block (kafka-python 2.2+), or close() in finally; a KafkaConsumer's IO thread
keeps a dropped one alive, with its connections and its group membership:
  consumer = KafkaConsumer(TOPIC, bootstrap_servers=BROKERS, group_id=GROUP)
  try:
      records = consumer.poll(timeout_ms=1000)
  finally:
      consumer.close()`,
      aiokafka: `Stop what you start on every path: async with (start() on entry, stop() on exit), or stop() in finally; its sender
(or fetcher) task keeps a dropped one running:
  async with AIOKafkaProducer(bootstrap_servers=BROKERS) as producer:
      await producer.send_and_wait(TOPIC, value)`,
      'confluent-kafka-python': `Flush a Producer before dropping it (flush() sends what it buffers); close a Consumer (close() commits and leaves its
group); or keep one per process:
  producer = Producer({"bootstrap.servers": BROKERS})
  try:
      producer.produce(TOPIC, value)
  finally:
      producer.flush(10)`,
      unknown: 'Close the client on every path out of the function (defer / finally), or keep one per process.',
    },
  },
  needs: ['source'],
  check({ source }) {
    // a client wrapped by New…FromClient is producer-closed-client-open's (or, when the wrapper leaks too, the wrapper's);
    // when the wrapper is handed on (returned, stored) and the client is dropped, the client is this rule's
    const wrappers = fromClientWrappers(source.constructions);
    const wrapperOf = (c: Construction) => wrappers(c)[0];
    const handedWrapper = (c: Construction) => {
      const w = wrapperOf(c);
      return w && w.fate.status === 'escapes' && !w.fromClient!.closesClient ? w : undefined;
    };
    const dropped = (c: Construction, w: Construction) =>
      `never closes it: ${w.binding ? `${w.binding}, the ${w.kind} built from it by ${w.callee}(${c.binding}),` : `the ${w.kind} built from it by ${w.callee}(${c.binding})`} is ${w.fate.how ?? 'handed on'}, and its Close does not close ${c.binding}`;
    return source.constructions
      .filter(
        (c) => !c.scope && !c.inMain && !c.singleton && (c.fate.status === 'leaks' || c.fate.status === 'discarded') && (!wrapperOf(c) || !!handedWrapper(c)),
      )
      .map((c) => {
        const w = handedWrapper(c);
        const reason = c.fate.reason ?? (w ? dropped(c, w) : undefined);
        const fix = isJsClient(c) ? jsFix(c) : goFix(c, w);
        return {
          messageId: reason ? ('reason' as const) : c.fate.status === 'leaks' && c.binding ? ('leaks' as const) : ('dropped' as const),
          data: {
            binding: c.binding ?? '_',
            bound: boundText(c),
            callee: c.callee,
            function: c.function,
            kind: kindText(c),
            leakLine: c.fate.leakLine ?? 0,
            how: c.fate.how ?? 'drops it',
            reason: reason ?? '',
          },
          confidence: 'likely' as const,
          library: c.library,
          ...(fix ? { fix } : {}),
          locations: [at(c), ...(c.fate.leakLine ? [at(c, { line: c.fate.leakLine, column: 1 })] : [])],
          fingerprint: fingerprintOf('client-not-closed', c),
          evidence: [{ source: 'source' as const, description: `${c.file}:${c.line}: ${c.snippet}` }],
        };
      });
  },
});
