// no-graceful-shutdown in the source: the scan flags exactly the lines marked `// want "no-graceful-shutdown"` in fixtures/scan (Go,
// Java, JS, TS and Python's `# want`), and none of the `// ok` look-alikes beside them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { scan } from '../../../src/core/scan.js';
import { repoRoot } from '../../../src/repo-root.js';
import rule from '../../../src/scan/rules/no-graceful-shutdown.js';
import { scanFixtures, scanRuleTests } from '../../helpers/scan-markers.js';

scanRuleTests(rule);

test('no-graceful-shutdown in Java: no hook, a hook that closes only under a flag, a finally SIGTERM never reaches, a Spring field', async () => {
  const run = await scan({ root: join(scanFixtures, 'java'), includeTests: true });
  const at = (file: string) => run.diagnosis.findings.find((f) => f.ruleId === 'no-graceful-shutdown' && f.locations[0]!.file === file);
  const server = at('no-graceful-shutdown/Server.java')!;
  assert.equal(server.library, 'kafka-clients');
  assert.match(server.summary, /new KafkaProducer builds a producer in Server\.main, but nothing closes producer when the JVM stops/);
  assert.match(server.fix, /addShutdownHook/);
  assert.match(at('no-graceful-shutdown/ConditionalHook.java')!.summary, /closes producer only when graceful \(line 19\)/);
  assert.match(at('no-graceful-shutdown/PollNoHook.java')!.summary, /builds a consumer in PollNoHook\.main/);
  assert.match(at('no-graceful-shutdown/Publisher.java')!.summary, /in Publisher\.<init>/, 'a field initializer runs in the constructor');
  for (const twin of ['graceful/Hooked.java', 'graceful/Publisher.java', 'graceful/KafkaConfig.java']) assert.equal(at(twin), undefined, twin);
});

test('no-graceful-shutdown in Python: no SIGTERM path, a SIGINT-only handler, a finally only Ctrl-C reaches, an app factory; the twins are clean', async () => {
  const run = await scan({ root: join(scanFixtures, 'python'), includeTests: true });
  const at = (file: string) => run.diagnosis.findings.find((f) => f.ruleId === 'no-graceful-shutdown' && f.locations[0]!.file === file);
  const none = at('no-graceful-shutdown/no_handler.py')!;
  assert.equal(none.library, 'confluent-kafka-python');
  assert.equal(none.locations[0]!.line, 6);
  assert.match(none.summary, /Producer builds a producer in <module>, but nothing flushes producer on the way out: no signal\.signal\(signal\.SIGTERM, …\)/);
  assert.match(none.summary, /teardown_appcontext after_request runs after each request, not at shutdown/);
  assert.match(none.fix, /def on_term\(\*_\):\s+producer\.flush\(10\)/);
  const sigint = at('no-graceful-shutdown/sigint_only.py')!;
  assert.equal(sigint.library, 'kafka-python');
  assert.match(sigint.summary, /only the SIGINT handler stop flushes producer \(line 20\), and SIGTERM never reaches it/);
  assert.match(at('no-graceful-shutdown/consumer_loop.py')!.summary, /only the finally block at line 15 closes consumer \(line 16\)/);
  const factory = at('no-graceful-shutdown/factory.py')!;
  assert.match(factory.summary, /AIOKafkaProducer builds a producer in create_app, but nothing stops producer/);
  assert.match(factory.fix, /lifespan/);
  // a None guard around the flush is no condition; a flag is
  assert.equal(at('client-per-request/flask_app.py'), undefined);
  for (const twin of ['sigterm.py', 'loop.py', 'lifespan.py', 'kafka_client.py', 'server.py']) assert.equal(at(`graceful/${twin}`), undefined, twin);
  const runtime = await scan({ root: join(repoRoot, 'fixtures/python') });
  const shutdown = runtime.diagnosis.findings.filter((f) => f.ruleId === 'no-graceful-shutdown');
  assert.deepEqual(
    shutdown.map((f) => `${f.locations[0]!.file}:${f.locations[0]!.line}`),
    ['shutdown_producer.py:18'],
  );
  assert.match(shutdown[0]!.summary, /the SIGTERM handler on_term flushes producer only when GRACEFUL \(line 56\)/);
});

