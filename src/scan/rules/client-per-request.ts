// client-per-request (scan): a Kafka client, producer, consumer or admin built inside a request
// handler or per-message code, directly or through a helper the handler calls (two calls deep).
// Not closed on every path → error (each request leaves its connections behind); closed → warning
// (each request pays a metadata round-trip and new connections). Lazy singletons (sync.Once, a nil
// guard, a module-level cache, a constructor) are not per request and are left alone. Python follows each
// library's lifecycle: a confluent-kafka client nothing keeps is freed when the handler returns (a warning), one
// kept in a module-level list is an error, and so is an aiokafka client started and never stopped (its own
// tasks keep it alive).
import { defineRule } from '../../rules/define-rule.js';
import { oneClientPerProcessFix } from '../../rules/helpers.js';
import { runsInBackground } from '../../collectors/source/types.js';
import { at, fingerprintOf, fromClientWrappers, isJsClient, jsClientName, kindText, scopeText } from './helpers.js';
import type { Construction } from '../../collectors/source/types.js';

/** The kafkajs fix for the kind that was built, under the name the code gives it: one per process, disconnected on SIGTERM. */
function jsFix(c: Construction): string | undefined {
  if (!isJsClient(c)) return undefined;
  const name = jsClientName(c).replace(/^this\./, '');
  if (c.library === 'node-rdkafka')
    return c.kind === 'consumer'
      ? `A KafkaConsumer is a long-lived group member with its own librdkafka threads and connections: build one at start-up,
connect and consume once, and disconnect it on shutdown (it commits and leaves the group):
  const ${name} = ${c.callee}({ 'group.id': group, 'metadata.broker.list': brokers }, {}) // once
  ${name}.connect()
  ${name}.on('ready', () => { ${name}.subscribe([topic]); ${name}.consume() })
  process.once('SIGTERM', () => ${name}.disconnect(() => process.exit(0)))`
      : `Create one Producer at start-up (each one is a librdkafka instance with its own threads and broker connections
outside V8), connect it once, share it; flush and disconnect it on shutdown:
  const ${name} = ${c.callee}({ 'metadata.broker.list': brokers }) // once
  ${name}.connect()
  app.post('/orders', (req, res) => { ${name}.produce(topic, null, Buffer.from(body)); … })
  process.once('SIGTERM', () => ${name}.flush(10000, () => ${name}.disconnect()))`;
  const written = c.callee.replace(/\.\w+$/, '');
  const owner = /^[\w$]+(\.[\w$]+)*$/.test(written) ? written : 'new Kafka({ clientId, brokers })';
  if (c.kind === 'consumer')
    return `A consumer is a long-lived group member, not a per-request object: build one at start-up, run it once, and disconnect it on shutdown (it commits and leaves the group):
  const ${name} = ${owner}.consumer({ groupId }) // once
  await ${name}.connect()
  await ${name}.subscribe({ topics })
  await ${name}.run({ eachMessage: async ({ message }) => { … } })
  process.once('SIGTERM', () => ${name}.disconnect())`;
  if (c.kind === 'admin')
    return `Create one admin at start-up, connect it once, share it, and disconnect it on shutdown:
  const ${name} = ${owner}.admin() // once
  await ${name}.connect()
  app.get('/topics', async (req, res) => { res.json(await ${name}.listTopics()) })
  process.once('SIGTERM', () => ${name}.disconnect())`;
  return `Create one producer at start-up, connect it once, share it, and disconnect it on shutdown:
  const ${name} = ${owner}.producer() // once
  await ${name}.connect()
  app.post('/orders', async (req, res) => { await ${name}.send({ topic, messages }) })
  process.once('SIGTERM', () => ${name}.disconnect())`;
}

