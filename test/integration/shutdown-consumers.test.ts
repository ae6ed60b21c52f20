// kleak shutdown-check on consumers (real broker; Sarama, franz-go and kafkajs group consumers that kleak
// starts itself, kept busy by a backlog and a steady feed): the final commit, LeaveGroup, the exit. Each
// leak is checked against the admin API's own view after the run (the member still listed, the
// committed offsets), each graceful twin reports nothing at warning or above in 5 runs out of 5. Also:
// a static member (info only), a Close that hangs past the grace period (the stuck line), and --pid on a
// process the test started, whose exit it times itself.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { buildGoFixtures } from '../../src/local-kafka/start-fixture.js';
import { freePort } from '../../src/local-kafka/ports.js';
import { repoRoot } from '../../src/repo-root.js';
import { noHandlerWithinMs } from '../../src/rules/shutdown-no-signal-handler.js';
import { runKleak, runKleakJson } from '../helpers/cli.js';
import { waitFor } from '../helpers/fixtures.js';
import { createTopic, sharedBootstrap } from '../helpers/kafka.js';
import { commandOf, feed, shutdownCheck, withAdmin, type Scenario } from '../helpers/shutdown.js';

let bootstrap: string;
before(async () => {
  bootstrap = await sharedBootstrap();
  buildGoFixtures('shutdown-svc');
});

type Finding = { severity: string; ruleId: string; summary: string; locations: Array<{ file: string; line: number }> };
const atLeastWarning = (findings: Finding[]) => findings.filter((f) => f.severity !== 'info').map((f) => `${f.ruleId}: ${f.summary}`);
const ruleIds = (findings: Finding[]) => findings.map((f) => f.ruleId).sort();

/** A topic of 2 partitions with a backlog (5 ms of work per message in every fixture) and a steady feed. */
async function busyTopic(prefix: string) {
  const topic = await createTopic(bootstrap, prefix, 2);
  const feeder = await feed(bootstrap, topic, 2000, 100);
  return { topic, group: `${topic}-group`, feeder };
}

async function committed(groupId: string, topic: string): Promise<Record<string, number>> {
  return withAdmin(bootstrap, async (admin) => {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    // partitions never committed (-1) are not in kleak's reading (OffsetFetch for the whole group lists only committed ones)
    return Object.fromEntries(t!.partitions.filter((p) => Number(p.offset) >= 0).map((p) => [`${topic}/${p.partition}`, Number(p.offset)]));
  });
}

async function memberIds(groupId: string): Promise<string[]> {
  return withAdmin(bootstrap, async (admin) => (await admin.describeGroups([groupId])).groups[0]!.members.map((m) => m.memberId));
}

const consumers: Array<{ scenario: Scenario; library: string; leak: string[]; why: string }> = [
  {
    scenario: 'sarama-group',
    library: 'sarama',
    why: 'no signal handler: killed by SIGTERM',
    leak: ['shutdown-no-final-commit', 'shutdown-no-leave-group', 'shutdown-no-signal-handler'],
  },
  {
    scenario: 'franz-group',
    library: 'franz-go',
    why: 'os.Exit(0) in the handler, no Close',
    leak: ['shutdown-no-final-commit', 'shutdown-no-leave-group', 'shutdown-sockets-left-open'],
  },
  {
    scenario: 'kafkajs-consumer',
    library: 'kafkajs',
    why: 'process.exit(0) in the handler, no disconnect',
    leak: ['shutdown-no-final-commit', 'shutdown-no-leave-group', 'shutdown-sockets-left-open'],
  },
];

