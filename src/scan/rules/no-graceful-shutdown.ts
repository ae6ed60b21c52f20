// no-graceful-shutdown (scan): a program builds a producer or consumer but has no path from SIGTERM to
// closing it: Go — package main without signal.Notify/NotifyContext (or uber-go/fx), a client main
// never closes, franz-go Close without Flush on a producing client; Node — no SIGTERM/SIGINT handler
// (nor NestJS enableShutdownHooks, terminus) in the package, or one that calls process.exit first; Java —
// a serving or polling program (or a Spring component) whose producer or consumer, built in main, a field
// or a constructor, no shutdown hook, @PreDestroy or DisposableBean.destroy() closes (or closes only
// under a condition). A @Bean is the Spring context's to close. Python — a serving or polling program whose
// producer or consumer, built at import time, in the app factory or lifespan, in main or as a lazy singleton,
// no SIGTERM handler, atexit hook, lifespan (after its yield) or shutdown event flushes, closes or stops (or does
// so only under a condition); a SIGINT-only handler does not count (Kubernetes sends SIGTERM).
import { defineRule } from '../../rules/define-rule.js';
import { shutdownSequence } from '../../rules/helpers.js';
import { at, fingerprintOf, isJsClient, jsClientName, kindText } from './helpers.js';
import type { Construction } from '../../collectors/source/types.js';

/** The kafkajs fix names the client that was built and what its disconnect() does. */
function jsFix(c: Construction): string {
  // node-rdkafka's streams hold their client as .producer / .consumer
  const stream = /\.createWriteStream$/.test(c.callee) ? '.producer' : /\.createReadStream$/.test(c.callee) ? '.consumer' : '';
  const name = `${jsClientName(c)}${stream}`;
  if (c.library === 'node-rdkafka')
    return `${c.kind === 'producer' ? 'Flush and disconnect' : 'Disconnect'} ${name} on SIGTERM before exiting (Kubernetes stops a pod with SIGTERM; a SIGINT handler alone never runs there):
  process.once('SIGTERM', () => {
    ${c.kind === 'producer' ? `${name}.flush(10000, () => ${name}.disconnect(() => process.exit(0)))` : `${name}.disconnect(() => process.exit(0)) // commits and leaves the group`}
  })`;
  const does = c.kind === 'consumer' ? ' // commits and leaves the group' : c.kind === 'producer' ? ' // sends what it buffers, then closes' : '';
  return `Disconnect ${name} on SIGTERM before exiting (Kubernetes stops a pod with SIGTERM; a SIGINT handler alone never runs there):
  process.once('SIGTERM', async () => {
    await ${name}.disconnect()${does}
    process.exit(0)
  })`;
}

/** NestJS runs onModuleDestroy and the other shutdown hooks on SIGTERM only when the application asks it to. */
const nestFix = `Let NestJS run its shutdown hooks on SIGTERM (the disconnect in the hook is right; Nest never calls it without this):
  const app = await NestFactory.create(AppModule)
  app.enableShutdownHooks() // SIGTERM → onModuleDestroy → disconnect()
  await app.listen(3000)`;

/** The Go fix under the variable the code binds: SIGTERM (not only SIGINT) ends main's loop, so main returns and its defers run. */
function goFix(c: Construction, reason: string): string | undefined {
  if (c.language !== 'go' || !c.binding || !/^\w+$/.test(c.binding) || c.library === 'franz-go') return undefined;
  const name = c.binding;
  const loop =
    reason === 'not-closed'
      ? `
  for ctx.Err() == nil { … } // a loop that ends on SIGTERM, so main returns and runs its defers`
      : `
  <-ctx.Done() // or a consume loop that returns once ctx is done`;
  return `Stop on SIGTERM (Kubernetes sends SIGTERM; os.Interrupt alone is Ctrl-C) and close ${name} on the way out of main:
  ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
  defer stop()
  ${name}, err := ${c.callee}(…)
  if err != nil { log.Fatal(err) }
  defer ${name}.Close()${loop}`;
}