export default defineRule({
  id: 'client-per-request',
  meta: {
    title: 'A Kafka client is created per request',
    description:
      'A Kafka client, producer, consumer or admin is constructed inside a request handler or per-message code: every request opens new broker connections (and, unless it is closed on every path, leaves them behind).',
    severity: 'error',
    messages: {
      leaks: '{callee} builds {kind} in {scope} and {fate}: each request leaves its broker connections behind',
      closed: '{callee} builds {kind} in {scope} and closes it ({how}): each request pays a metadata round-trip and new broker connections',
      handedOn: '{callee} builds {kind} in {scope} and hands it on ({how}) with nothing that builds it only once',
    },
    fix: {
      ...oneClientPerProcessFix,
      'kafka-go': `Create one *kafka.Writer at start-up and share it (it is safe for concurrent use); Close it on shutdown:
  w := &kafka.Writer{Addr: kafka.TCP(brokers...), Balancer: &kafka.LeastBytes{}} // once, in main
  defer w.Close()`,
      'confluent-kafka-python': `Build one Producer at import time (or in the app factory) and share it: it is thread-safe, and each one is a
librdkafka instance with its own threads and broker connections. Keep none per request; flush it on SIGTERM:
  producer = Producer({"bootstrap.servers": BROKERS})  # once, at import

  @app.post("/orders")
  def orders():
      producer.produce(TOPIC, request.data)
      producer.poll(0)
      return "", 202

  def on_term(*_):
      producer.flush(10)
      sys.exit(0)

  signal.signal(signal.SIGTERM, on_term)`,
      'kafka-python': `Build one KafkaProducer at start-up (it is thread-safe) and share it; a KafkaConsumer belongs to a long-running
consumer thread, not to a request. Close them on SIGTERM (a consumer's close() leaves its group at once):
  producer = KafkaProducer(bootstrap_servers=BROKERS)  # once, at import

  def on_term(*_):
      producer.close()  # flushes first
      sys.exit(0)

  signal.signal(signal.SIGTERM, on_term)`,
      aiokafka: `Start one AIOKafkaProducer in the application's lifespan, stop it there, and share it: a producer started per
request is kept alive by its own sender task even after the handler drops it.
  @asynccontextmanager
  async def lifespan(app):
      app.state.producer = AIOKafkaProducer(bootstrap_servers=BROKERS)
      await app.state.producer.start()
      yield
      await app.state.producer.stop()  # flushes, then closes

  app = FastAPI(lifespan=lifespan)

  @app.post("/orders")
  async def orders(request: Request):
      await request.app.state.producer.send_and_wait(TOPIC, await request.body())`,
    },
  },
  needs: ['source'],
  check({ source }) {
    const wrappers = fromClientWrappers(source.constructions);
    return source.constructions
      .filter((c) => c.scope && !c.singleton && !(c.fromClient && c.fate.status === 'closed'))
      .map((c) => {
        const scope = scopeText(c.scope!);
        const base = { callee: c.callee, kind: kindText(c), scope, entry: c.scope!.entry, scopeKind: c.scope!.kind, chain: c.scope!.chain.join(' → ') };
        const locations = [at(c), ...(c.fate.leakLine ? [at(c, { line: c.fate.leakLine, column: 1 })] : [])];
        // a Go client wrapped New…FromClient(client) in the same function: closing the wrapper does not close it
        const wrapper = c.language === 'go' ? wrappers(c).find((o) => !o.fromClient!.closesClient) : undefined;
        const wrapperName = wrapper && (wrapper.binding ?? `the ${wrapper.kind}`);
        const fix =
          jsFix(c) ??
          (wrapper
            ? `Create ${c.binding} once at start-up, share it, and close it on shutdown; closing ${wrapperName}, built from it by ${wrapper.callee}(${c.binding}), does not close it:
  ${c.binding}, err := ${c.callee}(brokers, cfg) // once, in main
  if err != nil { log.Fatal(err) }
  defer ${c.binding}.Close()`
            : undefined);
        const common = {
          library: c.library,
          ...(fix ? { fix } : {}),
          locations,
          fingerprint: fingerprintOf('client-per-request', c),
          evidence: [{ source: 'source' as const, description: `${c.file}:${c.line}: ${c.snippet}` }],
        };
        const background = c.fate.how === runsInBackground;
        if (c.fate.status === 'leaks' || c.fate.status === 'discarded' || background) {
          const fate = background
            ? 'starts it with run() and never disconnects it'
            : c.fate.reason
              ? c.fate.reason
              : c.fate.status === 'discarded'
                ? `drops it (${c.fate.how})`
                : `does not close it on the path that leaves at line ${c.fate.leakLine}${
                    wrapper && wrapper.fromClient?.producerClosed ? ` (${wrapperName}.Close() does not close ${c.binding}: ${wrapper.callee} wraps it)` : ''
                  }`;
          return { ...common, messageId: 'leaks' as const, data: { ...base, fate }, confidence: 'likely' as const };
        }
        if (c.fate.status === 'closed')
          return {
            ...common,
            messageId: 'closed' as const,
            data: { ...base, how: c.fate.how ?? 'closed' },
            confidence: 'likely' as const,
            severity: 'warning' as const,
          };
        return {
          ...common,
          messageId: 'handedOn' as const,
          data: { ...base, how: c.fate.how ?? 'escapes' },
          confidence: 'possible' as const,
          severity: 'warning' as const,
        };
      });
  },
});
