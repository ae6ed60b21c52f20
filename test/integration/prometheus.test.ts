// kleak export scraped by a real Prometheus server (built by the test set-up from its Go module; started on a free loopback port with a
// temporary config and data directory, stopped by PID): while requests are driven at a leaky service (a Sarama
// client per request) and at its twin (one shared producer), the connection series Prometheus stored rises by
// what ss counts for the leaky one and stays flat for the twin, and the shipped alert expression holds for
// the leaky one only (its alert pending, as `for:` asks).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { certificates, scrape } from '../helpers/tls.js';
import { freePort } from '../../src/local-kafka/ports.js';
import { repoRoot } from '../../src/repo-root.js';
import { drive, fixture, waitFor } from '../helpers/fixtures.js';
import { createTopic, sharedBootstrap } from '../helpers/kafka.js';
import { ssEstablished } from '../helpers/oracles.js';
import { setupTool } from '../helpers/setup-paths.js';

let bootstrap: string;
const started: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'kleak-prometheus-'));
before(async () => {
  bootstrap = await sharedBootstrap();
});
after(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function start(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => (text += d));
  Object.defineProperty(child, 'log', { get: () => text });
  started.push(child);
  return child;
}
/** SIGTERM, SIGKILL after 5 s: resolves once it has exited */
function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
const logOf = (child: ChildProcess) => (child as ChildProcess & { log: string }).log;

async function query(base: string, expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(5000) });
  const body = (await response.json()) as {
    status: string;
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    error?: string;
  };
  assert.equal(body.status, 'success', body.error);
  return body.data.result;
}

const established = (pid: number) => `sum(kleak_broker_connections{pid="${pid}",state="ESTABLISHED"})`;

