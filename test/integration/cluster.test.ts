// kleak cluster against a real broker (and a 3-node cluster, and a SASL listener), with real consumers.
import type * as KafkaJs from 'kafkajs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { launchKafka } from '../../src/local-kafka/launch-kafka.js';
import { freePort } from '../../src/local-kafka/ports.js';
import type { KafkaCluster } from '../../src/local-kafka/types.js';
import { runKleak, runKleakJson } from '../helpers/cli.js';
import { assertCodeScanningSarif, assertSarif } from '../helpers/schema.js';
import { pidAlive } from '../helpers/oracles.js';
import { drive, fixture, waitFor } from '../helpers/fixtures.js';
import { createTopic, privateCluster, sharedBootstrap } from '../helpers/kafka.js';

let bootstrap: string;
before(async () => {
  bootstrap = await sharedBootstrap();
});

const clusterJson = (args: string[], env: Record<string, string> = {}) => runKleakJson(['cluster', ...args], 'cluster', { env });

async function members(bs: string, groupId: string): Promise<number> {
  const admin = new Kafka({ brokers: bs.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0]?.state === 'Stable' ? groups[0].members.length : -1;
  } finally {
    await admin.disconnect();
  }
}

async function consumerService(name: 'kafkajs-consumer-per-request' | 'kafkajs-consumer-per-request-fixed', subscribes: number) {
  const topic = await createTopic(bootstrap, name);
  const group = `${name}-${topic}`;
  const service = await fixture(name, { bootstrap, topic, env: { GROUP: group, SESSION_TIMEOUT_MS: '8000' } });
  await drive(`${service.url}/subscribe`, subscribes, { timeoutMs: 60_000 });
  return { service, group };
}

