// The JS/TS scan across modules (#27): where the files form a project, the TypeScript checker follows calls into
// other modules (a route → a service method → a helper that builds an admin), factories whose result the caller
// drops or keeps, handlers registered in another module's router, NestJS controllers calling an injected service,
// Fastify routes in a plugin; the per-file scan (KLEAK_SCAN_JS_ENGINE=oxc) finds none of these. Exception paths:
// an awaited call or a throw between connect() and disconnect() outside a try leaves the client open. Monorepos:
// tsconfig extends chains and paths (Nx), workspace packages by name, interfaces and DI tokens, field initialisers,
// and SIGTERM handlers followed into the modules they call, counted only for the clients their program loads.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { scan } from '../../src/core/scan.js';
import { scanFixtures } from '../helpers/scan-markers.js';

const cases = [
  'ts/cross-module',
  'ts/factory',
  'js/router-handlers',
  'ts/nest',
  'ts/fastify',
  'ts/nx-paths',
  'js/workspaces',
  'ts/interfaces',
  'ts/field-initializer',
  'js/field-initializer',
];

async function run(sub: string, env?: string) {
  const before = process.env.KLEAK_SCAN_JS_ENGINE;
  if (env) process.env.KLEAK_SCAN_JS_ENGINE = env;
  try {
    const r = await scan({ root: join(scanFixtures, sub), includeTests: true });
    const at = (file: string, line: number, rule = 'client-per-request') =>
      r.diagnosis.findings.find((f) => f.ruleId === rule && f.locations[0]!.file === file && f.locations[0]!.line === line);
    return { r, at, engines: r.evidence.source!.engines ?? [] };
  } finally {
    if (before === undefined) delete process.env.KLEAK_SCAN_JS_ENGINE;
    else process.env.KLEAK_SCAN_JS_ENGINE = before;
  }
}

test('a route → a service in another module → a helper that builds an admin: per request, with the chain, at the construction line', async () => {
  const { at, engines } = await run('ts/cross-module');
  const closed = at('topics.ts', 6);
  assert.ok(closed, 'createTopic, reached from the route through OrderService.create');
  assert.equal(closed.severity, 'warning', 'disconnected in finally: each request pays the connections');
  assert.match(closed.summary, /through routes\.ts POST \/orders → OrderService\.create → createTopic\)/);
  const leaking = at('topics.ts', 16);
  assert.ok(leaking);
  assert.equal(leaking.severity, 'error');
  assert.match(leaking.summary, /routes\.ts POST \/orders → OrderService\.create → topicExists\) and does not close it on the path that leaves at line 19/);
  assert.equal(at('topics.ts', 16, 'client-not-closed'), undefined, 'one finding per line: the request scope takes it over');
  assert.equal(at('topics.ts', 23), undefined, 'bootstrapTopics runs at start-up, not from a handler');
  // a handler known by its type alone (static record: RequestHandler), calling into another module
  assert.match(
    at('audit.ts', 4)!.summary,
    /AuditController\.record \(typed RequestHandler, through audit\.controller\.ts AuditController\.record → recordAudit\)/,
  );
  assert.equal(at('audit.ts', 10), undefined, 'replayAudit: only the start-up script calls it');
  // built in a constructor: per request when a handler makes the instance, not when one instance is kept
  const perInstance = at('publisher.ts', 9);
  assert.match(perInstance!.summary, /through routes\.ts POST \/events → new EventPublisher\)/);
  assert.equal(perInstance!.severity, 'error');
  assert.match(
    perInstance!.summary,
    /keeps it in this\.producer of the EventPublisher built per call at routes\.ts:\d+, which is dropped without being closed/,
  );
  assert.equal(at('publisher.ts', 23), undefined, 'MetricsPublisher: one instance, kept in a module variable');
  // per message: an eachMessage handler imported from another module, calling a third
  const forwarded = at('forward.ts', 4);
  assert.equal(forwarded?.severity, 'warning');
  assert.match(
    forwarded.summary,
    /per-message code handleOrder \(eachMessage callback in consumer\.ts, through consumer\.ts eachMessage: handleOrder → forward\)/,
  );
  const ts = engines.find((e) => e.language === 'js' && e.engine === 'typescript');
  assert.ok(ts && ts.files! >= 4, JSON.stringify(engines));
});