test('no-graceful-shutdown in JS/TS: a consumer started in async run() with no SIGTERM handler, a SIGINT-only handler, a disconnect only on the error path; the twins are clean', async () => {
  const run = await scan({ root: join(scanFixtures, 'js'), includeTests: true });
  const at = (dir: string) => run.diagnosis.findings.find((f) => f.ruleId === 'no-graceful-shutdown' && f.locations[0]!.file.startsWith(`${dir}/`));
  const none = at('startup-no-handler')!;
  assert.equal(none.library, 'kafkajs');
  assert.match(none.summary, /^kafka\.consumer builds a consumer in run, but no process\.on\('SIGTERM'\) in startup-no-handler/);
  assert.match(none.fix, /process\.once\('SIGTERM', async \(\) => \{\s+await consumer\.disconnect\(\) \/\/ commits and leaves the group/);
  assert.doesNotMatch(none.fix, /producer/);
  assert.match(at('startup-sigint-only')!.summary, /only a SIGINT handler \(startup-sigint-only\/consumer\.js:13\)/);
  assert.match(at('startup-unreached')!.summary, /never disconnects consumer; only line 13 disconnects consumer, on a path SIGTERM does not take/);
  assert.match(
    at('startup-error-events')!.summary,
    /no process\.on\('SIGTERM'\) in startup-error-events: .*; only line 19 disconnects consumer, on a path SIGTERM does not take/,
  );
  assert.match(at('startup-dead-stop')!.summary, /no process\.on\('SIGTERM'\) in startup-dead-stop: .*; only line 8 disconnects producer/);
  const lazy = at('lazy-no-shutdown')!;
  assert.match(lazy.summary, /kafka\.producer builds a producer in getProducer, but no process\.on\('SIGTERM'\)/);
  assert.match(lazy.fix, /await producer\.disconnect\(\)/, 'the variable the lazy singleton is kept in, not the local it was built in');
  for (const twin of ['startup-graceful', 'startup-signal-traps', 'startup-shutdown-helper']) assert.equal(at(twin), undefined, twin);
  const ts = await scan({ root: join(scanFixtures, 'ts/startup-consumer'), includeTests: true });
  const consumer = ts.diagnosis.findings.find((f) => f.ruleId === 'no-graceful-shutdown')!;
  assert.match(consumer.summary, /builds a consumer in run, but only a SIGINT handler \(src\/index\.ts:16\)/);
});

test('no-graceful-shutdown in Go: SIGINT only, and a deferred Close behind a loop with no way out; the fix closes the bound variable on SIGTERM', async () => {
  const run = await scan({ root: join(scanFixtures, 'go/shutdown'), includeTests: true });
  const at = (file: string, line: number) => {
    const f = run.diagnosis.findings.find((x) => x.ruleId === 'no-graceful-shutdown' && x.locations[0]!.file === file && x.locations[0]!.line === line);
    assert.ok(f, `${file}:${line}`);
    return f;
  };
  const sigint = at('sigint-only/main.go', 14);
  assert.match(sigint.summary, /signal\.Notify\(c, os\.Interrupt\) \(line 19\) catches SIGINT only/);
  assert.match(sigint.fix, /syscall\.SIGTERM[\s\S]*producer, err := sarama\.NewAsyncProducer\(…\)[\s\S]*defer producer\.Close\(\)/);
  const skipped = at('exit-skips-defer/main.go', 26);
  assert.match(skipped.summary, /group\.Close\(\) is never reached: the loop at line 44 never ends/);
  assert.match(skipped.fix, /defer group\.Close\(\)\n\s*for ctx\.Err\(\) == nil/);
});

test('no-graceful-shutdown in NestJS: onModuleDestroy disconnects only when the app enables its shutdown hooks; each module’s start-up client is its own finding', async () => {
  const nest = await scan({ root: join(scanFixtures, 'ts/nest-shutdown-hooks'), includeTests: true });
  const found = nest.diagnosis.findings.filter((f) => f.ruleId === 'no-graceful-shutdown');
  assert.deepEqual(
    found.map((f) => `${f.locations[0]!.file}:${f.locations[0]!.line}`),
    ['without/publisher.service.ts:9'],
    'the twin whose main.ts calls app.enableShutdownHooks() is silent',
  );
  assert.match(
    found[0]!.summary,
    /line 20 disconnects (this\.producer|it) in onModuleDestroy\(\), which NestJS runs on SIGTERM only after app\.enableShutdownHooks\(\)/,
  );
  assert.match(found[0]!.fix, /app\.enableShutdownHooks\(\)/);
  const two = await scan({ root: join(scanFixtures, 'js/startup-two-modules'), includeTests: true });
  assert.deepEqual(
    two.diagnosis.findings
      .filter((f) => f.ruleId === 'no-graceful-shutdown')
      .map((f) => f.locations[0]!.file)
      .sort(),
    ['mobile-consumer.js', 'notification-consumer.js'],
  );
});

test('no-graceful-shutdown, node-rdkafka streams: Producer.createWriteStream builds a producer; the fix flushes the stream’s producer', async () => {
  const run = await scan({ root: join(scanFixtures, 'js/rdkafka-streams'), includeTests: true });
  const f = run.diagnosis.findings.find((x) => x.ruleId === 'no-graceful-shutdown');
  assert.ok(f, 'a start-up write stream with no SIGTERM handler is reported');
  assert.equal(f.library, 'node-rdkafka');
  assert.equal(`${f.locations[0]!.file}:${f.locations[0]!.line}`, 'index.js:5');
  assert.match(f.fix, /stream\.producer\.flush\(10000, \(\) => stream\.producer\.disconnect/);
});
