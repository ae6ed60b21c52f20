// Faults in the cluster while kleak runs, against a real three-node cluster and a real kafkajs service:
// a broker killed during `diagnose` and during `watch`, then the whole cluster gone mid-diagnose. Each
// run completes with a report (never a hang or a crash) and names what did not answer.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaCluster } from '../../src/local-kafka/types.js';
import { repoRoot } from '../../src/repo-root.js';
import { assertSchema } from '../helpers/schema.js';
import { fixture } from '../helpers/fixtures.js';
import { launchKafka } from '../../src/local-kafka/launch-kafka.js';
import { createTopic } from '../helpers/kafka.js';
import { join } from 'node:path';

let cluster: KafkaCluster;
let topic: string;
let leader: number;
// started here and stopped when the file ends (privateCluster's hook, registered inside before(), would stop it at once)
after(() => cluster?.stop());
before(async () => {
  cluster = await launchKafka({ nodes: 3 });
  topic = await createTopic(cluster.bootstrap, 'faults');
  const admin = new Kafka({ brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    leader = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions[0]!.leader;
  } finally {
    await admin.disconnect();
  }
});

/** kleak with its output collected; `during` runs once kleak has started driving (its progress line says so). */
function kleakWhile(
  args: string[],
  during: () => Promise<void>,
  timeoutMs = 120_000,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [join(repoRoot, 'bin/kleak.js'), ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let fired = false;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    if (!fired && /driving|watching/.test(stderr)) {
      fired = true;
      void during();
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kleak ${args.join(' ')} hung: no exit within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

function other(not: number[]): number {
  const node = cluster.nodes.find((n) => !not.includes(n.nodeId) && n.pid !== undefined);
  if (!node) throw new Error(`no live node besides ${not.join(', ')}: ${JSON.stringify(cluster.nodes.map((n) => [n.nodeId, n.pid]))}`);
  return node.nodeId;
}

/** kleak diagnose of a service, driving 10 requests: what both diagnose faults run. */
const diagnoseArgs = (service: { pid: number; url: string }) => [
  'diagnose',
  '--pid',
  String(service.pid),
  '--bootstrap',
  cluster.bootstrap,
  '--drive',
  `${service.url}/produce`,
  '--method',
  'POST',
  '--requests',
  '10',
  '--json',
];

describe('the cluster fails while kleak runs', () => {
  test('a broker killed during diagnose: the report completes and names it', async (t) => {
    const service = await fixture('kafkajs-per-request', { bootstrap: cluster.bootstrap, topic });
    const victim = other([leader]);
    const dead = `127.0.0.1:${cluster.nodes[victim - 1]!.brokerPort}`;
    const r = await kleakWhile(diagnoseArgs(service), () => cluster.stopNode(victim, 'kill'));
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
    const json = JSON.parse(r.stdout);
    assertSchema('diagnosis', json);
    const reported = json.collectors.find((c: any) => c.kind === 'cluster');
    assert.equal(reported.status, 'ok', JSON.stringify(reported));
    assert.ok(
      reported.warnings?.some((w: string) => w.includes(dead)),
      JSON.stringify(reported),
    );
    t.diagnostic(`report in ${r.ms} ms; ${reported.warnings.join('; ')}`);
    await cluster.startNode(victim);
  });

  test('a broker killed during watch: the watch runs to its end', async () => {
    const service = await fixture('kafkajs-per-request', { bootstrap: cluster.bootstrap, topic });
    const victim = other([leader]);
    const r = await kleakWhile(
      ['watch', '--pid', String(service.pid), '--bootstrap', cluster.bootstrap, '--interval', '250ms', '--duration', '4s', '--json'],
      () => cluster.stopNode(victim, 'kill'),
    );
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
    const lines = r.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]!);
    assertSchema('watch', summary);
    assert.ok(summary.sampleCount >= 10, `${summary.sampleCount} samples`);
    await cluster.startNode(victim);
  });

  test('the whole cluster gone mid-diagnose: the report completes, the cluster named as failed', async () => {
    const service = await fixture('kafkajs-per-request', { bootstrap: cluster.bootstrap, topic });
    const r = await kleakWhile(diagnoseArgs(service), async () => {
      await Promise.all(cluster.nodes.map((n) => cluster.stopNode(n.nodeId, 'kill')));
    });
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
    const json = JSON.parse(r.stdout);
    assertSchema('diagnosis', json);
    const reported = json.collectors.find((c: any) => c.kind === 'cluster');
    assert.equal(reported.status, 'failed', JSON.stringify(reported));
    assert.match(reported.error.message, /No broker answered/);
    // the service stopped answering with its cluster gone: kleak stopped driving instead of waiting out each request
    assert.ok(r.ms < 90_000, `the report took ${r.ms} ms`);
    assert.ok(json.collectors.find((c: any) => c.kind === 'watch').status === 'ok' || json.collectors.find((c: any) => c.kind === 'watch').status === 'failed');
  });
});