describe('shutdown-check: consumers', { concurrency: 2 }, () => {
  for (const { scenario, library, leak, why } of consumers) {
    test(`${scenario} (${why}): no final commit, no LeaveGroup — as the admin API sees it after exit`, async (t) => {
      const { topic, group, feeder } = await busyTopic(`sd-${scenario}`);
      const { json } = await shutdownCheck(scenario, { bootstrap, topic, group, graceful: false });
      const run = json.runs[0];
      const g = run.groups[0];
      // the independent view, right after kleak's last reading (the session timeout is 10 s or more)
      const [members, offsets] = [await memberIds(group), await committed(group, topic)];
      await feeder.stop();
      t.diagnostic(
        `${scenario}: exit ${run.exit.afterMs} ms (${run.exit.signal ?? `status ${run.exit.code}`}); committed ${JSON.stringify(g.committedAtSignal)} → ${JSON.stringify(g.committedAfterExit)}, ${g.uncommittedAfterExit} uncommitted; admin: ${members.length} member(s), committed ${JSON.stringify(offsets)}; ${ruleIds(json.findings).join(', ')}`,
      );
      assert.equal(run.library, library);
      assert.deepEqual(ruleIds(json.findings), leak);
      assert.equal(json.runs.length, 1);
      assert.equal(g.members.length, 1, 'the one member the process had');
      assert.ok(g.stillListedAfterExit);
      assert.ok(members.includes(g.members[0].memberId), 'the admin API still lists the member after the exit');
      assert.deepEqual(g.committedAfterExit, offsets, "kleak's committed offsets are the broker's");
      assert.deepEqual(g.committedAfterExit, g.committedAtSignal, 'no commit between the signal and the exit');
      assert.ok(g.uncommittedAfterExit > 0);
      if (scenario === 'sarama-group') {
        assert.equal(run.exit.signal, 'SIGTERM', 'killed by the signal (status 143)');
        assert.ok(run.exit.afterMs < noHandlerWithinMs, `${run.exit.afterMs} ms`);
      } else assert.equal(run.exit.code, 0);
    });

    test(`${scenario}, graceful twin: commit, then LeaveGroup, then exit — nothing at warning or above, 5 runs out of 5`, async (t) => {
      const { topic, group, feeder } = await busyTopic(`sd-${scenario}-fixed`);
      const { json, code } = await shutdownCheck(scenario, { bootstrap, topic, group, graceful: true, repeat: 5 });
      const members = await memberIds(group);
      const offsets = await committed(group, topic);
      await feeder.stop();
      t.diagnostic(
        `${scenario} twin: ${json.runs
          .map(
            (r: { exit: { afterMs: number }; groups: Array<{ commitAtMs?: number; leftAtMs?: number }> }) =>
              `commit +${r.groups[0]?.commitAtMs} / gone +${r.groups[0]?.leftAtMs} / exit +${r.exit.afterMs} ms`,
          )
          .join('; ')}`,
      );
      assert.equal(json.runs.length, 5);
      assert.deepEqual(atLeastWarning(json.findings), []);
      assert.equal(code, 0);
      for (const r of json.runs) {
        const g = r.groups[0];
        assert.ok(r.exit.exited && !r.exit.killed && r.exit.code === 0, `run ${r.run} exited 0 by itself`);
        assert.equal(g.members.length, 1, `run ${r.run}: its own member only`);
        assert.ok(g.commitAtMs !== undefined && g.committedPartitions > 0, `run ${r.run}: a commit between the signal and the exit`);
        assert.ok(!g.stillListedAfterExit && g.leftAtMs !== undefined, `run ${r.run}: left the group`);
        const kinds = r.timeline.map((e: { kind: string }) => e.kind);
        assert.ok(kinds.indexOf('commit') < kinds.indexOf('exit') && kinds.indexOf('leave') <= kinds.indexOf('exit'), `run ${r.run}: ${kinds.join(' → ')}`);
      }
      assert.deepEqual(members, [], 'the admin API lists no member after the last run');
      assert.deepEqual(json.runs[4].groups[0].committedAfterExit, offsets, "kleak's last committed offsets are the broker's");
    });
  }

  test('a static member (group.instance.id) closed properly: no LeaveGroup by design, info only', async (t) => {
    const { topic, group, feeder } = await busyTopic('sd-static');
    const { json, code } = await shutdownCheck('sarama-static', { bootstrap, topic, group, graceful: true, repeat: 5 });
    const members = await withAdmin(bootstrap, async (admin) => (await admin.describeGroups([group])).groups[0]!.members);
    await feeder.stop();
    t.diagnostic(`static: ${json.findings.map((f: Finding) => `${f.severity} ${f.summary}`).join(' | ')}; admin: ${members.length} member(s) after exit`);
    assert.deepEqual(atLeastWarning(json.findings), []);
    assert.equal(code, 0);
    assert.deepEqual(ruleIds(json.findings), ['shutdown-no-leave-group']);
    assert.equal(json.findings[0].severity, 'info');
    assert.match(json.findings[0].summary, /static member \(static-\d+\) did not leave the group, by design/);
    for (const r of json.runs) {
      assert.ok(r.groups[0].members[0].groupInstanceId?.startsWith('static-'), 'DescribeGroups v4 gave the instance id');
      assert.ok(r.groups[0].commitAtMs !== undefined, `run ${r.run}: it still committed`);
    }
    assert.equal(members.length, 1, 'the admin API still lists the static member (until its session times out)');
  });

  test('a Close that hangs (ConsumeClaim never returns): exceeds the grace period, and the line it is stuck on', async (t) => {
    const { topic, group, feeder } = await busyTopic('sd-hang');
    const pprofPort = await freePort();
    const { json, code } = await shutdownCheck('sarama-hang', {
      bootstrap,
      topic,
      group,
      graceful: true,
      extra: ['--grace', '4s'],
      env: { PPROF_PORT: String(pprofPort) },
    });
    await feeder.stop();
    const run = json.runs[0];
    const finding = json.findings.find((f: Finding) => f.ruleId === 'shutdown-exceeds-grace') as Finding;
    t.diagnostic(`hang: ${finding?.summary}; locations ${JSON.stringify(finding?.locations)}`);
    assert.equal(code, 1);
    assert.ok(finding, 'shutdown-exceeds-grace');
    assert.equal(finding.severity, 'error');
    // the truth: alive at the end of the grace period, so kleak killed it after --kill-after (it sends SIGKILL only then)
    assert.ok(run.exit.killed && run.exit.signal === 'SIGKILL');
    assert.ok(run.exit.afterMs >= 4000 + 2000);
    assert.ok(run.timeline.some((e: { kind: string }) => e.kind === 'grace-end'));
    // where it is stuck: the line of the fixture that waits for ever
    const source = readFileSync(join(repoRoot, 'fixtures/go/shutdown-svc/consumers.go'), 'utf8').split('\n');
    const never = source.findIndex((l) => l.includes('<-never')) + 1;
    assert.ok(
      finding.locations.some((l) => l.file.endsWith('fixtures/go/shutdown-svc/consumers.go') && l.line === never),
      `a location at consumers.go:${never}: ${JSON.stringify(finding.locations)}`,
    );
    assert.match(finding.summary, /Close waits: 1 goroutine \[sync\.Mutex\.Lock\] in sarama\.\(\*consumerGroup\)\.leave/);
    // none of the rules that need an exit by itself speak for a killed process
    assert.deepEqual(ruleIds(json.findings), ['shutdown-exceeds-grace']);
  });

  test('--pid on a process the test started: the exit time kleak reports is the one the test measured', async (t) => {
    const { topic, group, feeder } = await busyTopic('sd-pid');
    const port = await freePort();
    const child = spawn(commandOf('sarama-group'), [], {
      env: { PATH: process.env.PATH ?? '', KAFKA_BROKERS: bootstrap, PORT: String(port), TOPIC: topic, GROUP: group, SCENARIO: 'sarama-group', GRACEFUL: '' },
      stdio: 'ignore',
    });
    let exitedAt: number | undefined;
    let signal: string | null = null;
    child.once('exit', (_, s) => {
      exitedAt = Date.now();
      signal = s;
    });
    try {
      await waitFor('the member to join', async () => ((await memberIds(group)).length === 1 ? true : undefined), 30_000);
      const { json } = await runKleakJson(['shutdown-check', '--pid', String(child.pid), '--bootstrap', bootstrap, '--group', group, '--yes'], 'shutdown', {
        timeoutMs: 120_000,
      });
      const run = json.runs[0];
      const measured = exitedAt! - Date.parse(run.signalAt);
      t.diagnostic(`--pid: kleak ${run.exit.afterMs} ms (${run.exit.statusFrom}), the test ${measured} ms (${signal}); ${ruleIds(json.findings).join(', ')}`);
      assert.equal(signal, 'SIGTERM', 'the test saw it killed by the signal kleak sent');
      assert.ok(Math.abs(run.exit.afterMs - measured) <= 50, `kleak ${run.exit.afterMs} ms vs the test ${measured} ms`);
      assert.ok(ruleIds(json.findings).includes('shutdown-no-leave-group'));
      // its parent (this test) reaped it at once: kleak could not read the status, and says so instead of guessing
      if (run.exit.statusFrom === 'unknown') {
        assert.ok(!ruleIds(json.findings).includes('shutdown-no-signal-handler'));
        assert.ok(run.notes.some((n: string) => /exit status was not readable/.test(n)));
      } else assert.ok(ruleIds(json.findings).includes('shutdown-no-signal-handler'));
    } finally {
      child.kill('SIGKILL');
      await feeder.stop();
    }
  });
});