export default defineRule({
  id: 'no-graceful-shutdown',
  meta: {
    title: 'No graceful shutdown for a producer or consumer',
    description:
      'The program builds a Kafka producer or consumer but nothing closes it when the process is asked to stop (SIGTERM): buffered messages are lost, and the consumer group waits out the session timeout before its partitions move.',
    severity: 'warning',
    messages: {
      'no-signal-handler': '{callee} builds {kind} in {function}, but {detail}',
      'not-closed': '{callee} builds {kind} in {function}, and {detail}',
      'close-without-flush': '{callee} builds {kind} in {function}: {detail}',
      'exit-before-disconnect': '{callee} builds {kind} in {function}, but {detail}',
    },
    fix: {
      sarama: `Stop on SIGTERM and close what you built (AsyncProducer.Close flushes; a consumer group's Close commits and leaves):
  ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
  defer stop()
  producer, err := sarama.NewAsyncProducer(brokers, cfg)
  if err != nil { log.Fatal(err) }
  defer producer.Close()
  <-ctx.Done()`,
      'franz-go': `Flush, then close, on SIGTERM (Close alone fails buffered records):
  ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
  defer stop()
  <-ctx.Done()
  flushCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
  defer cancel()
  _ = cl.Flush(flushCtx)
  cl.Close()`,
      kafkajs: `Disconnect on SIGTERM before exiting:
  process.once('SIGTERM', async () => {
    await consumer.disconnect() // commits and leaves the group
    await producer.disconnect()
    process.exit(0)
  })`,
      'kafka-clients': `Close it in a shutdown hook (on SIGTERM the JVM runs hooks, not main's finally blocks):
  ${shutdownSequence['kafka-clients']}`,
      'spring-kafka': `Let Spring own it: declare the ProducerFactory (and KafkaTemplate) as @Beans, which the context destroys on
shutdown; a factory you build yourself needs factory.destroy() in a @PreDestroy method or a shutdown hook.`,
      'confluent-kafka-python': `Flush the Producer (close the Consumer) in a SIGTERM handler: Python's default SIGTERM action ends the process at
once, with what the Producer still buffers:
  producer = Producer({"bootstrap.servers": BROKERS})  # once, at import or in the app factory

  def on_term(*_):
      producer.flush(10)  # sends what it buffers
      consumer.close()    # the last commit, then LeaveGroup
      sys.exit(0)

  signal.signal(signal.SIGTERM, on_term)  # SIGINT alone is not enough: Kubernetes sends SIGTERM`,
      'kafka-python': `Close it in a SIGTERM handler (KafkaProducer.close() flushes; KafkaConsumer.close() leaves the group):
  def on_term(*_):
      producer.close()
      consumer.close()
      sys.exit(0)

  signal.signal(signal.SIGTERM, on_term)`,
      aiokafka: `Start and stop it in the application's lifespan (uvicorn runs the shutdown half on SIGTERM):
  @asynccontextmanager
  async def lifespan(app):
      await producer.start()
      yield
      await producer.stop()  # flushes, then closes

  app = FastAPI(lifespan=lifespan)
Without a server that handles SIGTERM: loop.add_signal_handler(signal.SIGTERM, stop_event.set), then stop() it.`,
      unknown: 'Handle SIGTERM: flush and close producers, close consumers (final commit, LeaveGroup), then exit.',
    },
  },
  needs: ['source'],
  check({ source }) {
    const byLine = new Map(source.constructions.map((c) => [`${c.file}:${c.line}:${c.column}`, c]));
    return source.shutdown.map((g) => {
      // the Go analyzer's gap (a factory in another package) names its constructor; main, not the factory, needs the fix
      const c = g.callee ? undefined : byLine.get(`${g.file}:${g.line}:${g.column}`);
      return {
        messageId: g.reason,
        data: { callee: c?.callee ?? g.callee ?? 'it', kind: kindText(g), function: g.function, detail: g.detail },
        confidence: g.reason === 'no-signal-handler' ? ('likely' as const) : ('possible' as const),
        library: g.library,
        ...(c && isJsClient(c)
          ? { fix: /enableShutdownHooks/.test(g.detail) ? nestFix : jsFix(c) }
          : c && goFix(c, g.reason)
            ? { fix: goFix(c, g.reason)! }
            : {}),
        locations: [at(g)],
        fingerprint: fingerprintOf('no-graceful-shutdown', g),
        evidence: [{ source: 'source' as const, description: `${g.file}:${g.line}: ${g.snippet}` }],
      };
    });
  },
});
