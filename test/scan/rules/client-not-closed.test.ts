// client-not-closed in the source: the scan flags exactly the lines marked `// want "client-not-closed"` in fixtures/scan (Go,
// Java, JS, TS and Python's `# want`), and none of the `// ok` look-alikes beside them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { scan } from '../../../src/core/scan.js';
import rule from '../../../src/scan/rules/client-not-closed.js';
import { scanFixtures, scanRuleTests } from '../../helpers/scan-markers.js';

scanRuleTests(rule);

test('client-not-closed in Java: the path that leaves without close(), a client dropped after one call, the Java fix', async () => {
  const run = await scan({ root: join(scanFixtures, 'java/client-not-closed'), includeTests: true });
  const found = run.diagnosis.findings.filter((f) => f.ruleId === 'client-not-closed');
  assert.deepEqual(
    found.map((f) => f.locations.map((l) => l.line)),
    [[20, 22], [25, 27], [34]],
    'each finding names the construction and, when there is one, the line where the path without close() leaves',
  );
  assert.match(found[1]!.summary, /Jobs\.sendSome is neither closed nor handed on when the function leaves at line 27/);
  assert.match(found[2]!.summary, /AdminClient\.create\(…\) in Jobs\.topics builds an admin client and listTopics\(…\) is called on it/);
  assert.match(found[0]!.fix, /try \(KafkaProducer<String, String> producer = new KafkaProducer<>\(props\)\)/);
});

test('client-not-closed in Python: aiokafka started and not stopped, a kafka-python consumer left open on a path; a dropped confluent Producer is freed', async () => {
  const run = await scan({ root: join(scanFixtures, 'python/client-not-closed'), includeTests: true });
  const found = run.diagnosis.findings.filter((f) => f.ruleId === 'client-not-closed');
  assert.deepEqual(
    found.map((f) => f.locations.map((l) => l.line)),
    [
      [15, 17],
      [21, 24],
    ],
    'the construction, and the line where the path without close()/stop() leaves',
  );
  assert.equal(found[0]!.library, 'aiokafka');
  assert.match(
    found[0]!.summary,
    /AIOKafkaProducer\(…\) in publish_report builds a producer and starts it \(producer\.start\(\)\) and does not stop it on the path that leaves at line 17 \(its sender task keeps it running\)/,
  );
  assert.match(found[0]!.fix, /async with AIOKafkaProducer\(bootstrap_servers=BROKERS\) as producer:/);
  assert.equal(found[1]!.library, 'kafka-python');
  assert.match(found[1]!.summary, /KafkaConsumer\(…\) in lag is neither closed nor handed on when the function leaves at line 24/);
  assert.match(found[1]!.fix, /finally:\s+consumer\.close\(\)/);
});

test('client-not-closed in JS and TS: the message reads as JS (const admin = kafka.admin(…)), the fix disconnects the client that was built', async () => {
  const run = await scan({ root: join(scanFixtures, 'js/client-not-closed'), includeTests: true });
  const at = (line: number) => run.diagnosis.findings.find((f) => f.ruleId === 'client-not-closed' && f.locations[0]!.line === line)!;
  assert.match(at(6).summary, /^const admin = kafka\.admin\(…\) in listOnce is neither closed nor handed on when the function leaves at line 9$/);
  assert.doesNotMatch(at(6).summary, /:=/);
  assert.match(at(6).fix, /finally \{ await admin\.disconnect\(\) \}/);
  assert.doesNotMatch(at(6).fix, /producer/);
  assert.match(at(15).fix, /const producer = kafka\.producer\(\)[\s\S]*await producer\.disconnect\(\)/, 'a dropped producer: keep a reference to disconnect');
  const ts = await scan({ root: join(scanFixtures, 'ts/client-not-closed'), includeTests: true });
  const consumer = ts.diagnosis.findings.find((f) => f.ruleId === 'client-not-closed')!;
  assert.match(consumer.summary, /^const consumer = kafka\.consumer\(…\) in describe is neither closed nor handed on when the function leaves at line 9$/);
  assert.match(consumer.fix, /await consumer\.disconnect\(\)/);
  assert.doesNotMatch(consumer.fix, /producer/);
});

test('client-not-closed in Go, New…FromClient: the fix closes the client by its own name; a wrapper handed on leaves the dropped client reported', async () => {
  const run = await scan({ root: join(scanFixtures, 'go/from-client'), includeTests: true });
  const at = (line: number) => {
    const f = run.diagnosis.findings.find((x) => x.ruleId === 'client-not-closed' && x.locations[0]!.line === line);
    assert.ok(f, `lag.go:${line}`);
    return f;
  };
  // consumer.Close() would free nothing of kafkaClient: the fix names kafkaClient
  const wrapper = at(16).fix;
  assert.match(wrapper, /defer kafkaClient\.Close\(\)/);
  assert.match(wrapper, /consumer, err := sarama\.NewConsumerFromClient\(kafkaClient\)/);
  assert.doesNotMatch(wrapper, /\bp\.Close\(\)|NewSyncProducer\(brokers/);
  // the producer is returned, its client dropped
  const dropped = at(55);
  assert.match(
    dropped.summary,
    /never closes it: the producer built from it by sarama\.NewSyncProducerFromClient\(client\) is returned, and its Close does not close client/,
  );
  assert.match(dropped.fix, /Close client when the producer is done with it[\s\S]*sarama\.NewSyncProducer\(…\)/);
});

test('client-not-closed in Go: the fix uses the variable the code binds', async () => {
  const run = await scan({ root: join(scanFixtures, 'go/client-not-closed'), includeTests: true });
  const found = run.diagnosis.findings.filter((f) => f.ruleId === 'client-not-closed' && f.library === 'sarama' && /:= /.test(f.summary));
  assert.ok(found.length > 0);
  for (const f of found) {
    const name = /^(\w+) := /.exec(f.summary)![1]!;
    assert.match(f.fix, new RegExp(`defer ${name}\\.Close\\(\\)`), f.fix);
  }
});

test('client-not-closed in JS: a module-level admin connected and disconnected by a start-up function, with an awaited call between and no try/finally', async () => {
  const run = await scan({ root: join(scanFixtures, 'js/startup-admin-session'), includeTests: true });
  const found = run.diagnosis.findings.filter((f) => f.ruleId === 'client-not-closed');
  assert.deepEqual(
    found.map((f) => `${f.locations[0]!.file}:${f.locations[0]!.line}`),
    ['topics.js:5'],
    'the twin that disconnects in finally is silent',
  );
  assert.match(found[0]!.summary, /the awaited admin\.createTopics\(…\) at line 9 can reject first and leave it connected/);
});
