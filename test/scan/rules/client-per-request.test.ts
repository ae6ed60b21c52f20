// client-per-request in the source: the scan flags exactly the lines marked `// want "client-per-request"` in fixtures/scan (Go,
// Java, JS and TS), and none of the `// ok` look-alikes beside them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scan } from '../../../src/core/scan.js';
import rule from '../../../src/scan/rules/client-per-request.js';
import { scanFixtures, scanRuleTests } from '../../helpers/scan-markers.js';

const id = 'client-per-request';

scanRuleTests(rule);

test('client-per-request: not closed is an error, closed on every path a warning with the cost, a helper names the chain', async () => {
  const run = await scan({ root: scanFixtures, includeTests: true });
  const at = (file: string, line: number) =>
    run.diagnosis.findings.find((f) => f.ruleId === id && f.locations[0]!.file === file && f.locations[0]!.line === line)!;
  assert.equal(at('go/client-per-request/handlers.go', 16).severity, 'error');
  assert.equal(at('go/client-per-request/handlers.go', 26).severity, 'warning');
  assert.match(at('go/client-per-request/handlers.go', 26).summary, /closes it \(defer p\.Close\(\)|closes it \(p\.Close\(\)\)/);
  assert.match(at('go/client-per-request/handlers.go', 48).summary, /handlers\.ViaHelper → handlers\.newProducer/);
  assert.match(at('go/client-per-request/handlers.go', 88).summary, /per-message code .*ConsumeClaim/);
  assert.equal(at('js/client-per-request/app.js', 16).severity, 'warning');
  assert.match(at('js/client-per-request/app.js', 16).summary, /disconnect\(\) in finally/);
  assert.equal(at('ts/reexport/routes.ts', 7).library, 'kafkajs', 'the instance is resolved through the repository re-export');
});

test('client-per-request in Java: Spring, JAX-RS, servlet, HttpHandler, createContext and poll-loop scopes; closed is a warning', async () => {
  const run = await scan({ root: scanFixtures, includeTests: true });
  const at = (line: number, file = 'java/client-per-request/OrderController.java') => {
    const f = run.diagnosis.findings.find((x) => x.ruleId === id && x.locations[0]!.file === file && x.locations[0]!.line === line);
    assert.ok(f, `${file}:${line}`);
    return f;
  };
  const post = at(32);
  assert.equal(post.severity, 'error');
  assert.equal(post.library, 'kafka-clients');
  assert.match(post.summary, /request handler OrderController\.create \(annotated @PostMapping\) and does not close it on the path that leaves at line 34/);
  assert.match(post.fix, /KafkaProducer<String, String> producer = new KafkaProducer<>\(props\)/);
  assert.equal(at(40).severity, 'warning');
  assert.match(at(40).summary, /closes it \(try-with-resources\)/);
  assert.match(at(48).summary, /closes it \(producer\.close\(\) in finally\)/);
  assert.equal(at(70).severity, 'error', 'closed on one path only: the early return leaks it');
  assert.match(at(70).summary, /OrderController\.delete → OrderController\.newProducer/);
  const template = at(76);
  assert.equal(template.library, 'spring-kafka');
  assert.match(template.fix, /@Bean/);
  assert.match(at(110).summary, /per-message code OrderController\.relay \(annotated @KafkaListener\)/);
  assert.match(at(117).summary, /drops it/);
  const plain = 'java/client-per-request/Plain.java';
  assert.match(at(23, plain).summary, /servlet doPost/);
  assert.match(at(30, plain).summary, /Plain\$Handler\.handle \(HttpHandler\.handle\(HttpExchange\)\)/);
  assert.match(at(39, plain).summary, /registered with createContext\("\/produce", …\)/);
  assert.match(at(55, plain).summary, /loop around consumer\.poll\(\)/);
});
