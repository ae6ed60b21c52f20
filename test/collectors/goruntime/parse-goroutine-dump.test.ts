import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isGoroutineDump, parseGoroutineDump } from '../../../src/collectors/goruntime/parse-goroutine-dump.js';
import { classifyGoroutines } from '../../../src/collectors/goruntime/classify.js';
import { capturedText } from '../../helpers/captured-pprof.js';

const scenarios = ['sarama-per-request-1', 'sarama-per-request-21', 'sarama-shared-21', 'sarama-reused-message-3', 'franz-retain-6400'];

for (const scenario of scenarios) {
  test(`${scenario}: goroutine counts equal the totals the dumps state themselves`, () => {
    const d1 = capturedText(scenario, 1);
    const one = parseGoroutineDump(d1);
    assert.equal(one.format, 'debug=1');
    assert.equal(one.total, Number(/goroutine profile: total (\d+)/.exec(d1)![1]));
    assert.equal(
      one.groups.reduce((n, g) => n + g.count, 0),
      one.total,
    );
    assert.deepEqual(one.warnings, []);

    const d2 = capturedText(scenario, 2);
    const two = parseGoroutineDump(d2);
    assert.equal(two.format, 'debug=2');
    assert.equal(two.total, d2.match(/^goroutine \d+ \[/gm)!.length);
    assert.equal(
      two.groups.reduce((n, g) => n + g.count, 0),
      two.total,
    );
    assert.deepEqual(two.warnings, []);
    // every goroutine is counted somewhere, unknown ones included
    assert.equal(
      classifyGoroutines(two).byRole.reduce((n, r) => n + r.count, 0),
      two.total,
    );
  });
}

test('debug=1 and debug=2 of an idle process classify the Kafka goroutines alike', () => {
  const kafkaRoles = (debug: 1 | 2) =>
    classifyGoroutines(parseGoroutineDump(capturedText('sarama-per-request-21', debug)))
      .byRole.filter((r) => r.library !== 'none')
      .map((r) => `${r.library}/${r.role}=${r.count}`)
      .sort();
  assert.deepEqual(kafkaRoles(1), kafkaRoles(2));
});

test('debug=2 keeps states and waits: "chan send (nil chan)", "select, 5 minutes, locked to thread"', () => {
  const dump = parseGoroutineDump(
    'goroutine 7 [select, 5 minutes, locked to thread]:\nmain.f(0x1)\n\t/a.go:1 +0x1\n\ngoroutine 8 [chan send (nil chan)]:\ngithub.com/IBM/sarama.(*syncProducer).handleSuccesses(0xc0001)\n\t/s.go:175 +0x2\ncreated by github.com/IBM/sarama.newSyncProducerFromAsyncProducer in goroutine 1\n\t/s.go:60 +0x3\n',
  );
  assert.deepEqual(
    dump.groups.map((g) => [g.state, g.waitMinutes, g.frames[0]!.fn, g.frames[0]!.line, g.createdBy]),
    [
      ['select', 5, 'main.f', 1, undefined],
      [
        'chan send (nil chan)',
        undefined,
        'github.com/IBM/sarama.(*syncProducer).handleSuccesses',
        175,
        'github.com/IBM/sarama.newSyncProducerFromAsyncProducer',
      ],
    ],
  );
});

test('vendored Shopify/sarama and old "-fm" method values classify like the current module path', () => {
  const current = capturedText('sarama-per-request-21', 2);
  const vendored = current
    .replaceAll('github.com/IBM/sarama.', 'github.com/elastic/beats/vendor/github.com/Shopify/sarama.')
    .replaceAll('responseReceiver(', 'responseReceiver-fm(');
  const roles = (text: string) => classifyGoroutines(parseGoroutineDump(text)).libraries.sarama;
  assert.deepEqual(roles(vendored), roles(current));
  assert.equal(roles(vendored)!.brokerConnections, 42);
});

test('content detection: dumps yes; HTML, JSON and empty text no', () => {
  assert.ok(isGoroutineDump(capturedText('sarama-shared-21', 1)));
  assert.ok(isGoroutineDump(capturedText('sarama-shared-21', 2)));
  for (const text of ['<!DOCTYPE html><html>', '{"goroutines": 3}', '']) assert.equal(isGoroutineDump(text), false);
});
