// kleak sockets and kleak watch against real services and a real broker, checked against ss.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../src/local-kafka/ports.js';
import { repoRoot } from '../../src/repo-root.js';
import { buildGoFixtures, type FixtureName } from '../../src/local-kafka/start-fixture.js';
import { runKleak, runKleakJson } from '../helpers/cli.js';
import { drive, fixture, getJson, waitFor } from '../helpers/fixtures.js';
import { createTopic, privateCluster, sharedBootstrap } from '../helpers/kafka.js';
import { ssEstablished } from '../helpers/oracles.js';

let bootstrap: string;
before(async () => {
  bootstrap = await sharedBootstrap();
});

async function started(name: FixtureName) {
  const topic = await createTopic(bootstrap, name);
  return fixture(name, { bootstrap, topic });
}

/** Runs a kleak command that prints JSON (or JSON lines) and parses the last object. */
const kleakJson = (args: string[]) => runKleakJson(args, args[0] === 'sockets' ? 'sockets' : 'watch');

describe('kleak sockets', () => {
  test('counts equal ss for the same PID at the same moment; brokers come from the cluster', async (t) => {
    const service = await started('sarama-per-request');
    await drive(`${service.url}/produce`, 10);
    let agreed = false;
    for (let attempt = 0; attempt < 5 && !agreed; attempt++) {
      const before = ssEstablished(service.pid, [bootstrap]);
      const { code, json } = await kleakJson(['sockets', '--pid', String(service.pid), '--bootstrap', bootstrap]);
      const afterCount = ssEstablished(service.pid, [bootstrap]);
      if (before !== afterCount) continue; // the service was still changing: measure again
      assert.equal(code, 0);
      assert.equal(json.schemaVersion, 1);
      assert.equal(json.pid, service.pid);
      assert.equal(json.brokerSource, 'cluster');
      assert.equal(json.totals.brokerEstablished, before);
      assert.deepEqual(
        json.brokers.map((b: any) => [b.address, b.nodeId, b.established]),
        [[bootstrap, 1, before]],
      );
      assert.equal(json.processes[0].runtime, 'go');
      assert.equal(
        json.totals.fdLimit,
        Number((await import('node:fs')).readFileSync(`/proc/${service.pid}/limits`, 'utf8').match(/Max open files\s+(\d+)/)![1]),
      );
      t.diagnostic(`kleak ${json.totals.brokerEstablished} ESTABLISHED = ss ${before}`);
      agreed = true;
    }
    assert.ok(agreed, 'ss and kleak were measured on a stable process');
  });

  test('several PIDs and --children: a row per process and a total', async () => {
    buildGoFixtures();
    const [a, b] = await Promise.all([started('sarama-per-request'), started('kafkajs-per-request')]);
    await Promise.all([drive(`${a.url}/produce`, 3), drive(`${b.url}/produce`, 4)]);
    const { json } = await kleakJson(['sockets', '--pid', String(a.pid), '--pid', String(b.pid), '--brokers', bootstrap]);
    assert.deepEqual(
      json.processes.map((p: any) => [p.pid, p.runtime, p.totals.brokerEstablished]),
      [
        [a.pid, 'go', 6],
        [b.pid, 'node', 4],
      ],
    ); // in the order given
    assert.equal(json.totals.brokerEstablished, 10);
    assert.equal(json.brokerSource, 'flag');

    // a parent (bash, no sockets of its own) with the Sarama fixture as its child
    const topic = await createTopic(bootstrap, 'children');
    // a free port, not a random one: a random port in the ephemeral range can be taken (the child then never serves)
    const port = await freePort();
    const parent = spawn('bash', ['-c', `"${join(repoRoot, 'fixtures/go/bin/sarama-per-request')}" & wait`], {
      env: { ...process.env, KAFKA_BROKERS: bootstrap, PORT: String(port), TOPIC: topic },
      detached: true,
      stdio: 'ignore',
    });
    after(() => {
      try {
        process.kill(-parent.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    await waitFor('the child fixture', async () => ((await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok ? true : undefined), 15_000);
    await drive(`http://127.0.0.1:${port}/produce`, 2);
    const tree = await kleakJson(['sockets', '--pid', String(parent.pid), '--children', '--brokers', bootstrap]);
    assert.equal(tree.json.processes.length, 2);
    assert.equal(tree.json.processes[0].pid, parent.pid);
    assert.equal(tree.json.processes[0].totals.brokerEstablished, 0);
    assert.equal(tree.json.totals.brokerEstablished, 4);
  });
});

interface WatchOutcome {
  code: number | null;
  perRequest: number;
  findings: string[];
  summary: any;
}

/** kleak watch driving the service's POST /produce `requests` times. */
const watchArgs = (service: { pid: number; url: string }, requests: number) => [
  'watch',
  '--pid',
  String(service.pid),
  '--bootstrap',
  bootstrap,
  '--drive',
  `${service.url}/produce`,
  '--method',
  'POST',
  '--requests',
  String(requests),
];

async function watchDriven(name: FixtureName, requests: number): Promise<WatchOutcome> {
  const service = await started(name);
  const pprof = name.startsWith('sarama') ? ['--pprof', service.url] : [];
  const { code, json, lines } = await kleakJson([...watchArgs(service, requests), '--interval', '500ms', ...pprof]);
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), 'every line is JSON');
  assert.equal(json.type, 'summary');
  return {
    code,
    perRequest: json.drive.perRequest.brokerEstablished,
    findings: json.findings.filter((f: any) => f.severity !== 'info').map((f: any) => f.ruleId),
    summary: json,
  };
}

describe('kleak watch --drive', () => {
  test('Sarama per request: 2.0 ± 0.2 broker connections per request, client-per-request raised (exit 1)', async (t) => {
    const { code, perRequest, findings, summary } = await watchDriven('sarama-per-request', 30);
    t.diagnostic(`per request: ${perRequest} connections, ${summary.drive.perRequest.goroutines} goroutines`);
    assert.ok(Math.abs(perRequest - 2) <= 0.2, `${perRequest}`);
    assert.equal(summary.drive.perRequest.goroutines, 3);
    assert.deepEqual(findings, ['client-per-request']);
    assert.equal(summary.findings[0].library, 'sarama');
    assert.equal(code, 1);
  });

  test('sarama-shared: 0.0 ± 0.1 per request, nothing opened, no finding at warning or above (exit 0)', async () => {
    const { code, perRequest, findings, summary } = await watchDriven('sarama-shared', 30);
    assert.ok(Math.abs(perRequest) <= 0.1, `${perRequest}`);
    assert.equal(summary.drive.churn.perRequest.opened, 0);
    assert.deepEqual(findings, []);
    assert.equal(code, 0);
  });

  test('sarama-per-request-fixed: nothing left (0.0 ± 0.1 per request), but a client built and closed per request: a warning (exit 0)', async () => {
    const { code, perRequest, findings, summary } = await watchDriven('sarama-per-request-fixed', 30);
    assert.ok(Math.abs(perRequest) <= 0.1, `${perRequest}`);
    assert.ok(Math.abs(summary.drive.churn.perRequest.opened - 2) <= 0.2, `${summary.drive.churn.perRequest.opened} opened per request`);
    assert.deepEqual(findings, ['client-per-request']);
    assert.equal(summary.findings.find((f: any) => f.ruleId === 'client-per-request').severity, 'warning');
    assert.equal(code, 0);
  });

  test('an adaptive drive stops once the slope is clear, and says after how many requests', async () => {
    const { summary } = await watchDriven('sarama-per-request', 50);
    const a = summary.drive.adaptive;
    assert.equal(a.reason, 'slope established');
    assert.ok(a.requests >= 15 && a.requests < 50, `${a.requests}`);
    assert.equal(summary.drive.requests, a.requests);
    assert.deepEqual(
      a.perRound.brokerEstablished,
      Array.from({ length: a.rounds }, () => 2),
      'two connections each round of requests',
    );
  });

  test('kafkajs per request: kleak reproduces the ss figure within 10%; its twin is silent', async (t) => {
    const topic = await createTopic(bootstrap, 'kjs');
    const service = await fixture('kafkajs-per-request', { bootstrap, topic });
    const requests = 30;
    // the oracle: ss before and after the same protocol (5 warm-up requests, then 30), by hand
    await drive(`${service.url}/produce`, 5);
    const ssBefore = ssEstablished(service.pid, [bootstrap]);
    await drive(`${service.url}/produce`, requests);
    await new Promise((r) => setTimeout(r, 1000));
    const ssPerRequest = (ssEstablished(service.pid, [bootstrap]) - ssBefore) / requests;
    const { json } = await kleakJson(watchArgs(service, requests));
    const kleakPerRequest = json.drive.perRequest.brokerEstablished;
    t.diagnostic(`ss ${ssPerRequest} vs kleak ${kleakPerRequest} connections per request`);
    assert.ok(ssPerRequest >= 1);
    assert.ok(Math.abs(kleakPerRequest - ssPerRequest) <= 0.1 * ssPerRequest, `kleak ${kleakPerRequest} vs ss ${ssPerRequest}`);
    assert.deepEqual(
      json.findings.map((f: any) => [f.ruleId, f.library]),
      [['client-per-request', 'kafkajs']],
    );

    const twin = await watchDriven('kafkajs-per-request-fixed', requests);
    assert.ok(Math.abs(twin.perRequest) <= 0.1);
    assert.deepEqual(twin.findings, []);
  });
});

describe('growth that is not Kafka', () => {
  test('a keep-alive agent per request beside one shared producer: sockets to the upstream, equal to ss, said as info; no Kafka finding', async (t) => {
    const topic = await createTopic(bootstrap, 'not-kafka');
    const service = await fixture('http-leak-kafka-clean', { bootstrap, topic });
    const { upstreamPort } = await getJson<{ upstreamPort: number }>(`${service.url}/stats`);
    const requests = 20;
    const { code, json } = await kleakJson(watchArgs(service, requests));
    const upstream = json.drive.otherPeers.find((p: any) => p.peer === `127.0.0.1:${upstreamPort}`);
    const ssAfter = ssEstablished(service.pid, [`127.0.0.1:${upstreamPort}`]);
    t.diagnostic(`upstream sockets: kleak ${upstream.before} → ${upstream.after} (${upstream.perRequest} per request), ss now ${ssAfter}`);
    assert.equal(upstream.after, ssAfter, 'the sockets kleak counted after the drive are the ones ss sees');
    assert.ok(Math.abs(upstream.perRequest - 1) <= 0.1, `${upstream.perRequest}`);
    assert.ok(
      json.drive.otherPeers.some((p: any) => p.peer === `:${upstreamPort} in` && Math.abs(p.perRequest - 1) <= 0.1),
      JSON.stringify(json.drive.otherPeers),
    );
    assert.ok(Math.abs(json.drive.perRequest.brokerEstablished) <= 0.1);
    assert.deepEqual(
      json.findings.map((f: any) => `${f.severity} ${f.ruleId}`),
      ['info non-kafka-growth'],
    );
    assert.match(json.findings[0].summary, new RegExp(`to 127\\.0\\.0\\.1:${upstreamPort} \\(\\+1\\.0 each\\).*none to the brokers.*not a Kafka-client leak`));
    assert.equal(code, 0);
  });
});

describe('kleak watch without a driver', () => {
  test('steady growth under background traffic: connections-growing with the Mann-Kendall verdict', async () => {
    const service = await started('sarama-per-request');
    let sending = true;
    const traffic = (async () => {
      while (sending) {
        await fetch(`${service.url}/produce`, { method: 'POST' })
          .then((r) => r.text())
          .catch(() => {});
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    try {
      const { json } = await kleakJson([
        'watch',
        '--pid',
        String(service.pid),
        '--bootstrap',
        bootstrap,
        '--interval',
        '250ms',
        '--duration',
        '5s',
        '--fail-on',
        'warning',
      ]);
      assert.equal(json.trends.brokerEstablished.verdict, 'linear-growth');
      assert.ok(json.findings.some((f: any) => f.ruleId === 'connections-growing'));
    } finally {
      sending = false;
      await traffic;
    }
  });

  test('an idle leaky service after warm-up: flat, no finding', async () => {
    const service = await started('sarama-per-request');
    await drive(`${service.url}/produce`, 3);
    const { code, json } = await kleakJson(['watch', '--pid', String(service.pid), '--bootstrap', bootstrap, '--interval', '200ms', '--duration', '2s']);
    assert.equal(json.trends.brokerEstablished.verdict, 'flat');
    assert.deepEqual(json.findings, []);
    assert.equal(code, 0);
  });
});

describe('CLOSE_WAIT after the broker reaps idle connections (connections.max.idle.ms = 3 s)', () => {
  test('Sarama leaves the reaped sockets in CLOSE_WAIT: close-wait-sockets; kafkajs closes them: silent', async (t) => {
    const cluster = await privateCluster({ brokerConfig: { 'connections.max.idle.ms': 3000 } });
    const topic = await createTopic(cluster.bootstrap, 'reap');
    const sarama = await fixture('sarama-per-request', { bootstrap: cluster.bootstrap, topic });
    const kafkajs = await fixture('kafkajs-per-request', { bootstrap: cluster.bootstrap, topic });
    await Promise.all([drive(`${sarama.url}/produce`, 5), drive(`${kafkajs.url}/produce`, 5)]);

    const reaped = await waitFor(
      'the broker to reap the Sarama connections',
      async () => {
        const r = await kleakJson(['sockets', '--pid', String(sarama.pid), '--bootstrap', cluster.bootstrap, '--fail-on', 'warning']);
        return r.json.totals.brokerCloseWait >= 10 ? r : undefined;
      },
      30_000,
      1000,
    );
    t.diagnostic(`Sarama: ${reaped.json.totals.brokerCloseWait} CLOSE_WAIT, ${reaped.json.totals.brokerEstablished} ESTABLISHED`);
    assert.deepEqual(
      reaped.json.findings.map((f: any) => f.ruleId),
      ['close-wait-sockets'],
    );
    assert.equal(reaped.json.findings[0].library, 'unknown'); // sockets alone cannot tell Sarama from franz-go
    assert.equal(reaped.code, 1);

    const node = await kleakJson(['sockets', '--pid', String(kafkajs.pid), '--bootstrap', cluster.bootstrap, '--fail-on', 'warning']);
    t.diagnostic(`kafkajs: ${node.json.totals.brokerCloseWait} CLOSE_WAIT, ${node.json.totals.brokerEstablished} ESTABLISHED`);
    assert.equal(node.json.totals.brokerCloseWait, 0);
    assert.deepEqual(node.json.findings, []);

    // kleak export evaluates the same rule on its own samples: a kleak_finding series for Sarama, none for kafkajs,
    // and the CLOSE_WAIT series as many as ss counts
    const listen = `127.0.0.1:${await freePort()}`;
    const exporter = spawn(
      process.execPath,
      [
        join(repoRoot, 'bin/kleak.js'),
        'export',
        '--pid',
        String(sarama.pid),
        '--pid',
        String(kafkajs.pid),
        '--bootstrap',
        cluster.bootstrap,
        '--listen',
        listen,
        '--interval',
        '500ms',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
    );
    t.after(() => exporter.kill('SIGKILL'));
    const metrics = await waitFor(
      'kleak export to serve its first sample',
      async () => {
        const r = await fetch(`http://${listen}/metrics`, { signal: AbortSignal.timeout(2000) });
        return r.ok ? r.text() : undefined;
      },
      30_000,
      250,
    );
    const lines = (name: string, pid: number) => metrics.split('\n').filter((l) => l.startsWith(`${name}{`) && l.includes(`pid="${pid}"`));
    assert.deepEqual(
      lines('kleak_finding', sarama.pid).map((l) => /rule="([^"]+)"/.exec(l)?.[1]),
      ['close-wait-sockets'],
    );
    assert.deepEqual(lines('kleak_finding', kafkajs.pid), []);
    const closeWait = lines('kleak_broker_connections', sarama.pid)
      .filter((l) => l.includes('state="CLOSE_WAIT"'))
      .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    const ss = execFileSync('ss', ['-Htnp', 'state', 'close-wait', 'dst', cluster.bootstrap], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes(`pid=${sarama.pid},`)).length;
    t.diagnostic(`kleak export: CLOSE_WAIT ${closeWait}, ss ${ss}`);
    assert.equal(closeWait, ss);
  });
});

describe('bad input: one clear paragraph, a hint, exit 2, no stack', () => {
  const noStack = (stderr: string) => assert.doesNotMatch(stderr, /\n\s+at /);

  test('no such PID', async () => {
    const { code, stderr, json } = await kleakJson(['sockets', '--pid', '999999']);
    assert.equal(code, 2);
    assert.match(stderr, /No process with PID 999999/);
    assert.match(stderr, /hint: /);
    assert.equal(json.error.kind, 'InputError');
    noStack(stderr);
  });

  test('permission denied on /proc/P/fd (kleak as nobody, target as root)', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(repoRoot, 'bin/kleak.js'), 'sockets', '--pid', String(process.pid)],
        { env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' } },
      );
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Permission denied reading \/proc\/\d+\/fd/);
    assert.match(result.stderr, /CAP_SYS_PTRACE/);
    noStack(result.stderr);
  });

  test('the drive URL refuses', async () => {
    const service = await started('sarama-shared');
    const closed = await freePort();
    const { code, stderr } = await runKleak([
      'watch',
      '--pid',
      String(service.pid),
      '--brokers',
      bootstrap,
      '--drive',
      `http://127.0.0.1:${closed}/produce`,
      '--requests',
      '3',
    ]);
    assert.equal(code, 2);
    assert.match(stderr, new RegExp(`The drive URL http://127\\.0\\.0\\.1:${closed}/produce refused the connection \\(ECONNREFUSED`));
    noStack(stderr);
  });

  test('the drive URL refuses after the baseline (no warm-up): the socket-tracking threads end too, kleak exits', async () => {
    const service = await started('sarama-shared');
    const closed = await freePort();
    const { code, stderr } = await runKleak(
      ['watch', '--pid', String(service.pid), '--brokers', bootstrap, '--drive', `http://127.0.0.1:${closed}/produce`, '--requests', '3', '--warmup', '0'],
      { timeoutMs: 30_000 },
    );
    assert.equal(code, 2);
    assert.match(stderr, /refused the connection/);
    noStack(stderr);
  });

  test('a bootstrap that is not Kafka (an HTTP port)', async () => {
    const service = await started('sarama-shared');
    const { code, stderr } = await runKleak(['sockets', '--pid', String(service.pid), '--bootstrap', `127.0.0.1:${service.port}`]);
    assert.equal(code, 2);
    assert.match(stderr, /accepted a TCP connection but did not answer as a Kafka broker/);
    noStack(stderr);
  });

  test('an unreachable bootstrap falls back with a warning', async () => {
    const service = await started('sarama-shared');
    const { code, json } = await kleakJson(['sockets', '--pid', String(service.pid), '--bootstrap', '127.0.0.1:1']);
    assert.equal(code, 0);
    assert.equal(json.brokerSource, 'default-ports');
    assert.match(json.warnings[0], /could not be reached at 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
  });

  test('the process exits mid-watch: the samples so far, when it exited, exit 2, every line valid JSON', async () => {
    const service = await started('sarama-shared');
    setTimeout(() => void service.stop(), 1500);
    const { code, json, lines, stderr } = await kleakJson([
      'watch',
      '--pid',
      String(service.pid),
      '--brokers',
      bootstrap,
      '--interval',
      '200ms',
      '--duration',
      '20s',
    ]);
    assert.equal(code, 2);
    for (const line of lines) JSON.parse(line);
    assert.equal(json.exited.pid, service.pid);
    assert.ok(json.sampleCount >= 3 && json.exited.afterMs < 10_000);
    // the summary line carries the error itself, for a reader of the JSON Lines alone
    const watch = json.collectors.find((c: any) => c.kind === 'watch');
    assert.equal(watch.status, 'failed');
    assert.match(watch.error.message, new RegExp(`PID ${service.pid} exited`));
    assert.match(stderr, new RegExp(`PID ${service.pid} exited .* into the watch; \\d+ samples were taken`));
  });

  test('bad flags: a duration that is not one, a PID that is not one', async () => {
    const a = await runKleak(['watch', '--pid', '1', '--interval', 'soon']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /--interval "soon" is not a duration/);
    const b = await runKleak(['sockets', '--pid', 'abc']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /--pid "abc" is not a process id/);
  });
});