test('diagnose lists the shutdown rules as not evaluated, and with --shutdown --yes runs the check last', async (t) => {
  const { topic, group, feeder } = await busyTopic('sd-diagnose');
  const port = await freePort();
  const child = spawn(commandOf('kafkajs-consumer').split(' ')[0]!, commandOf('kafkajs-consumer').split(' ').slice(1), {
    env: { PATH: process.env.PATH ?? '', KAFKA_BROKERS: bootstrap, PORT: String(port), TOPIC: topic, GROUP: group, SCENARIO: 'kafkajs-consumer', GRACEFUL: '' },
    stdio: 'ignore',
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    await waitFor('the member to join', async () => ((await memberIds(group)).length === 1 ? true : undefined), 30_000);
    // a group that never committed has no tail to measure: wait for its first commit
    await waitFor('a first commit', async () => (Object.keys(await committed(group, topic)).length ? true : undefined), 30_000);
    const shutdownRules = [
      'shutdown-exceeds-grace',
      'shutdown-lost-messages',
      'shutdown-no-final-commit',
      'shutdown-no-leave-group',
      'shutdown-no-signal-handler',
      'shutdown-sockets-left-open',
    ];
    const plain = await runKleakJson(['diagnose', '--pid', String(child.pid), '--bootstrap', bootstrap, '--group', group], 'diagnosis');
    const notEvaluated = plain.json.notEvaluated.filter((n: { ruleId: string }) => n.ruleId.startsWith('shutdown-'));
    assert.deepEqual(notEvaluated.map((n: { ruleId: string }) => n.ruleId).sort(), shutdownRules);
    assert.ok(notEvaluated.every((n: { missing: string[] }) => n.missing.join() === 'shutdown'));
    assert.match(plain.json.collectors.find((c: { kind: string }) => c.kind === 'shutdown').reason, /--shutdown --yes sends SIGTERM last/);
    assert.equal(exited, false, 'without --shutdown the process is left alone');
    const refused = await runKleak(['diagnose', '--pid', String(child.pid), '--bootstrap', bootstrap, '--shutdown']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /Confirm with --yes/);
    assert.equal(exited, false);
    const checked = await runKleakJson(
      ['diagnose', '--pid', String(child.pid), '--bootstrap', bootstrap, '--group', group, '--shutdown', '--yes'],
      'diagnosis',
    );
    const ids = checked.json.findings.map((f: Finding) => f.ruleId);
    t.diagnostic(`diagnose --shutdown: ${ids.join(', ')}`);
    assert.ok(ids.includes('shutdown-no-leave-group') && ids.includes('shutdown-no-final-commit'), ids.join(', '));
    assert.deepEqual(
      checked.json.notEvaluated.filter((n: { ruleId: string }) => n.ruleId.startsWith('shutdown-')),
      [],
    );
    assert.ok(
      checked.json.context.some((c: { source: string; value: string }) => c.source === 'shutdown' && c.value === 'exit'),
      'the timeline is in the report',
    );
    await waitFor('the process to be gone', async () => (exited ? true : undefined), 5000);
  } finally {
    child.kill('SIGKILL');
    await feeder.stop();
  }
});

test('bad input gets one clear paragraph and exit 2: no such PID, a service that dies at start-up', async () => {
  const noPid = await runKleak(['shutdown-check', '--pid', '4194000', '--bootstrap', bootstrap, '--yes', '--json']);
  assert.equal(noPid.code, 2);
  assert.match(JSON.parse(noPid.stdout).error.message, /No process with PID 4194000 is running/);
  assert.doesNotMatch(noPid.stderr, /at .*\.js:\d+/, 'no stack trace');
  const dies = await runKleak(['shutdown-check', '--exec', 'sh -c "echo broken config >&2; exit 3"', '--bootstrap', bootstrap, '--json']);
  assert.equal(dies.code, 2);
  const error = JSON.parse(dies.stdout).error;
  assert.match(error.message, /The service exited during start-up \(3\)/);
  assert.match(error.message, /broken config/, "the service's own last words");
  const unreachable = await runKleak(['shutdown-check', '--pid', String(process.pid + 1), '--bootstrap', '127.0.0.1:9', '--yes']);
  assert.equal(unreachable.code, 2);
  assert.match(unreachable.stderr, /No broker answered at 127\.0\.0\.1:9/);
});
