// no-graceful-shutdown in the source: the scan flags exactly the lines marked `// want "no-graceful-shutdown"` in fixtures/scan (Go,
// Java, JS and TS), and none of the `// ok` look-alikes beside them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { scan } from '../../../src/core/scan.js';
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
