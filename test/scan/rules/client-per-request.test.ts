// client-per-request in the source: the scan flags exactly the lines marked `// want "client-per-request"` in fixtures/scan (Go,
// Java, JS, TS and Python's `# want`), and none of the `// ok` look-alikes beside them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { scan } from '../../../src/core/scan.js';
import { repoRoot } from '../../../src/repo-root.js';
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

test('client-per-request in JS: the kafkajs fix is for the kind that was built, under its own name', async () => {
  const run = await scan({ root: join(scanFixtures, 'js/client-per-request'), includeTests: true });
  const at = (line: number) => run.diagnosis.findings.find((f) => f.ruleId === id && f.locations[0]!.line === line)!;
  const admin = at(45).fix;
  assert.match(admin, /const admin = kafka\.admin\(\)/);
  assert.match(admin, /admin\.disconnect\(\)/);
  assert.doesNotMatch(admin, /producer/);
  assert.match(at(27).fix, /const p = kafka\.producer\(\)[\s\S]*p\.disconnect\(\)/);
  assert.match(at(9).fix, /producer\.disconnect\(\)/);
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

test('client-per-request in Python: Flask, FastAPI, Django, http.server, Celery and consumer-loop scopes; kept or started-and-not-stopped is an error', async () => {
  const run = await scan({ root: join(scanFixtures, 'python/client-per-request'), includeTests: true });
  const at = (file: string, line: number) => {
    const f = run.diagnosis.findings.find((x) => x.ruleId === id && x.locations[0]!.file === file && x.locations[0]!.line === line);
    assert.ok(f, `${file}:${line}`);
    return f;
  };
  const kept = at('flask_app.py', 22);
  assert.equal(kept.severity, 'error');
  assert.equal(kept.library, 'confluent-kafka-python');
  assert.equal(kept.locations[0]!.column, 9);
  assert.equal(kept.locations[0]!.function, 'kept_per_request');
  assert.match(
    kept.summary,
    /request handler kept_per_request \(registered with @app\.post\("\/kept"\), a Flask route\) and keeps it in kept, which outlives the request/,
  );
  assert.match(kept.fix, /producer = Producer\(\{"bootstrap\.servers": BROKERS\}\)\s+# once, at import/);
  assert.match(kept.fix, /signal\.signal\(signal\.SIGTERM, on_term\)/);
  const flushed = at('flask_app.py', 31);
  assert.equal(flushed.severity, 'warning', 'flushed and dropped: freed when the handler returns, but one client per request');
  assert.match(flushed.summary, /closes it \(p\.flush\(\) in finally, then dropped: reference counting frees it\)/);
  assert.match(at('flask_app.py', 40).summary, /through via_helper → make_producer\) and keeps it in kept/);
  assert.equal(at('flask_app.py', 40).severity, 'error');
  assert.match(at('flask_app.py', 53).summary, /@bp\.route\("\/topics"\), a Flask blueprint route/);
  const started = at('fastapi_app.py', 28);
  assert.equal(started.severity, 'error');
  assert.equal(started.library, 'aiokafka');
  assert.match(
    started.summary,
    /a FastAPI endpoint\) and starts it \(producer\.start\(\)\) and does not stop it on the path that leaves at line 31 \(its sender task keeps it running\)/,
  );
  assert.match(started.fix, /async def lifespan\(app\):[\s\S]*await app\.state\.producer\.stop\(\)/);
  assert.equal(at('fastapi_app.py', 39).severity, 'warning');
  assert.match(at('fastapi_app.py', 39).summary, /closes it \(async with aiokafka\.AIOKafkaProducer\(…\)\)/);
  assert.match(at('fastapi_app.py', 46).summary, /@router\.post\("\/finally"\), a FastAPI router endpoint\) and closes it \(producer\.stop\(\) in finally\)/);
  const view = at('orders/views.py', 10);
  assert.equal(view.severity, 'error');
  assert.equal(view.library, 'kafka-python');
  assert.match(view.summary, /request handler latest \(a Django view: takes request, in views\.py\) and does not close it on the path that leaves at line 12/);
  assert.match(at('orders/views.py', 17).summary, /OrderView\.post \(a Django class-based view's post\) and closes it \(producer\.close\(\) in finally\)/);
  assert.match(at('worker.py', 15).summary, /per-message code forward \(@celery\.task: a Celery task, run per message\)/);
  assert.match(at('worker.py', 26).summary, /per-message code main \(loop over consumer\) and keeps it in forwarders\[message\.offset\]/);
  // the look-alikes and the shared clients: nothing
  for (const [file, line] of [
    ['lookalike.py', 12],
    ['flask_app.py', 16],
    ['flask_app.py', 60],
    ['fastapi_app.py', 16],
    ['orders/views.py', 26],
    ['worker.py', 23],
  ] as const)
    assert.ok(!run.diagnosis.findings.some((f) => f.locations[0]!.file === file && f.locations[0]!.line === line), `${file}:${line}`);
});

test('client-per-request in Python, the runtime fixtures: an http.server do_POST handler, a Flask route kept under a flag', async () => {
  const run = await scan({ root: join(repoRoot, 'fixtures/python') });
  const found = run.diagnosis.findings.filter((f) => f.ruleId === id);
  assert.deepEqual(found.map((f) => `${f.severity} ${f.locations[0]!.file}:${f.locations[0]!.line}`).sort(), [
    'error fastapi_aiokafka_per_request.py:22',
    'error flask_confluent_per_request.py:25',
    'error kafka_python_consumer_per_request.py:35',
  ]);
  const consumer = found.find((f) => f.locations[0]!.file === 'kafka_python_consumer_per_request.py')!;
  assert.match(consumer.summary, /request handler Handler\.do_POST \(do_POST of a BaseHTTPRequestHandler\) and keeps it in consumers/);
  assert.equal(consumer.locations[0]!.function, 'Handler.do_POST');
});

test('client-per-request in JS/TS handler forms: class properties typed as handlers, (req: Request, res: Response), app.route(p).post([h1, h2]), asyncHandler(…) wrappers', async () => {
  const run = await scan({ root: scanFixtures, includeTests: true });
  const at = (file: string, line: number) => {
    const f = run.diagnosis.findings.find((x) => x.ruleId === id && x.locations[0]!.file === file && x.locations[0]!.line === line);
    assert.ok(f, `${file}:${line}`);
    return f;
  };
  const ts = 'ts/handler-forms/orders.controller.ts';
  assert.match(at(ts, 12).summary, /request handler OrdersController\.start \(typed RequestHandler\)/);
  assert.match(at(ts, 19).summary, /OrdersController\.stop \(typed express\.RequestHandler\)/);
  assert.match(at(ts, 25).summary, /OrdersController\.audit \(takes \(Request, Response\)\)/);
  assert.equal(at(ts, 44).severity, 'warning', 'typed and closed in finally: one admin per request');
  assert.match(at(ts, 54).summary, /createOrder \(registered with router\.route\(…\)\.post\)/);
  assert.match(at(ts, 65).summary, /notify \(registered with router\.route\(…\)\.put\)/);
  assert.match(at(ts, 77).summary, /registered with router\.route\(…\)\.get/);
  assert.match(at('js/handler-forms/routes.js', 8).summary, /publish \(registered with router\.route\(…\)\.post\)/);
  assert.match(at('js/handler-forms/routes.js', 22).summary, /router\.post\('\/inline'\) \(registered with router\.post\)/);
  // wrapped: asyncHandler(fn), asyncHandler(async (req, res) => …), const h = asyncHandler(…) registered by name
  assert.match(at(ts, 32).summary, /OrdersController\.cancel \(typed RequestHandler\)/);
  assert.match(at('js/handler-forms/routes.js', 31).summary, /audit \(registered with router\.post\)/);
  assert.match(at('js/handler-forms/routes.js', 40).summary, /router\.put\('\/wrapped'\) \(registered with router\.put\)/);
  assert.match(at('js/handler-forms/routes.js', 47).summary, /remove \(registered with router\.delete\)/);
});

test('client-per-request in Go: a client wrapped New…FromClient in the handler is the one to close, by its own name', async () => {
  const run = await scan({ root: join(scanFixtures, 'go/from-client'), includeTests: true });
  const f = run.diagnosis.findings.find((x) => x.ruleId === id && x.locations[0]!.file === 'handler.go' && x.locations[0]!.line === 14);
  assert.ok(f);
  assert.match(f.summary, /consumer\.Close\(\) does not close kafkaClient: sarama\.NewConsumerFromClient wraps it/);
  assert.match(f.fix, /kafkaClient, err := sarama\.NewClient\(brokers, cfg\)[\s\S]*defer kafkaClient\.Close\(\)/);
});
