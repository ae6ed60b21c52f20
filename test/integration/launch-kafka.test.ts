// The test broker launcher: real KRaft nodes from the Maven jars, and a clear answer for bad set-up.
import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { SetupError } from '../../src/errors.js';
import { launchKafka } from '../../src/local-kafka/launch-kafka.js';
import { metadataBrokerCount } from '../../src/local-kafka/topics.js';
import { waitFor } from '../helpers/fixtures.js';
import { pidAlive } from '../helpers/oracles.js';

function withPath<T>(path: string, body: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = path;
  return body().finally(() => {
    process.env.PATH = saved;
  });
}

describe('bad set-up gets a clear answer', () => {
  test('Java missing', async () => {
    await withPath('/nonexistent', () =>
      assert.rejects(
        launchKafka(),
        (e: unknown) => e instanceof SetupError && /Java was not found/.test(e.message) && /apt-get install openjdk-17/.test(e.hint ?? ''),
      ),
    );
  });

  test('jars not resolved, and resolving not allowed', async () => {
    const libDir = mkdtempSync(join(tmpdir(), 'kleak-nolibs-'));
    await assert.rejects(
      launchKafka({ libDir, resolveJars: false }),
      (e: unknown) => e instanceof SetupError && /jars are not in/.test(e.message) && /mvn -B -q -f/.test(e.hint ?? ''),
    );
  });

  test('jars not resolved and Maven missing', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'kleak-javaonly-'));
    symlinkSync(execFileSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).trim(), join(bin, 'java'));
    const libDir = mkdtempSync(join(tmpdir(), 'kleak-nolibs-'));
    await withPath(bin, () => assert.rejects(launchKafka({ libDir }), (e: unknown) => e instanceof SetupError && /Maven was not found/.test(e.message)));
  });

  test('a fixed broker port that is taken: said before any JVM starts, with how to find the owner', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    after(() => blocker.close());
    const port = (blocker.address() as { port: number }).port;
    const started = Date.now();
    await assert.rejects(
      launchKafka({ brokerPorts: [port] }),
      (e: unknown) => e instanceof SetupError && e.message.includes(`Port ${port} on 127.0.0.1 is already taken`) && /ss -ltnp/.test(e.hint ?? ''),
    );
    assert.ok(Date.now() - started < 5000, 'answered before starting Java');
  });

  test('the broker exits at start: the error carries the broker log tail', async () => {
    await assert.rejects(
      launchKafka({ brokerConfig: { 'log.retention.hours': 'not-a-number' } }),
      (e: unknown) => e instanceof SetupError && /(exited during start-up|Formatting the storage)/.test(e.message) && /not-a-number/.test(e.message),
    );
  });
});

describe('a real KRaft cluster', () => {
  test('three nodes: all answer metadata; one killed is fenced; it rejoins on restart; all stopped by PID', async (t) => {
    const cluster = await launchKafka({ nodes: 3 });
    after(() => cluster.stop());
    t.diagnostic(`3-node cluster ready in ${cluster.startupMs} ms`);
    const pids = cluster.nodes.map((n) => n.pid!);
    assert.equal(new Set(cluster.nodes.map((n) => n.brokerPort)).size, 3);
    assert.equal(await metadataBrokerCount(cluster.bootstrap.split(',')), 3);

    await cluster.stopNode(2, 'kill');
    assert.equal(pidAlive(pids[1]!), false);
    const survivors = cluster.nodes.filter((n) => n.nodeId !== 2).map((n) => `127.0.0.1:${n.brokerPort}`);
    await waitFor('node 2 to be fenced', async () => ((await metadataBrokerCount(survivors)) === 2 ? true : undefined), 30_000, 500);

    await cluster.startNode(2);
    await waitFor('node 2 to rejoin', async () => ((await metadataBrokerCount(survivors)) === 3 ? true : undefined), 30_000, 500);

    await cluster.stop();
    for (const pid of [...pids, cluster.nodes[1]!.pid ?? pids[1]!]) assert.equal(pidAlive(pid), false, `pid ${pid} stopped`);
  });

  test('broker settings reach the broker (connections.max.idle.ms)', async () => {
    const cluster = await launchKafka({ brokerConfig: { 'connections.max.idle.ms': 4000 } });
    after(() => cluster.stop());
    const admin = new Kafka({ brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({
        resources: [{ type: 4, name: '1', configNames: ['connections.max.idle.ms'] }],
        includeSynonyms: false,
      });
      assert.equal(resources[0]!.configEntries[0]!.configValue, '4000');
    } finally {
      await admin.disconnect();
    }
  });
});