test('a factory in another module: the handler that drops its producer is an error, the one that disconnects it a warning, the kept ones nothing', async () => {
  const { at, r } = await run('ts/factory');
  const dropped = at('app.ts', 20);
  assert.ok(dropped);
  assert.equal(dropped.severity, 'error');
  assert.match(dropped.summary, /connectedProducer builds a producer .*through app\.ts POST \/dropped → connectedProducer → makeProducer\)/);
  assert.equal(at('app.ts', 26)?.severity, 'warning');
  for (const line of [8, 11, 49]) assert.equal(at('app.ts', line), undefined, `app.ts:${line} keeps it once`);
  // handed to a function of another module that disconnects its parameter: closed, not handed on
  const released = at('app.ts', 37);
  assert.equal(released?.severity, 'warning');
  assert.equal(released.confidence, 'likely');
  assert.match(released.summary, /closes it \(release\(producer\) disconnects it in finally\)/);
  assert.equal(r.diagnosis.findings.filter((f) => f.ruleId === 'client-per-request' && f.locations[0]!.file === 'producers.ts').length, 0);
});

test('handlers exported from their modules and registered in a router file; the client found by its type', async () => {
  const { at } = await run('js/router-handlers');
  const create = at('controllers/orders.js', 5);
  assert.ok(create);
  assert.equal(create.severity, 'error');
  assert.match(create.summary, /request handler create \(registered with router\.post in router\.js\)/);
  assert.equal(at('handlers.js', 4)?.severity, 'warning');
  assert.match(at('handlers.js', 4)!.summary, /registered with app\.delete in router\.js/);
  assert.equal(at('handlers.js', 16), undefined, 'report is never registered');
  assert.match(at('controllers/orders.js', 16)!.summary, /request handler audit \(registered with router\.route\('\/audit'\)\.post in router\.js\)/);
});

test('NestJS: a @Post() method calling an injected service that builds a producer per call', async () => {
  const { at, r } = await run('ts/nest');
  const publish = at('orders.service.ts', 15);
  assert.ok(publish);
  assert.equal(publish.severity, 'error');
  assert.match(
    publish.summary,
    /OrdersController\.create \(@Post\(\) route, through orders\.controller\.ts OrdersController\.create → OrdersService\.publish\)/,
  );
  assert.ok(!r.diagnosis.findings.some((f) => f.ruleId === 'client-per-request' && f.locations[0]!.line === 10), 'onModuleInit builds it once');
});

test('Fastify: a route inside a registered plugin and a route({ handler }) reach helpers in another module', async () => {
  const { at } = await run('ts/fastify');
  assert.match(at('events.ts', 6)!.summary, /through plugin\.ts POST \/events → publishEvent\)/);
  assert.equal(at('events.ts', 6)!.severity, 'error');
  assert.match(at('events.ts', 12)!.summary, /through server\.ts GET \/audit → audit\)/);
  assert.equal(at('events.ts', 12)!.severity, 'warning');
});

test('Nx: a library reached through the paths of a base config two extends away (a missing @tsconfig package in the chain), by its index and a deep import', async () => {
  const { at, engines } = await run('ts/nx-paths');
  assert.deepEqual(
    engines.filter((e) => e.language === 'js').map((e) => e.engine),
    ['typescript'],
  );
  assert.match(at('apps/orders/src/main.ts', 10)!.summary, /through main\.ts POST \/orders → createProducer\)/);
  assert.match(at('libs/common/kafka/src/lib/topics.ts', 6)!.summary, /through main\.ts POST \/topics\/:name → ensureTopic\)/);
  assert.equal(at('apps/orders/src/main.ts', 7), undefined, 'the module-level producer');
});

