// kleak shutdown-check on producers (real broker, Sarama / franz-go / kafkajs / kafka-clients fixtures that kleak starts
// itself): requests with ids through the signal, read back after exit. Each leaky fixture loses accepted
// messages, and the loss is checked against the topic as the test's own consumer reads it; each
// graceful twin loses none and reports nothing at warning or above, in 5 runs out of 5.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { buildGoFixtures } from '../../src/local-kafka/start-fixture.js';
import { createTopic, sharedBootstrap } from '../helpers/kafka.js';
import { idsInTopic, shutdownCheck, type Scenario } from '../helpers/shutdown.js';

let bootstrap: string;
before(async () => {
  bootstrap = await sharedBootstrap();
  buildGoFixtures('shutdown-svc');
});

const atLeastWarning = (findings: Array<{ severity: string; ruleId: string; summary: string }>) =>
  findings.filter((f) => f.severity !== 'info').map((f) => `${f.ruleId}: ${f.summary}`);

const producers: Array<{ scenario: Scenario; library: string; why: string }> = [
  { scenario: 'sarama-async', library: 'sarama', why: 'AsyncProducer with a 2 s flush interval, returns without Close()' },
  { scenario: 'franz-produce', library: 'franz-go', why: 'a 2 s linger, Close() without Flush (ErrClientClosed)' },
  { scenario: 'kafkajs-producer', library: 'kafkajs', why: 'answers before sending (a 1 s in-memory batch), exits in its handler' },
  { scenario: 'java-producer', library: 'kafka-clients', why: 'KafkaProducer with a 2 s linger, a shutdown hook that never closes it' },
  { scenario: 'python-producer', library: 'confluent-kafka-python', why: 'a confluent-kafka Producer with a 2 s linger, SIGTERM exits without flush()' },
];

describe('shutdown-check: producers', { concurrency: 2 }, () => {
  for (const { scenario, library, why } of producers) {
    test(`${scenario} (${why}): accepted messages lost, as many as the topic lacks`, async (t) => {
      const topic = await createTopic(bootstrap, `sd-${scenario}`);
      const { json, code } = await shutdownCheck(scenario, { bootstrap, topic, graceful: false });
      const run = json.runs[0];
      const inTopic = await idsInTopic(bootstrap, topic);
      t.diagnostic(
        `${scenario}: ${run.drive.sent} sent, ${run.drive.accepted} accepted, kleak found ${run.drive.found} and lost ${run.drive.lost}; the test's consumer found ${inTopic.size} ids; exit ${run.exit.afterMs} ms after SIGTERM`,
      );
      assert.equal(code, 1, 'an error finding fails the run');
      assert.ok(run.exit.exited && !run.exit.killed, 'it exited by itself');
      assert.equal(run.library, library);
      assert.ok(run.drive.accepted >= 20, `enough requests accepted (${run.drive.accepted})`);
      assert.ok(run.drive.lost > 0);
      // the oracle: kleak's found ids are in the topic, its lost ids are not, and found + lost = accepted
      assert.equal(run.drive.found + run.drive.lost, run.drive.accepted);
      assert.ok(inTopic.size >= run.drive.found, `the topic holds at least the ids kleak found (${inTopic.size} ≥ ${run.drive.found})`);
      for (const id of run.drive.lostIds) assert.ok(!inTopic.has(id), `${id} is not in the topic`);
      const lost = json.findings.find((f: { ruleId: string }) => f.ruleId === 'shutdown-lost-messages');
      assert.ok(lost, 'shutdown-lost-messages');
      assert.equal(lost.severity, 'error');
      assert.equal(lost.library, library);
      assert.equal(lost.data.lost, run.drive.lost);
      assert.equal(lost.data.accepted, run.drive.accepted);
      assert.ok(
        json.context.some((c: { value: string }) => c.value === 'exit'),
        'the timeline is in the report',
      );
    });

    test(`${scenario}, graceful twin: nothing lost and nothing at warning or above, 5 runs out of 5`, async (t) => {
      const topic = await createTopic(bootstrap, `sd-${scenario}-fixed`);
      const { json, code } = await shutdownCheck(scenario, { bootstrap, topic, graceful: true, repeat: 5 });
      const inTopic = await idsInTopic(bootstrap, topic);
      const accepted = json.runs.reduce((n: number, r: { drive: { accepted: number } }) => n + r.drive.accepted, 0);
      t.diagnostic(
        `${scenario} twin: ${json.runs.map((r: { drive: { accepted: number; lost: number }; exit: { afterMs: number } }) => `${r.drive.accepted} accepted/${r.drive.lost} lost/exit +${r.exit.afterMs} ms`).join(', ')}; the test's consumer found ${inTopic.size} ids`,
      );
      assert.equal(json.runs.length, 5);
      assert.deepEqual(atLeastWarning(json.findings), []);
      assert.equal(code, 0);
      for (const r of json.runs) {
        // a JVM ends by SIGTERM with 143 (128 + 15) once its shutdown hooks ran: its graceful exit
        const clean = scenario === 'java-producer' ? 143 : 0;
        assert.ok(r.exit.exited && !r.exit.killed && r.exit.code === clean, `run ${r.run} exited ${clean} by itself (${r.exit.code})`);
        assert.ok(r.drive.accepted >= 20, `run ${r.run}: enough requests accepted`);
        assert.equal(r.drive.lost, 0);
        assert.equal(r.drive.found, r.drive.accepted);
        assert.deepEqual(r.drive.problems, []);
      }
      assert.ok(inTopic.size >= accepted, `every accepted id is in the topic (${inTopic.size} ≥ ${accepted})`);
    });
  }
});
