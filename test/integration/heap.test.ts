// kleak heap against real kafkajs services: live connections, pinned buffers, the inspector left closed.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FixtureName } from '../../src/local-kafka/start-fixture.js';
import { runKleak, runKleakJson } from '../helpers/cli.js';
import { drive, fixture, getJson, waitFor } from '../helpers/fixtures.js';
import { createTopic, sharedBootstrap } from '../helpers/kafka.js';
import { portRefuses, ssEstablished } from '../helpers/oracles.js';
import { repoRoot } from '../../src/repo-root.js';

let bootstrap: string;
const dir = mkdtempSync(join(tmpdir(), 'kleak-heap-test-'));
before(async () => {
  bootstrap = await sharedBootstrap();
});

const heapJson = (args: string[]) => runKleakJson(['heap', ...args], 'heap', { timeoutMs: 180_000 });

async function started(name: FixtureName) {
  const topic = await createTopic(bootstrap, name);
  return fixture(name, { bootstrap, topic, env: { GROUP: `g-${topic}` } });
}

describe('live kafkajs clients', () => {
  test('per-request producers: every connection stays live (= ss); the inspector is closed after and the service still serves', async (t) => {
    const service = await started('kafkajs-per-request');
    await drive(`${service.url}/produce`, 10);
    const { code, json } = await heapJson(['--pid', String(service.pid), '--yes']);
    const ss = ssEstablished(service.pid, [bootstrap]);
    t.diagnostic(
      `heap: ${json.kafka.connections} Connections, ${json.kafka.liveSockets} live sockets, ${json.kafka.requestTimers} timers, ${json.kafka.clusters} Clusters; ss: ${ss} ESTABLISHED`,
    );
    assert.equal(code, 0);
    assert.equal(json.kafka.liveSockets, ss);
    assert.equal(json.kafka.requestTimers, 10);
    // kleak/agent (the Node fixtures load it) left the creating line on every live connection: the
    // producer() call in the fixture's source, computed from the source text
    const source = readFileSync(join(repoRoot, 'fixtures/node/kafkajs-per-request/server.mjs'), 'utf8').split('\n');
    const line = source.findIndex((l) => l.includes('.producer(')) + 1;
    assert.deepEqual(
      json.creationSites.map((s: any) => [s.file, s.line, s.liveConnections]),
      [[join(repoRoot, 'fixtures/node/kafkajs-per-request/server.mjs'), line, ss]],
    );
    assert.equal(await portRefuses(9229), true, 'the inspector port is free again');
    assert.equal((await fetch(`${service.url}/healthz`)).status, 200, 'the service still serves');
    assert.deepEqual(
      readdirSync(tmpdir()).filter((f) => f.startsWith(`kleak-${service.pid}-`)),
      [],
      'the snapshot was removed (no --keep)',
    );
  });

  test('--compare: N requests later, N more live connections and client-not-closed, confirmed; the twin holds one', async () => {
    const service = await started('kafkajs-per-request');
    await drive(`${service.url}/produce`, 1);
    const before = (await runKleak(['heap', '--pid', String(service.pid), '--yes', '--via', 'signal', '--keep', '--json'])).stderr.match(
      /written to (\S+)/,
    )![1]!;
    await drive(`${service.url}/produce`, 12);
    const { json } = await heapJson(['--pid', String(service.pid), '--yes', '--via', 'signal', '--compare', before]);
    assert.equal(json.kafka.liveSockets - json.baseline.kafka.liveSockets, 12);
    const f = json.findings.find((x: any) => x.ruleId === 'client-not-closed');
    assert.equal(f.confidence, 'confirmed');
    assert.equal(f.library, 'kafkajs');

    const twin = await started('kafkajs-per-request-fixed');
    await drive(`${twin.url}/produce`, 13);
    const quiet = await heapJson(['--pid', String(twin.pid), '--yes']);
    assert.equal(quiet.json.kafka.liveSockets, 1);
    assert.deepEqual(quiet.json.findings, []);
  });
});