test('workspaces: packages required by their package.json name, main in an unbuilt dist/ mapped to src/, or no main (index.js)', async () => {
  const { at, r } = await run('js/workspaces');
  assert.match(at('packages/api/src/server.js', 10)!.summary, /through server\.js POST \/orders → createProducer\)/);
  assert.match(at('packages/topics/index.js', 7)!.summary, /through server\.js POST \/topics\/:name → ensureTopic\)/);
  // the factory's package has no SIGTERM handler, but the api that loads it disconnects what it keeps
  assert.ok(!r.diagnosis.findings.some((f) => f.ruleId === 'no-graceful-shutdown'));
});

test('interfaces, abstract classes and DI tokens: the call reaches every implementation', async () => {
  const { at } = await run('ts/interfaces');
  assert.match(at('kafka-bus.ts', 9)!.summary, /OrdersController\.create → KafkaBus\.publish\)/, 'an interface (implements EventBus)');
  assert.match(at('kafka-bus.ts', 29)!.summary, /OrdersController\.create → KafkaAuditSink\.write\)/, 'an abstract class, its own token');
  assert.match(at('kafka-bus.ts', 42)!.summary, /OrdersController\.create → KafkaMetrics\.record\)/, '@Inject(METRICS) bound by useFactory');
  assert.equal(at('kafka-bus.ts', 57), undefined, 'the notifier bound by a string token keeps its one producer');
});

test('field initialisers: a producer built with each instance is per request when a handler makes the instance', async () => {
  const { at } = await run('ts/field-initializer');
  const dropped = at('publisher.ts', 5)!;
  assert.equal(dropped.severity, 'error');
  assert.match(dropped.summary, /keeps it in this\.producer of the EventPublisher built per call at routes\.ts:8, which is dropped without being closed/);
  assert.match(at('publisher.ts', 39)!.summary, /new FactoryPublisher → makeProducer\)/, 'a factory in the initialiser');
  assert.doesNotMatch(at('publisher.ts', 26)!.summary, /dropped without being closed/, 'ClosingPublisher disconnects it after each use');
  assert.equal(at('publisher.ts', 14), undefined, 'one AuditPublisher, kept in a module variable');
  assert.ok((await run('js/field-initializer')).at('publisher.js', 7), 'JS class fields');
});