describe('formats', () => {
  test('SARIF and Markdown of the real cluster through the one path: the broker setting is context, not a finding', async () => {
    const sarif = await runKleak(['cluster', '--bootstrap', bootstrap, '--format', 'sarif']);
    assert.equal(sarif.code, 0, sarif.stderr);
    const log = JSON.parse(sarif.stdout);
    assertSarif(log);
    assertCodeScanningSarif(log);
    // the idle setting the rules read is a measured fact of the run, not a result (the shared broker's other
    // tests may leave groups that are findings of their own)
    assert.ok(!log.runs[0].results.some((r: any) => /idle/.test(r.ruleId)), sarif.stdout);
    const idle = log.runs[0].properties.measured.find((f: any) => f.name === 'connections.max.idle.ms');
    assert.match(idle.value, /^\d+(\/\d+)* \(/, JSON.stringify(idle));
    const md = await runKleak(['cluster', '--bootstrap', bootstrap, '--format', 'markdown']);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# kleak diagnosis\n/);
    assert.match(md.stdout, /## Measured\n\n\| source \| what \| value \| meaning \|\n\|---\|---\|---\|---\|\n\| cluster \| connections\.max\.idle\.ms \| \d+/);
  });
});

describe('consumer groups', () => {
  test('a consumer per request: N members from one host, group-member-growth; the twin keeps one member', async (t) => {
    const { group } = await consumerService('kafkajs-consumer-per-request', 5);
    await waitFor('5 stable members', async () => ((await members(bootstrap, group)) === 5 ? true : undefined), 60_000, 500);
    const { code, json } = await clusterJson(['--bootstrap', bootstrap, '--group', group, '--fail-on', 'warning']);
    const g = json.groups[0];
    t.diagnostic(`${g.members.length} members, per host ${JSON.stringify(g.membersPerHost)}, ${g.membersWithoutPartitions} without partitions`);
    assert.deepEqual(g.membersPerHost, { '127.0.0.1': 5 });
    assert.equal(g.membersWithoutPartitions, 4);
    assert.equal(g.subscribedPartitions, 1);
    assert.deepEqual(
      json.findings.filter((f: any) => f.severity !== 'info').map((f: any) => f.ruleId),
      ['group-member-growth'],
    );
    assert.equal(code, 1);

    const twin = await consumerService('kafkajs-consumer-per-request-fixed', 5);
    await waitFor('1 stable member', async () => ((await members(bootstrap, twin.group)) === 1 ? true : undefined), 60_000, 500);
    const quiet = await clusterJson(['--bootstrap', bootstrap, '--group', twin.group, '--fail-on', 'warning']);
    assert.equal(quiet.json.groups[0].members.length, 1);
    assert.deepEqual(
      quiet.json.findings.filter((f: any) => f.severity !== 'info'),
      [],
    );
    assert.equal(quiet.code, 0);
  });

  test('--watch sees members join while requests create consumers: group-member-growth confirmed', async () => {
    const { service, group } = await consumerService('kafkajs-consumer-per-request', 1);
    await waitFor('1 stable member', async () => ((await members(bootstrap, group)) === 1 ? true : undefined), 60_000, 500);
    const watching = clusterJson(['--bootstrap', bootstrap, '--group', group, '--watch', '--interval', '1s', '--duration', '20s']);
    await new Promise((r) => setTimeout(r, 1500));
    await drive(`${service.url}/subscribe`, 4, { timeoutMs: 60_000 });
    const { json } = await watching;
    const joins = json.membership.events.filter((e: any) => e.kind === 'join').length;
    assert.ok(joins >= 4, `${joins} joins`);
    const f = json.findings.find((x: any) => x.ruleId === 'group-member-growth');
    assert.equal(f.confidence, 'confirmed');
  });

  test('SIGKILL: members linger until the session timeout and lingering-members says so; SIGTERM leaves at once', async (t) => {
    const killed = await consumerService('kafkajs-consumer-per-request-fixed', 1);
    await waitFor('1 stable member', async () => ((await members(bootstrap, killed.group)) === 1 ? true : undefined), 60_000, 500);
    process.kill(killed.service.pid, 'SIGKILL');
    await waitFor('the process to be gone', async () => (pidAlive(killed.service.pid) ? undefined : true), 5000, 100);
    const { json } = await clusterJson([
      '--bootstrap',
      bootstrap,
      '--group',
      killed.group,
      '--pid',
      String(killed.service.pid),
      '--watch',
      '--interval',
      '1s',
      '--duration',
      '14s',
      '--fail-on',
      'warning',
    ]);
    const f = json.findings.find((x: any) => x.ruleId === 'lingering-members');
    assert.ok(f, JSON.stringify(json.findings));
    const leave = json.membership.events.find((e: any) => e.kind === 'leave');
    t.diagnostic(`member left ${(leave.atMs / 1000).toFixed(1)} s after kleak started (session timeout 8 s)`);
    assert.ok(leave.atMs >= 3000 && leave.atMs <= 14_000, `${leave.atMs}`);
    assert.equal(f.confidence, 'confirmed');

    const graceful = await consumerService('kafkajs-consumer-per-request-fixed', 1);
    await waitFor('1 stable member', async () => ((await members(bootstrap, graceful.group)) === 1 ? true : undefined), 60_000, 500);
    const stoppedAt = Date.now();
    await graceful.service.stop(10_000);
    await waitFor('the member to leave', async () => ((await members(bootstrap, graceful.group)) <= 0 ? true : undefined), 5000, 200);
    t.diagnostic(`graceful member gone ${Date.now() - stoppedAt} ms after SIGTERM`);
    const after = await clusterJson(['--bootstrap', bootstrap, '--group', graceful.group, '--pid', String(graceful.service.pid)]);
    assert.equal(after.json.findings.filter((x: any) => x.ruleId === 'lingering-members').length, 0);
  });
});

describe('a three-node cluster with one broker stopped', () => {
  test('the report still comes, naming the broker that did not answer', async () => {
    const cluster = await privateCluster({ nodes: 3 });
    await cluster.stopNode(3, 'kill');
    const dead = `127.0.0.1:${cluster.nodes[2]!.brokerPort}`;
    // The dead broker stays in the metadata until its session times out (9 s), and kafkajs sends a
    // request to a random broker: one run passed by luck one time in three. Five runs in that window.
    for (let run = 0; run < 5; run++) {
      const { code, json } = await clusterJson(['--bootstrap', cluster.bootstrap]);
      assert.equal(code, 0, `run ${run}: ${JSON.stringify(json.error ?? {})}`);
      assert.ok(json.brokers.length >= 2);
      assert.ok(
        json.unreachable.some((u: any) => u.what.includes(dead)),
        JSON.stringify(json.unreachable),
      );
      // only the dead one is named: the live brokers answered and their settings were read
      const live = cluster.nodes.slice(0, 2).map((n) => `127.0.0.1:${n.brokerPort}`);
      assert.ok(!json.unreachable.some((u: any) => live.some((a) => u.what.includes(a))), JSON.stringify(json.unreachable));
      assert.deepEqual(Object.keys(json.config).sort(), ['1', '2']);
    }
  });
});

// One broker with every security option the launcher has: SASL PLAIN and SCRAM users, a TLS listener with
// a self-signed certificate, and ACLs (alice is a super user; bob and carol have only what tests grant).
const password = 'alice-Pa55-word-7731';
const carolPassword = 'carol-Scr4m-pw-5521';
let secured: Promise<KafkaCluster> | undefined;
// started by the first test that needs it, stopped when the suite ends (privateCluster's hook would stop it after that test)
const securedCluster = () =>
  (secured ??= launchKafka({
    saslPlainUsers: { alice: password, bob: 'bob-Pa55-6621' },
    scramUsers: { carol: carolPassword },
    tls: true,
    superUsers: ['User:alice'],
    brokerConfig: { 'broker.rack': 'rack-a' },
  }));

describe('bad input and secrets', () => {
  after(async () => {
    await (await secured?.catch(() => undefined))?.stop();
  });

  test('unreachable bootstrap: exit 2 within the connection timeout, naming the addresses tried', async () => {
    const a = await freePort();
    const b = await freePort();
    const started = Date.now();
    const r = await runKleak(['cluster', '--bootstrap', `127.0.0.1:${a},127.0.0.1:${b}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`No broker answered at 127\\.0\\.0\\.1:${a} \\(ECONNREFUSED\\), 127\\.0\\.0\\.1:${b} \\(ECONNREFUSED\\)`));
    assert.ok(Date.now() - started < 5000);
  });

  test('not a Kafka listener', async () => {
    const service = await fixture('kafkajs-per-request-fixed', { bootstrap, topic: 'x' });
    const r = await runKleak(['cluster', '--bootstrap', `127.0.0.1:${service.port}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /did not answer as a Kafka broker: it answered in HTTP\./);
  });

  test('SASL: right password works, wrong one is a clear exit 2, TLS against plaintext fails clearly; no secret anywhere', async () => {
    const wrong = 'not-the-Pa55-4412';
    const cluster = await securedCluster();
    const sasl = ['--bootstrap', cluster.saslBootstrap!, '--sasl-mechanism', 'plain', '--sasl-username', 'alice'];
    const outputs: string[] = [];
    for (const format of ['table', 'json']) {
      const ok = await runKleak(['cluster', ...sasl, '--format', format], { env: { KLEAK_SASL_PASSWORD: password } });
      assert.equal(ok.code, 0, ok.stderr);
      outputs.push(ok.stdout, ok.stderr);
      const viaFlag = await runKleak(['cluster', ...sasl, '--sasl-password', password, '--format', format, '--debug']);
      assert.equal(viaFlag.code, 0, viaFlag.stderr);
      outputs.push(viaFlag.stdout, viaFlag.stderr);
      const bad = await runKleak(['cluster', ...sasl, '--format', format, '--debug'], { env: { KLEAK_SASL_PASSWORD: wrong } });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /SASL plain authentication as "alice" failed/);
      outputs.push(bad.stdout, bad.stderr);
      const badFlag = await runKleak(['cluster', ...sasl, '--sasl-password', wrong, '--format', format]);
      assert.equal(badFlag.code, 2);
      outputs.push(badFlag.stdout, badFlag.stderr);
    }
    for (const o of outputs) {
      assert.ok(!o.includes(password) && !o.includes(wrong), 'a secret reached the output');
    }
    const tls = await runKleak(['cluster', '--bootstrap', cluster.bootstrap, '--tls']);
    assert.equal(tls.code, 2);
    assert.match(tls.stderr, /TLS/);
  });

  test('SCRAM-SHA-256 and -512: the right password reads the cluster, a wrong one is exit 2; no secret anywhere', async () => {
    const cluster = await securedCluster();
    const wrong = 'carol-wr0ng-8890';
    const outputs: string[] = [];
    for (const mechanism of ['scram-sha-256', 'scram-sha-512']) {
      const args = ['--bootstrap', cluster.saslBootstrap!, '--sasl-mechanism', mechanism, '--sasl-username', 'carol'];
      const ok = await clusterJson(args, { KLEAK_SASL_PASSWORD: carolPassword });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.json.clusterId, cluster.clusterId);
      outputs.push(ok.stdout, ok.stderr);
      for (const format of ['table', 'json']) {
        const bad = await runKleak(['cluster', ...args, '--format', format, '--debug'], { env: { KLEAK_SASL_PASSWORD: wrong } });
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, new RegExp(`SASL ${mechanism} authentication as "carol" failed`));
        if (format === 'json') assert.equal(JSON.parse(bad.stdout).error.kind, 'InputError');
        outputs.push(bad.stdout, bad.stderr);
      }
    }
    for (const o of outputs) assert.ok(!o.includes(carolPassword) && !o.includes(wrong), 'a secret reached the output');
  });

  test('TLS: verified with the CA file, refused without it (named: self-signed), --insecure only when asked', async () => {
    const cluster = await securedCluster();
    const verified = await clusterJson(['--bootstrap', cluster.tlsBootstrap!, '--tls', '--tls-ca', cluster.tlsCaFile!]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.equal(verified.json.clusterId, cluster.clusterId);
    const untrusted = await runKleak(['cluster', '--bootstrap', cluster.tlsBootstrap!, '--tls']);
    assert.equal(untrusted.code, 2);
    assert.match(untrusted.stderr, /The TLS handshake with 127\.0\.0\.1:\d+ failed/);
    assert.match(untrusted.stderr, /self-signed certificate/);
    assert.doesNotMatch(untrusted.stderr, /\n\s+at /, 'no stack trace');
    const insecure = await clusterJson(['--bootstrap', cluster.tlsBootstrap!, '--tls', '--insecure']);
    assert.equal(insecure.code, 0, insecure.stderr);
    // plaintext spoken to the TLS listener: the broker closes it, and kleak says what usually causes that
    const plain = await runKleak(['cluster', '--bootstrap', cluster.tlsBootstrap!]);
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /closed it, answering Kafka's ApiVersions request with a TLS alert: it is a TLS listener/);
    assert.match(plain.stderr, /hint: Give --tls/);
  });

  test('SASL options and listeners that do not match: each named for what it is', async () => {
    const cluster = await securedCluster();
    const saslToPlaintext = await runKleak(['cluster', '--bootstrap', cluster.bootstrap, '--sasl-mechanism', 'plain', '--sasl-username', 'alice'], {
      env: { KLEAK_SASL_PASSWORD: password },
    });
    assert.equal(saslToPlaintext.code, 2);
    assert.match(saslToPlaintext.stderr, /answered as Kafka but takes no SASL there: it is not a SASL listener/);
    const plaintextToSasl = await runKleak(['cluster', '--bootstrap', cluster.saslBootstrap!]);
    assert.equal(plaintextToSasl.code, 2);
    assert.match(plaintextToSasl.stderr, /is a Kafka listener that wants SASL: it answered ApiVersions/);
    for (const o of [saslToPlaintext, plaintextToSasl]) assert.ok(!o.stdout.includes(password) && !o.stderr.includes(password));
  });

  test('ACLs: a denied group and denied broker settings are named, what could be read is reported, and a denied --group is exit 2', async () => {
    const cluster = await securedCluster();
    const topic = await createTopic(cluster.bootstrap, 'acl');
    const visible = `visible-${topic}`;
    const hidden = `hidden-${topic}`;
    // the PLAINTEXT listener is User:ANONYMOUS, a super user: it creates the groups and the ACLs
    const {
      Kafka: K,
      AclResourceTypes,
      ResourcePatternTypes,
      AclOperationTypes,
      AclPermissionTypes,
    } = ((await import('kafkajs')) as any).default as typeof KafkaJs;
    const admin = new K({ brokers: cluster.bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      for (const groupId of [visible, hidden]) await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }] });
      await admin.createAcls({
        acl: [
          {
            resourceType: AclResourceTypes.GROUP,
            resourceName: visible,
            resourcePatternType: ResourcePatternTypes.LITERAL,
            principal: 'User:bob',
            host: '*',
            operation: AclOperationTypes.DESCRIBE,
            permissionType: AclPermissionTypes.ALLOW,
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    const bob = ['--bootstrap', cluster.saslBootstrap!, '--sasl-mechanism', 'plain', '--sasl-username', 'bob'];
    const env = { KLEAK_SASL_PASSWORD: 'bob-Pa55-6621' };
    // ACLs reach every listener through the metadata log: bounded wait until bob can read the visible group
    let listed: Awaited<ReturnType<typeof clusterJson>> | undefined;
    await waitFor(
      'the ACL to apply',
      async () => {
        listed = await clusterJson(bob, env);
        return listed.json.groups?.some((g: any) => g.groupId === visible) ? true : undefined;
      },
      20_000,
      500,
    );
    // ListGroups is filtered by the broker: bob sees only the group he may describe
    assert.equal(listed!.code, 0, listed!.stderr);
    assert.deepEqual(
      listed!.json.groups.map((g: any) => g.groupId).filter((g: string) => g.endsWith(topic)),
      [visible],
    );
    // no DESCRIBE_CONFIGS on the cluster: a problem to grant, not an unreachable broker
    assert.deepEqual(listed!.json.unreachable, []);
    assert.ok(
      listed!.json.problems.some(
        (p: any) => p.what === 'settings of broker 1' && /^denied \(CLUSTER_AUTHORIZATION_FAILED\): .*DESCRIBE_CONFIGS/.test(p.message),
      ),
      JSON.stringify(listed!.json.problems),
    );

    for (const format of ['json', 'table']) {
      const named = await runKleak(['cluster', ...bob, '--group', visible, '--group', hidden, '--format', format], { env });
      assert.equal(named.code, 2, named.stderr);
      assert.match(named.stderr, new RegExp(`refused to describe group ${hidden}; the report has everything else`));
      assert.match(named.stderr, /hint: grant this principal DESCRIBE/);
      if (format === 'json') {
        const json = JSON.parse(named.stdout);
        assert.deepEqual(
          json.groups.map((g: any) => g.groupId),
          [visible],
        );
        assert.equal(json.groups[0].state, 'Empty');
        assert.deepEqual(
          json.collectors.map((c: any) => [c.kind, c.status]),
          [['cluster', 'failed']],
        );
        assert.ok(
          json.problems.some((p: any) => p.what === `group ${hidden}` && /^denied \(GROUP_AUTHORIZATION_FAILED\)/.test(p.message)),
          JSON.stringify(json.problems),
        );
      } else {
        assert.match(named.stdout, new RegExp(`not read: group ${hidden} — denied`));
      }
    }
    // alice, a super user, reads both
    const all = await clusterJson(
      ['--bootstrap', cluster.saslBootstrap!, '--sasl-mechanism', 'plain', '--sasl-username', 'alice', '--group', visible, '--group', hidden],
      { KLEAK_SASL_PASSWORD: password },
    );
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(all.json.groups.map((g: any) => g.groupId).sort(), [hidden, visible].sort());
    // the rack comes with the settings: alice may read them, bob may not (null, and said under problems)
    assert.equal(all.json.brokers[0].rack, 'rack-a');
    assert.equal(listed!.json.brokers[0].rack, null);
    const table = await runKleak(['cluster', '--bootstrap', cluster.saslBootstrap!, '--sasl-mechanism', 'plain', '--sasl-username', 'alice'], {
      env: { KLEAK_SASL_PASSWORD: password },
    });
    assert.match(table.stdout, /127\.0\.0\.1:\d+ \(rack rack-a\)/);
  });
});
