// A pod without a cluster: a network namespace joined to the host by a veth pair, a PID namespace made by
// unshare (the service is PID 1 in it), a broker listening on the host end of the pair, and a Sarama service
// building a client per request inside. kleak from the host (the DaemonSet case: the manifest's own args, kleak
// top, kleak sockets by host PID) and kleak inside the service's namespaces (the ephemeral container case: the
// commands docs/kubernetes.md gives) attribute the same connections to the service, as many as ss counts inside.
// Needs root (ip netns, veth, nsenter); CI runs as root, and there a skip is a failure.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchKafka } from '../../src/local-kafka/launch-kafka.js';
import { freePort } from '../../src/local-kafka/ports.js';
import type { KafkaCluster } from '../../src/local-kafka/types.js';
import { repoRoot } from '../../src/repo-root.js';
import { runKleak, runKleakJson } from '../helpers/cli.js';
import { drive, waitFor } from '../helpers/fixtures.js';
import { createTopic } from '../helpers/kafka.js';
import { certificates, scrape } from '../helpers/tls.js';
import { parseAllDocuments } from 'yaml';

const isRoot = process.getuid?.() === 0;
const tools = ['ip', 'unshare', 'nsenter', 'ss'].every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0);
const why = !isRoot ? 'needs root (ip netns, veth, nsenter)' : !tools ? 'needs ip, unshare, nsenter and ss' : undefined;
if (why && process.env.CI) throw new Error(`namespaces.test.ts cannot run in CI: ${why}`);

// one /30 per run: 10.213.N.0, host .1, pod .2 — addresses only on the namespaces and links this file makes
const n = (process.pid % 250) + 1;
const hostIp = `10.213.${n}.1`;
const podIp = `10.213.${n}.2`;
const netns = `kleak-pod-${process.pid}`;
const hostLink = `klh${process.pid}`.slice(0, 15);
const podLink = `klp${process.pid}`.slice(0, 15);
const sh = (args: string[]) => execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', timeout: 30_000 });

let bootstrap: string;
let cluster: KafkaCluster | undefined;
let service: { outer: ChildProcess; hostPid: number; port: number; url: string; log: () => string };

/** ESTABLISHED connections of hostPid to the broker, counted by ss inside the pod's network namespace. */
function ssInPod(hostPid: number): number {
  const out = sh(['ip', 'netns', 'exec', netns, 'ss', '-Htnp', 'state', 'established', 'dst', bootstrap]);
  return out.split('\n').filter((l) => l.includes(`pid=${hostPid},`)).length;
}

/** The command after `-- ` in the docs/kubernetes.md block marked `<!-- tested: name -->`, as argv. */
function documented(name: string): { kubectl: string; argv: string[] } {
  const doc = readFileSync(join(repoRoot, 'docs/kubernetes.md'), 'utf8');
  const block = new RegExp(`<!-- tested: ${name} -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(doc)?.[1];
  assert.ok(block, `docs/kubernetes.md has the block ${name}`);
  const line = block.replace(/\\\n\s*/g, ' ').trim();
  const [kubectl = '', command = ''] = line.split(' -- ');
  assert.ok(command.startsWith('kleak '), line);
  return {
    kubectl,
    argv: command
      .split(/\s+/)
      .slice(1)
      .map((w) => w.replace(/^"(.*)"$/, '$1')),
  };
}

before(async () => {
  if (why) return;
  sh(['ip', 'netns', 'add', netns]);
  sh(['ip', 'link', 'add', hostLink, 'type', 'veth', 'peer', 'name', podLink]);
  sh(['ip', 'link', 'set', podLink, 'netns', netns]);
  sh(['ip', 'addr', 'add', `${hostIp}/30`, 'dev', hostLink]);
  sh(['ip', 'link', 'set', hostLink, 'up']);
  for (const args of [
    ['ip', 'addr', 'add', `${podIp}/30`, 'dev', podLink],
    ['ip', 'link', 'set', podLink, 'up'],
    ['ip', 'link', 'set', 'lo', 'up'],
  ])
    sh(['ip', 'netns', 'exec', netns, ...args]);

  const brokerPort = await freePort();
  // launched here and stopped in after(): privateCluster's own after() would run as soon as this hook ends
  cluster = await launchKafka({ podListener: { host: hostIp, port: brokerPort } });
  bootstrap = `${hostIp}:${brokerPort}`;
  const topic = await createTopic(cluster.bootstrap, 'pod');

  const binary = join(repoRoot, 'fixtures/go/bin/sarama-per-request');
  if (!existsSync(binary)) sh(['sh', '-c', `cd ${join(repoRoot, 'fixtures/go')} && go build -o bin/ ./sarama-per-request`]);
  const port = await freePort();
  let log = '';
  // ip netns exec runs unshare in place; unshare forks the service as PID 1 of a new PID namespace, with its /proc
  const outer = spawn('ip', ['netns', 'exec', netns, 'unshare', '--pid', '--fork', '--mount-proc', '--kill-child', binary], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KAFKA_BROKERS: bootstrap, TOPIC: topic, PORT: String(port), LISTEN_HOST: '0.0.0.0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  outer.stdout.on('data', (d) => (log += d));
  outer.stderr.on('data', (d) => (log += d));
  const url = `http://${podIp}:${port}`;
  const hostPid = await waitFor(
    'the service in its namespaces',
    async () => {
      const children = readFileSync(`/proc/${outer.pid}/task/${outer.pid}/children`, 'utf8').trim();
      if (!children) return undefined;
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => assert.ok(r.ok));
      return Number(children.split(' ')[0]);
    },
    30_000,
    200,
  ).catch((error) => {
    throw new Error(`${error.message}\n${log}`);
  });
  service = { outer, hostPid, port, url, log: () => log };
  // 5 requests, a Sarama client each, never closed: their connections stay
  await drive(`${url}/produce`, 5);
});