describe('pinned record buffers', () => {
  async function consumed(name: 'kafkajs-retain' | 'kafkajs-retain-fixed', env: Record<string, string> = {}) {
    const topic = await createTopic(bootstrap, `${name}${env.KEEP_EVERY ? `-every-${env.KEEP_EVERY}` : ''}`);
    const service = await fixture(name, { bootstrap, topic, env: { GROUP: `g-${topic}`, ...env } });
    await drive(`${service.url}/fill?batches=100&records=64&bytes=4096`, 1, { timeoutMs: 60_000 });
    await waitFor('all consumed', async () => ((await getJson<{ consumed: number }>(`${service.url}/stats`)).consumed >= 6400 ? true : undefined), 60_000, 500);
    return service;
  }

  test('kept gzip messages: records-pin-buffers, pinned bytes within 10% of what the process itself counts; the twin is silent', async (t) => {
    const leaky = await consumed('kafkajs-retain');
    const oracle = (await getJson<{ pinnedBytes: number }>(`${leaky.url}/stats`)).pinnedBytes;
    const { json, stderr } = await heapJson(['--pid', String(leaky.pid), '--yes', '--via', 'signal', '--keep']);
    const snapshotFile = stderr.match(/written to (\S+)/)![1]!;
    const kept = json.pinned.groups.find((g: any) => / → kept → /.test(g.path));
    t.diagnostic(`kleak ${json.pinned.totalBytes} B pinned (${kept.bytes} B through "kept"), the process counts ${oracle} B`);
    assert.ok(Math.abs(json.pinned.totalBytes - oracle) <= 0.1 * oracle, `kleak ${json.pinned.totalBytes} vs ${oracle}`);
    assert.deepEqual(
      json.findings.map((f: any) => f.ruleId),
      ['records-pin-buffers'],
    );

    // retained sizes of the top objects against a second implementation on the same snapshot
    const { getFullHeapFromFile } = createRequire(import.meta.url)('@memlab/heap-analysis');
    const memlab = await getFullHeapFromFile(snapshotFile);
    for (const r of json.topRetainers) assert.equal(r.retainedBytes, memlab.getNodeById(r.id)?.retainedSize, `retained size of node ${r.id} (${r.type})`);
    t.diagnostic(`top retainer: ${json.topRetainers[0].retainedBytes} B, memlab ${memlab.getNodeById(json.topRetainers[0].id)?.retainedSize} B`);

    const twin = await consumed('kafkajs-retain-fixed');
    assert.equal((await getJson<{ pinnedBytes: number }>(`${twin.url}/stats`)).pinnedBytes, 0);
    const quiet = await heapJson(['--pid', String(twin.pid), '--yes']);
    assert.deepEqual(quiet.json.findings, []);
  });

  test('every message kept (KEEP_EVERY=1): kept data — messages-kept with the count the process keeps, not records-pin-buffers', async (t) => {
    const cache = await consumed('kafkajs-retain', { KEEP_EVERY: '1' });
    const stats = await getJson<{ kept: number; pinnedBytes: number }>(`${cache.url}/stats`);
    const { json } = await heapJson(['--pid', String(cache.pid), '--yes']);
    const finding = json.findings.find((f: any) => f.ruleId === 'messages-kept');
    t.diagnostic(`kleak: ${finding?.summary}; the process keeps ${stats.kept} messages, ${stats.pinnedBytes} B of buffers`);
    assert.deepEqual(
      json.findings.map((f: any) => f.ruleId),
      ['messages-kept'],
    );
    const group = finding.evidence[0].data;
    assert.ok(Math.abs(group.messages - stats.kept) <= 0.1 * stats.kept, `${group.messages} messages within 10% of the ${stats.kept} kept`);
    assert.ok(Math.abs(group.bytes - stats.pinnedBytes) <= 0.1 * stats.pinnedBytes, `${group.bytes} B within 10% of ${stats.pinnedBytes} B`);
    assert.equal(finding.severity, 'info');
    assert.match(finding.summary, /^Array `kept` \(held by .* keeps \d+ messages → \d+ decompressed batch buffers, [\d.]+ MiB$/);
  });
});

describe('bad input: exit 2, a clear paragraph, nothing left open or half-written', () => {
  let good: string;
  before(async () => {
    const service = await started('kafkajs-per-request-fixed');
    const r = await runKleak(['heap', '--pid', String(service.pid), '--yes', '--via', 'signal', '--keep', '--json']);
    good = r.stderr.match(/written to (\S+)/)![1]!;
  });

  test('a truncated snapshot, JSON that is not a snapshot, a V8 format kleak does not know', async () => {
    const whole = readFileSync(good);
    const cut = join(dir, 'cut.heapsnapshot');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const a = await heapJson([cut]);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /is truncated/);
    const notSnap = join(dir, 'package.json');
    writeFileSync(notSnap, JSON.stringify({ name: 'x', version: '1' }));
    const b = await heapJson([notSnap]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /is not a V8 heap snapshot/);
    const odd = join(dir, 'odd.heapsnapshot');
    writeFileSync(
      odd,
      whole.toString('latin1').replace('"node_fields":["type","name","id","self_size"', '"node_fields":["kind","label","id","bytes"'),
      'latin1',
    );
    const c = await heapJson([odd]);
    assert.equal(c.code, 2);
    assert.match(c.stderr, /V8 format kleak does not know/);
    // an edge whose to_node is not the start of a node (the file's value is node index × node fields)
    const text = whole.toString('latin1');
    const at = text.indexOf('"edges":[') + '"edges":['.length;
    const first = /^\s*(\d+),(\d+),(\d+)/.exec(text.slice(at, at + 100))!;
    const bent = join(dir, 'bent.heapsnapshot');
    writeFileSync(bent, `${text.slice(0, at)}${first[1]},${first[2]},${Number(first[3]) + 1}${text.slice(at + first[0].length)}`, 'latin1');
    const d = await heapJson([bent]);
    assert.equal(d.code, 2);
    assert.match(d.stderr, new RegExp(`is corrupt: an edge points at ${Number(first[3]) + 1}, which is not the start of one of its \\d+ nodes`));
    assert.equal(d.json.error.kind, 'InputError');
    // a header whose edge count is not the sum of the nodes' edge counts
    const headerCount = Number(/"edge_count":(\d+)/.exec(text)![1]);
    const miscounted = join(dir, 'miscounted.heapsnapshot');
    writeFileSync(miscounted, text.replace(`"edge_count":${headerCount}`, `"edge_count":${headerCount + 1}`), 'latin1');
    const e = await heapJson([miscounted]);
    assert.equal(e.code, 2);
    assert.match(e.stderr, new RegExp(`is corrupt: its nodes count ${headerCount} edges and its header ${headerCount + 1}`));
  });

  test('a snapshot larger than the memory left: refused before reading, with the figures (MemAvailable as the oracle)', async () => {
    // the real head of a snapshot, then a sparse tail (no disk used) to twice the machine's memory
    const huge = join(dir, 'huge.heapsnapshot');
    writeFileSync(huge, readFileSync(good).subarray(0, 1 << 20));
    const size = 2 * totalmem();
    truncateSync(huge, size);
    try {
      for (const json of [false, true]) {
        const r = await runKleak(['heap', huge, ...(json ? ['--json'] : [])]);
        assert.equal(r.code, 2, r.stderr);
        const m = /is (\d+\.\d) GB; analysing it needs about (\d+\.\d) GB of memory and (\d+\.\d) GB is free\./.exec(r.stderr);
        assert.ok(m, r.stderr);
        assert.equal(Number(m[1]), Number((size / 1e9).toFixed(1)));
        const available = Number(/MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
        assert.ok(Math.abs(Number(m[3]) * 1e9 - available) < 2e9, `kleak said ${m[3]} GB free, /proc/meminfo ${(available / 1e9).toFixed(1)} GB`);
        assert.match(r.stderr, /hint: Run kleak on a machine with more free memory/);
        if (json) assert.equal(JSON.parse(r.stdout).error.kind, 'InputError');
        else assert.equal(r.stdout, '');
      }
    } finally {
      rmSync(huge, { force: true });
    }
  });

  test('inspector port taken; a process that is not Node; no consent without a terminal', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    after(() => blocker.close());
    const port = (blocker.address() as { port: number }).port;
    const service = await started('kafkajs-per-request-fixed');
    const taken = await runKleak(['heap', '--pid', String(service.pid), '--yes', '--inspect-port', String(port)]);
    assert.equal(taken.code, 2);
    assert.match(taken.stderr, new RegExp(`Port ${port} is already taken`));
    const go = await started('sarama-shared');
    const notNode = await runKleak(['heap', '--pid', String(go.pid), '--yes']);
    assert.equal(notNode.code, 2);
    assert.match(notNode.stderr, /is not a Node\.js process/);
    const noConsent = await runKleak(['heap', '--pid', String(service.pid)]);
    assert.equal(noConsent.code, 2);
    assert.match(noConsent.stderr, /Confirm with --yes/);
  });
});