test('Prometheus scrapes kleak export: the series rise as ss counts for the leaky service, flat for its twin; the alert expression holds for the leaky one only', async (t) => {
  const leaky = await fixture('sarama-per-request', { bootstrap, topic: await createTopic(bootstrap, 'prom-leaky') });
  const twin = await fixture('sarama-shared', { bootstrap, topic: await createTopic(bootstrap, 'prom-twin') });
  await drive(`${leaky.url}/produce`, 1);
  await drive(`${twin.url}/produce`, 1);

  const exportPort = await freePort();
  const exporter = start(process.execPath, [
    join(repoRoot, 'bin/kleak.js'),
    'export',
    '--pid',
    String(leaky.pid),
    '--pid',
    String(twin.pid),
    '--bootstrap',
    bootstrap,
    '--interval',
    '1s',
    '--listen',
    `127.0.0.1:${exportPort}`,
  ]);
  await waitFor(
    'kleak export to serve /metrics',
    async () => ((await fetch(`http://127.0.0.1:${exportPort}/metrics`).catch(() => undefined))?.ok ? true : undefined),
    30_000,
    200,
  );

  const promPort = await freePort();
  const rules = join(repoRoot, 'deploy/prometheus/kleak-rules.yml');
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - ${rules}\nscrape_configs:\n  - job_name: kleak\n    static_configs:\n      - targets: ['127.0.0.1:${exportPort}']\n`,
  );
  const prometheus = start(setupTool('prometheus', 'prometheus'), [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    '--log.level=warn',
  ]);
  const base = `http://127.0.0.1:${promPort}`;
  try {
    await waitFor('Prometheus to be ready', async () => ((await fetch(`${base}/-/ready`).catch(() => undefined))?.ok ? true : undefined), 60_000, 250);
    const stored = async (pid: number) => Number((await query(base, established(pid)))[0]?.value[1] ?? NaN);
    await waitFor(
      'the first scrapes of both services',
      async () => (!Number.isNaN(await stored(leaky.pid)) && !Number.isNaN(await stored(twin.pid)) ? true : undefined),
      30_000,
      250,
    );
    // three more seconds of flat series before the drive, for the derivative
    await new Promise((r) => setTimeout(r, 3000));
    const before = { leaky: await stored(leaky.pid), twin: await stored(twin.pid), ss: ssEstablished(leaky.pid, [bootstrap]) };
    await drive(`${leaky.url}/produce`, 10);
    await drive(`${twin.url}/produce`, 10);
    const ssAfter = ssEstablished(leaky.pid, [bootstrap]);
    // a kleak sample (1 s) and a scrape (1 s) later, Prometheus has the new values
    const after = await waitFor(
      'Prometheus to store the new counts',
      async () => ((await stored(leaky.pid)) === ssAfter ? { leaky: ssAfter, twin: await stored(twin.pid) } : undefined),
      20_000,
      250,
    );
    t.diagnostic(`leaky: Prometheus ${before.leaky} → ${after.leaky}, ss ${before.ss} → ${ssAfter}; twin: ${before.twin} → ${after.twin}`);
    assert.equal(before.leaky, before.ss);
    assert.equal(after.leaky - before.leaky, ssAfter - before.ss, 'the series rose by what ss counted');
    assert.ok(after.leaky - before.leaky >= 18, 'a Sarama client per request: 2 connections each, 10 requests');
    assert.equal(after.twin, before.twin, 'the twin stays flat');

    const expr = /alert: KleakBrokerConnectionsGrowing[\s\S]*?\n\s*expr: (.+)\n/.exec(readFileSync(rules, 'utf8'))![1]!;
    const firing = await waitFor(
      'the alert expression to hold for the leaky service',
      async () => {
        const pids = (await query(base, expr)).map((r) => r.metric.pid);
        return pids.includes(String(leaky.pid)) ? pids : undefined;
      },
      20_000,
      500,
    );
    assert.ok(!firing.includes(String(twin.pid)), `not for the twin: ${firing.join(', ')}`);
    const alerts = await waitFor(
      'the alert pending for the leaky service',
      async () => {
        const body = (await (await fetch(`${base}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
        const mine = body.data.alerts.filter((a) => a.labels.alertname === 'KleakBrokerConnectionsGrowing');
        return mine.some((a) => a.labels.pid === String(leaky.pid)) ? mine : undefined;
      },
      20_000,
      500,
    );
    assert.ok(alerts.every((a) => a.labels.pid !== String(twin.pid)));
    assert.equal(alerts.find((a) => a.labels.pid === String(leaky.pid))!.state, 'pending', 'pending: it fires after the 10 minutes `for:` asks');
  } catch (error) {
    t.diagnostic(`kleak export: ${logOf(exporter).slice(-1500)}\nprometheus: ${logOf(prometheus).slice(-1500)}`);
    throw error;
  } finally {
    await Promise.all([stopped(prometheus), stopped(exporter)]);
  }
});

/** a bcrypt hash of "scrape-me" made by libxcrypt (Python's crypt.crypt with METHOD_BLOWFISH), not by kleak's bcryptjs */
const scrapeMeHash = '$2b$10$J9rbWnPheYh4uwDImYI0yum8GUgJHxDvRf1Y4.lfPThHzaoYvinKG';

test('Prometheus scrapes kleak export over TLS with a client certificate and basic auth; no or wrong credentials get 401, a certificate of another CA no connection; no argument of a watched process reaches a label', async (t) => {
  const tls = mkdtempSync(join(dir, 'tls-'));
  const c = certificates(tls);
  writeFileSync(
    join(tls, 'web.yml'),
    `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\nbasic_auth_users:\n  prometheus: '${scrapeMeHash}'\n`,
  );
  // a watched process with a broker connection (series are kept for those) whose command line carries a secret:
  // only its first word may become a label
  const secret = `s3cret-${process.pid}-argument`;
  const [brokerHost, brokerPort] = [bootstrap.slice(0, bootstrap.lastIndexOf(':')), bootstrap.slice(bootstrap.lastIndexOf(':') + 1)];
  const watched = start(process.execPath, ['-e', `require('net').connect(${brokerPort}, '${brokerHost}'); setInterval(() => {}, 1000)`, secret]);
  assert.ok(readFileSync(`/proc/${watched.pid}/cmdline`, 'utf8').includes(secret), 'the secret is on its command line');
  const exportPort = await freePort();
  const exporter = start(process.execPath, [
    join(repoRoot, 'bin/kleak.js'),
    'export',
    '--pid',
    String(watched.pid),
    '--brokers',
    bootstrap,
    '--interval',
    '1s',
    '--listen',
    `127.0.0.1:${exportPort}`,
    '--web.config.file',
    join(tls, 'web.yml'),
  ]);
  const promPort = await freePort();
  try {
    const good = { ca: c.ca, cert: c.clientCert, key: c.clientKey, auth: 'prometheus:scrape-me' };
    const served = await waitFor(
      'kleak export to serve /metrics over TLS',
      async () => ((await scrape(exportPort, good)).status === 200 ? true : undefined),
      30_000,
      200,
    );
    assert.ok(served);
    assert.equal((await scrape(exportPort, { ...good, auth: undefined })).status, 401, 'no credentials');
    assert.equal((await scrape(exportPort, { ...good, auth: 'prometheus:wrong' })).status, 401, 'a wrong password');
    assert.equal((await scrape(exportPort, { ...good, auth: 'nobody:scrape-me' })).status, 401, 'an unknown user');
    const other = await scrape(exportPort, { ...good, cert: c.otherCert, key: c.otherKey });
    assert.ok(other.error && other.status === undefined, `a client certificate of another CA gets no answer: ${JSON.stringify(other)}`);
    const none = await scrape(exportPort, { ...good, cert: undefined, key: undefined });
    assert.ok(none.error && none.status === undefined, `no client certificate gets no answer: ${JSON.stringify(none)}`);
    const distrust = await scrape(exportPort, { ...good, ca: c.otherCa });
    assert.match(
      distrust.error ?? '',
      /^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/,
      'a scraper that does not trust the server’s CA refuses it',
    );

    // the real Prometheus: one job with the right credentials, one with a wrong password
    const job = (name: string, password: string) =>
      `  - job_name: ${name}\n    scheme: https\n    tls_config:\n      ca_file: ${c.ca}\n      cert_file: ${c.clientCert}\n      key_file: ${c.clientKey}\n    basic_auth:\n      username: prometheus\n      password: ${password}\n    static_configs:\n      - targets: ['127.0.0.1:${exportPort}']\n`;
    writeFileSync(join(tls, 'prometheus.yml'), `global:\n  scrape_interval: 1s\nscrape_configs:\n${job('kleak', 'scrape-me')}${job('kleak-wrong', 'guess')}`);
    const prom = start(setupTool('prometheus', 'prometheus'), [
      `--config.file=${join(tls, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(tls, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ]);
    const base = `http://127.0.0.1:${promPort}`;
    try {
      await waitFor('Prometheus to be ready', async () => ((await fetch(`${base}/-/ready`).catch(() => undefined))?.ok ? true : undefined), 60_000, 250);
      const up = await waitFor(
        'both jobs scraped',
        async () => {
          const r = await query(base, 'up');
          return r.length === 2 ? Object.fromEntries(r.map((x) => [x.metric.job, x.value[1]])) : undefined;
        },
        30_000,
        250,
      );
      assert.deepEqual(up, { kleak: '1', 'kleak-wrong': '0' });
      const fds = await waitFor('the watched process’s series', async () => {
        const r = await query(base, `kleak_process_open_fds{pid="${watched.pid}"}`);
        return r.length ? r : undefined;
      });
      assert.equal(fds[0]!.metric.command, basename(process.execPath), 'the command’s first word only, without its directory');
      const all = await query(base, '{__name__=~"kleak_.+"}');
      assert.ok(all.length > 0);
      const labels = all.flatMap((s) => Object.values(s.metric));
      assert.ok(!labels.some((v) => v.includes(secret)), 'no label carries an argument');
      assert.ok(!served || !(await scrape(exportPort, good)).body!.includes(secret), 'nor does /metrics');
    } finally {
      await stopped(prom);
    }
  } catch (error) {
    t.diagnostic(`kleak export: ${logOf(exporter).slice(-1500)}`);
    throw error;
  } finally {
    await Promise.all([stopped(exporter), stopped(watched)]);
  }
});