after(async () => {
  if (why) return;
  for (const pid of [service?.hostPid, service?.outer.pid])
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  spawnSync('ip', ['netns', 'del', netns]); // takes the pod's end of the veth pair, and with it the host's
  spawnSync('ip', ['link', 'del', hostLink]);
  await cluster?.stop();
});

/** kleak run in the service's PID, network and mount namespaces, as an ephemeral container beside it */
const insidePod = () => ['nsenter', '--target', String(service.hostPid), '--pid', '--net', '--mount', '--'];

const row = (json: { processes: Array<{ pid: number }> }, pid: number) => json.processes.find((p) => p.pid === pid) as any;

describe('a pod made of namespaces', { skip: why }, () => {
  test('the service is PID 1 of its own PID namespace and its network namespace is not the host’s', () => {
    assert.equal(readFileSync(`/proc/${service.hostPid}/status`, 'utf8').match(/^NSpid:\s+\d+\s+(\d+)$/m)?.[1], '1');
    assert.notEqual(sh(['readlink', `/proc/${service.hostPid}/ns/net`]), sh(['readlink', '/proc/self/ns/net']));
    assert.ok(ssInPod(service.hostPid) >= 5, `ss inside the pod: ${ssInPod(service.hostPid)}`);
  });

  test('the DaemonSet case: kleak top and kleak sockets on the host attribute the pod’s connections to its host PID, as ss counts inside', async (t) => {
    const ss = ssInPod(service.hostPid);
    const top = await runKleakJson(['top', '--bootstrap', bootstrap], 'top');
    const r = row(top.json, service.hostPid);
    t.diagnostic(`kleak top: ${r?.totals.established} ESTABLISHED, ${r?.library}, via ${top.json.method}; ss in the pod: ${ss}`);
    assert.ok(r, `PID ${service.hostPid} listed: ${top.stdout}`);
    assert.equal(r.totals.established, ss);
    assert.equal(r.library, 'sarama');
    assert.equal(top.json.method, 'sock_diag', 'root with ss: nsenter into the pod’s namespace');
    assert.ok(top.json.namespacesWithBrokers >= 1);
    const viaProc = await runKleakJson(['top', '--bootstrap', bootstrap], 'top', { env: { KLEAK_SOCKETS_FROM: 'proc' } });
    assert.equal(row(viaProc.json, service.hostPid)?.totals.established, ss, 'the same through /proc/PID/net/tcp');

    const sockets = await runKleakJson(['sockets', '--pid', String(service.hostPid), '--bootstrap', bootstrap], 'sockets');
    assert.equal(sockets.json.totals.brokerEstablished, ss);
    assert.equal(sockets.json.method, 'sock_diag');
  });

  test('the DaemonSet case: the manifest’s own args and web config serve the pod’s connections on /metrics, over TLS with its basic auth only', async (t) => {
    const manifest = readFileSync(join(repoRoot, 'deploy/kubernetes/daemonset.yaml'), 'utf8');
    type Doc = {
      kind: string;
      metadata: { name: string };
      stringData?: Record<string, string>;
      spec?: { template: { spec: { containers: Array<{ args: string[] }> } } };
    };
    const docs = parseAllDocuments(manifest).map((d) => d.toJS() as Doc);
    const args = docs.find((d) => d.kind === 'DaemonSet')!.spec!.template.spec.containers[0]!.args;
    assert.deepEqual(args.slice(0, 2), ['export', '--all']);
    // the manifest's Secrets: its web.yml (TLS files at the mounted paths, the bcrypt hash) and Prometheus's credentials
    const secrets = Object.fromEntries(docs.filter((d) => d.kind === 'Secret').map((d) => [d.metadata.name, d.stringData!]));
    const dir = mkdtempSync(join(tmpdir(), 'kleak-daemonset-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // what kleak-tls holds: a certificate for the PodMonitor's serverName, from a CA Prometheus is given
    const serverName = /serverName: (\S+)/.exec(readFileSync(join(repoRoot, 'deploy/kubernetes/podmonitor.yaml'), 'utf8'))![1]!;
    const c = certificates(dir, `DNS:${serverName}`);
    const webYml = secrets['kleak-web-config']!['web.yml']!.replace('/etc/kleak/tls/tls.crt', c.serverCert).replace('/etc/kleak/tls/tls.key', c.serverKey);
    writeFileSync(join(dir, 'web.yml'), webYml);
    const listen = `127.0.0.1:${await freePort()}`;
    const argv = args.map((a) =>
      a === '$(KAFKA_BOOTSTRAP)' ? bootstrap : a === '0.0.0.0:9464' ? listen : a === '/etc/kleak/web/web.yml' ? join(dir, 'web.yml') : a,
    );
    assert.ok(argv.includes(bootstrap) && argv.includes(listen) && argv.includes(join(dir, 'web.yml')), `the manifest's args changed: ${args.join(' ')}`);
    const exporter = spawn(process.execPath, [join(repoRoot, 'bin/kleak.js'), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    exporter.stderr.on('data', (d) => (log += d));
    t.after(() => exporter.kill('SIGKILL'));
    const credentials = secrets['kleak-scrape-credentials']!;
    const port = Number(listen.split(':')[1]);
    const asPrometheus = { ca: c.ca, servername: serverName, auth: `${credentials.username}:${credentials.password}` };
    const metrics = await waitFor(
      '/metrics with the pod’s service',
      async () => {
        const r = await scrape(port, asPrometheus);
        return r.body?.includes(`pid="${service.hostPid}"`) ? r.body : undefined;
      },
      30_000,
      250,
    ).catch((error) => {
      throw new Error(`${error.message}\n${log}`);
    });
    assert.equal((await scrape(port, { ...asPrometheus, auth: undefined })).status, 401, 'without the credentials: 401');
    assert.ok(
      await fetch(`http://${listen}/metrics`, { signal: AbortSignal.timeout(2000) }).then(
        () => false,
        () => true,
      ),
      'no plain HTTP',
    );
    const established = metrics
      .split('\n')
      .filter((l) => l.startsWith('kleak_broker_connections{') && l.includes(`pid="${service.hostPid}"`) && l.includes('state="ESTABLISHED"'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    const ss = ssInPod(service.hostPid);
    t.diagnostic(`kleak_broker_connections{state="ESTABLISHED"} ${established}; ss in the pod: ${ss}`);
    assert.equal(established, ss);
    assert.match(metrics, /kleak_exporter_info\{[^}]*method="sock_diag"/);
  });

  test('the ephemeral container case: docs/kubernetes.md’s kleak sockets inside the pod’s namespaces sees the service as PID 1', async (t) => {
    const { kubectl, argv } = documented('ephemeral-sockets');
    assert.match(kubectl, /kubectl debug .*--target=\S+/);
    assert.deepEqual(argv.slice(0, 3), ['sockets', '--pid', '1']);
    const wrap = insidePod();
    const args = argv.map((a) => (a === '$KAFKA_BOOTSTRAP' ? bootstrap : a));
    const ss = ssInPod(service.hostPid);
    const { json } = await runKleakJson(args, 'sockets', { wrap });
    t.diagnostic(`inside: PID ${json.pid}, ${json.totals.brokerEstablished} ESTABLISHED via ${json.method}; ss: ${ss}`);
    assert.equal(json.pid, 1);
    assert.equal(json.totals.brokerEstablished, ss);
    assert.equal(json.method, 'sock_diag', 'its own network namespace: ss without nsenter');
    assert.equal(json.processes[0]?.runtime, 'go');
  });

  test('the ephemeral container case: docs/kubernetes.md’s kleak diagnose inside the pod names client-per-request', async (t) => {
    const { argv } = documented('ephemeral-diagnose');
    assert.deepEqual(argv.slice(0, 3), ['diagnose', '--pid', '1']);
    const args = argv.map((a) => (a === '$KAFKA_BOOTSTRAP' ? bootstrap : a.replace('127.0.0.1:8080', `127.0.0.1:${service.port}`)));
    const wrap = insidePod();
    const r = await runKleak([...args, '--format', 'json'], { wrap, timeoutMs: 180_000 });
    const json = JSON.parse(r.stdout);
    const rules = json.findings.map((f: { ruleId: string }) => f.ruleId);
    t.diagnostic(`inside: ${json.findings.map((f: { ruleId: string; summary: string }) => `${f.ruleId}: ${f.summary}`).join('; ')}`);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(rules.includes('client-per-request'), rules.join(', '));
    assert.ok(rules.includes('producer-closed-client-open'), rules.join(', '));
  });
});