test('SIGTERM across modules: an exit in a shared cleanup, another listener exiting first, and handlers of other apps', async () => {
  const { at, r } = await run('ts/shutdown-across-modules');
  const gap = (file: string, line: number) => at(file, line, 'no-graceful-shutdown');
  assert.match(
    gap('libs/common/src/producer.ts', 6)!.summary,
    /apps\/orders\/src\/main\.ts \(line 10\) calls process\.exit \(doTerminationCleanup, libs\/common\/src\/cleanup\.ts:7\) before disconnecting/,
  );
  assert.match(gap('libs/common/src/consumer.ts', 6)!.summary, /the process ends in that tick, and line 8's disconnect of consumer does not finish/);
  assert.match(
    gap('apps/gateway/src/notifications.service.ts', 10)!.summary,
    /no process\.on\('SIGTERM'\) in the program that loads it \(apps\/gateway\/src\/main\.ts\)/,
  );
  assert.equal(gap('libs/billing/src/index.ts', 6), undefined, 'billing: its handler disconnects it through shutdownKafka()');
  assert.equal(r.diagnosis.findings.filter((f) => f.ruleId === 'no-graceful-shutdown').length, 3, 'the inventory twin: hooks enabled');
  // JS workspaces: the same through require('@stop/common'); the worker package's own handler stays its own
  const js = await run('js/shutdown-across-modules');
  assert.deepEqual(
    js.r.diagnosis.findings.filter((f) => f.ruleId === 'no-graceful-shutdown').map((f) => `${f.locations[0]!.file}:${f.locations[0]!.line}`),
    ['packages/common/consumer.js:8', 'packages/common/producer.js:8'],
  );
  // the per-file scan sees the orders handler's unfollowed cleanup as a shutdown, and counts every handler for every file
  const oxc = await run('ts/shutdown-across-modules', 'oxc');
  assert.deepEqual(
    oxc.r.diagnosis.findings.filter((f) => f.ruleId === 'no-graceful-shutdown').map((f) => f.locations[0]!.file),
    [],
  );
});

test('the per-file scan alone (KLEAK_SCAN_JS_ENGINE=oxc) finds none of the cross-module findings, and says which engine ran', async () => {
  for (const sub of cases) {
    const { r, engines } = await run(sub, 'oxc');
    const perRequest = r.diagnosis.findings.filter((f) => f.ruleId === 'client-per-request');
    assert.equal(perRequest.length, 0, `${sub}: ${perRequest.map((f) => `${f.locations[0]!.file}:${f.locations[0]!.line}`).join(', ')}`);
    assert.deepEqual(
      engines.filter((e) => e.language === 'js').map((e) => [e.engine, e.reason]),
      [['oxc', 'KLEAK_SCAN_JS_ENGINE=oxc']],
    );
  }
});

test('files outside a project, or a project where nothing imports the Kafka code, stay with the per-file scan and say why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kleak-ts-program-'));
  try {
    writeFileSync(
      join(dir, 'app.js'),
      "const { Kafka } = require('kafkajs');\nconst kafka = new Kafka({ brokers: ['b:9092'] });\nrequire('http').createServer(async (req, res) => {\n  const p = kafka.producer();\n  await p.connect();\n  res.end();\n});\n",
    );
    const outside = await scan({ root: dir });
    assert.deepEqual(
      (outside.evidence.source!.engines ?? []).filter((e) => e.language === 'js').map((e) => [e.engine, e.files, e.reason]),
      [['oxc', 1, 'outside a project (no tsconfig.json, jsconfig.json or package.json)']],
    );
    assert.equal(outside.diagnosis.findings.filter((f) => f.ruleId === 'client-per-request').length, 1, 'the per-file finding stays');
    writeFileSync(join(dir, 'package.json'), '{ "name": "one-file" }');
    const alone = await scan({ root: dir });
    assert.match((alone.evidence.source!.engines ?? []).find((e) => e.language === 'js')?.reason ?? '', /nothing to resolve across modules/);
    // a module that imports the Kafka code, but no handler anywhere: still no program
    writeFileSync(join(dir, 'app.js'), "const { Kafka } = require('kafkajs');\nmodule.exports.kafka = new Kafka({ brokers: ['b:9092'] });\n");
    writeFileSync(join(dir, 'job.js'), "const { kafka } = require('./app');\nmodule.exports.build = () => kafka.producer();\n");
    const noHandler = await scan({ root: dir });
    assert.deepEqual(
      (noHandler.evidence.source!.engines ?? []).filter((e) => e.language === 'js').map((e) => [e.engine, e.reason]),
      [['oxc', 'no request or per-message handler calls into the Kafka code']],
    );
    writeFileSync(
      join(dir, 'server.js'),
      "const { build } = require('./job');\nrequire('express')().post('/x', async (req, res) => { await build().connect(); res.end(); });\n",
    );
    const handler = await scan({ root: dir });
    assert.deepEqual(
      (handler.evidence.source!.engines ?? []).filter((e) => e.language === 'js').map((e) => e.engine),
      ['typescript'],
    );
    assert.equal(handler.diagnosis.findings.find((f) => f.ruleId === 'client-per-request')?.locations[0]!.file, 'server.js', 'the factory dropped at the call');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exception paths: a rejection or a throw between connect() and disconnect() outside a try leaks; try/finally and a catch that goes on do not', async () => {
  const { at, r } = await run('ts/exception-paths');
  const handler = at('routes.ts', 8);
  assert.equal(handler?.severity, 'error', 'closed only when send() resolves: an error, no longer a warning');
  assert.match(handler.summary, /the awaited producer\.send\(…\) at line 10 can reject and leave it open \(no try\/finally\)/);
  assert.match(at('publish.ts', 8, 'client-not-closed')!.summary, /producer\.send\(…\) at line 10 can reject/);
  assert.match(at('publish.ts', 49, 'client-not-closed')!.summary, /the throw at line 51 leaves it open/);
  for (const line of [15, 25]) assert.ok(!r.diagnosis.findings.some((f) => f.locations[0]!.line === line), `publish.ts:${line}`);
});
