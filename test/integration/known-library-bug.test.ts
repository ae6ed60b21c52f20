// Known library bugs, proven on real old releases: one Sarama service built against 1.36.0 (SAR-11: a producer's
// metrics never unregistered on Close, so client churn grows the heap through go-metrics) and 1.37.0 (fixed), and a
// kafka-go Writer per request with a Transport of its own (KGO-05: Close leaves the Transport's pool running) beside
// its twin sharing one Transport. kleak reads each version from the binary's build info (checked against
// `go version -m`), matches the advisories, and confirms the bug from the profiles before and after its drive
// (checked against the pprof text and the services' own counts).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { librdkafkaSoVersion } from '../../src/collectors/process/versions.js';
import { freePort } from '../../src/local-kafka/ports.js';
import type { FixtureName } from '../../src/local-kafka/start-fixture.js';
import { repoRoot } from '../../src/repo-root.js';
import type { Finding } from '../../src/types.js';
import { runKleakJson } from '../helpers/cli.js';
import { drive, fixture, getJson, waitFor } from '../helpers/fixtures.js';
import { createTopic, sharedBootstrap } from '../helpers/kafka.js';
import { goroutinesMatching } from '../helpers/oracles.js';

let bootstrap: string;
before(async () => {
  bootstrap = await sharedBootstrap();
});

interface Run {
  findings: Finding[];
  context: Array<{ name: string; value: string; meaning?: string }>;
  pid: number;
  url: string;
}

async function diagnoseDriven(name: FixtureName, requests: number, extra: string[] = []): Promise<Run> {
  const topic = await createTopic(bootstrap, name);
  const service = await fixture(name, { bootstrap, topic });
  await drive(`${service.url}/produce`, 1);
  const { json } = await runKleakJson(
    [
      'diagnose',
      '--pid',
      String(service.pid),
      '--bootstrap',
      bootstrap,
      '--pprof',
      service.url,
      '--drive',
      `${service.url}/produce`,
      '--method',
      'POST',
      '--requests',
      String(requests),
      '--all-requests',
      ...extra,
    ],
    'diagnosis',
  );
  return { findings: json.findings, context: json.context, pid: service.pid, url: service.url };
}

/** The module's version as `go version -m` prints it for the running binary. */
function goVersionM(pid: number, module: string): string | undefined {
  const text = execFileSync('go', ['version', '-m', `/proc/${pid}/exe`], { encoding: 'utf8' });
  return new RegExp(`\\tdep\\t${module.replace(/\./g, '\\.')}\\tv(\\S+)`).exec(text)?.[1];
}

/** In-use bytes under a function (its cumulative column), from `go tool pprof -top -cum` on the service's heap. */
function pprofCumBytes(url: string, fn: string): number {
  const text = execFileSync('go', ['tool', 'pprof', '-sample_index=inuse_space', '-top', '-cum', '-nodecount=200', `${url}/debug/pprof/heap`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 60_000,
  });
  const line = text.split('\n').find((l) =>
    l
      .trim()
      .replace(/ \(inline\)$/, '')
      .endsWith(` ${fn}`),
  );
  assert.ok(line, `go tool pprof lists ${fn}:\n${text.slice(0, 2000)}`);
  const cum = line.trim().split(/\s+/)[3]!;
  const m = /^([\d.]+)([kMG]?B)$/.exec(cum)!;
  return Number(m[1]) * { B: 1, kB: 1024, MB: 1048576, GB: 1073741824 }[m[2] as 'B' | 'kB' | 'MB' | 'GB'];
}

const bugFindings = (r: Run) => r.findings.filter((f) => f.ruleId === 'known-library-bug');

describe('known-library-bug on real old releases', () => {
  test('Sarama 1.36.0 built and closed per request: the version from the build info, SAR-11 listed and confirmed growing from the heap', async () => {
    // with the service's tree: the version is placed on go.mod's require line (the scan's finding and the runtime's are one)
    const r = await diagnoseDriven('sarama-1.36', 400, ['--source', join(repoRoot, 'fixtures/go-sarama-old')]);
    assert.equal(goVersionM(r.pid, 'github.com/Shopify/sarama'), '1.36.0', '`go version -m` agrees on the version');
    const library = r.context.find((c) => c.name === 'library');
    assert.equal(library?.value, 'sarama 1.36.0');
    assert.match(library?.meaning ?? '', /SAR-11 \(fixed in 1\.37\.0\)/);

    const infos = bugFindings(r).filter((f) => f.messageId === 'inRange');
    assert.equal(infos.length, 1, `one info finding on the version: ${JSON.stringify(infos.map((f) => f.summary))}`);
    const info = infos[0]!;
    assert.deepEqual(
      info.locations.map((l) => `${l.file}:${l.line}`),
      ['go.mod:5'],
    );
    assert.equal(info.severity, 'info');
    assert.match(info.summary, /SAR-11 \(fixed in 1\.37\.0\)/);
    assert.match(info.fix, /go get github\.com\/IBM\/sarama@v1\.48\.0 .*change the imports too/);

    const confirmed = bugFindings(r).find((f) => f.data?.id === 'SAR-11')!;
    assert.ok(confirmed, 'SAR-11 is seen at runtime');
    assert.equal(confirmed.severity, 'error', confirmed.summary);
    assert.equal(confirmed.confidence, 'confirmed');
    assert.deepEqual(
      confirmed.locations.map((l) => `${l.file}:${l.line} (${l.from})`),
      ['go.mod:5 (manifest)'],
    );
    assert.match(confirmed.summary, /^confirmed SAR-11 in sarama 1\.36\.0: .* in use under go-metrics\.\S+, growing/);
    const heap = confirmed.evidence.find((e) => e.source === 'goHeap')!.data as { fn: string; inuseBytes: number; before: number };
    assert.ok(heap.inuseBytes - heap.before >= 128 * 1024, `grew by ${heap.inuseBytes - heap.before} bytes over 400 requests`);
    // the pprof text of the same heap, read after kleak (the service is idle: its in-use heap stays as the last GC left it)
    const oracle = pprofCumBytes(r.url, heap.fn);
    assert.ok(Math.abs(heap.inuseBytes - oracle) <= 0.1 * oracle, `kleak ${heap.inuseBytes} B under ${heap.fn}, go tool pprof ${oracle} B`);
    const stats = await getJson<{ producersBuilt: number; producersClosed: number }>(`${r.url}/stats`);
    assert.equal(stats.producersBuilt, stats.producersClosed, 'every producer was closed: the leak is the library’s');
  });

  test('Sarama 1.37.0, the same service: SAR-11 neither listed nor seen, no known-library-bug at warning or above', async () => {
    const r = await diagnoseDriven('sarama-1.37', 400);
    assert.equal(goVersionM(r.pid, 'github.com/Shopify/sarama'), '1.37.0');
    assert.equal(r.context.find((c) => c.name === 'library')?.value, 'sarama 1.37.0');
    const bugs = bugFindings(r);
    assert.deepEqual(
      bugs.filter((f) => f.severity !== 'info').map((f) => f.summary),
      [],
    );
    assert.ok(
      bugs.every((f) => !/SAR-11/.test(f.summary)),
      bugs.map((f) => f.summary).join('\n'),
    );
    // the bugs 1.37.0 still has are listed, with the release that fixes them all
    assert.match(bugs.find((f) => f.messageId === 'inRange')?.summary ?? '', /SAR-15 \(fixed in 1\.48\.0\); 1\.48\.0 fixes all of them/);
  });

  test('kafka-go Writer per request with its own Transport, closed: KGO-05 confirmed, one (*connPool).discover per Transport', async () => {
    const r = await diagnoseDriven('kafkago-transport-per-request', 30);
    assert.equal(goVersionM(r.pid, 'github.com/segmentio/kafka-go'), r.context.find((c) => c.name === 'library')?.value.replace('kafka-go ', ''));
    const kgo = bugFindings(r).find((f) => f.data?.id === 'KGO-05')!;
    assert.ok(kgo, JSON.stringify(r.findings.map((f) => f.summary)));
    assert.equal(kgo.severity, 'error', kgo.summary);
    assert.match(kgo.summary, /^confirmed KGO-05 in kafka-go 0\.4\.\d+: \d+ goroutines in kafka-go\.\(\*connPool\)\.discover, growing/);
    const seen = kgo.evidence.find((e) => e.source === 'goroutines')!.data as { goroutines: number; before: number };
    const stats = await getJson<{ transports: number; writersBuilt: number; writersClosed: number }>(`${r.url}/stats`);
    const oracle = await goroutinesMatching(r.url, 'kafka-go.(*connPool).discover');
    assert.equal(seen.goroutines, oracle.matching, 'the pprof text counts as many');
    assert.ok(
      Math.abs(seen.goroutines - stats.transports) <= 0.1 * stats.transports,
      `kleak ${seen.goroutines}, the service made ${stats.transports} transports`,
    );
    assert.equal(stats.writersBuilt, stats.writersClosed, 'every writer was closed');
    // no fix has been released: the version alone is no finding, what runs is
    assert.equal(bugFindings(r).filter((f) => f.messageId === 'inRange').length, 0);
  });

  test('kafka-go with one shared Transport: nothing from known-library-bug', async () => {
    const r = await diagnoseDriven('kafkago-transport-shared', 30);
    assert.deepEqual(
      bugFindings(r).map((f) => f.summary),
      [],
    );
    const oracle = await goroutinesMatching(r.url, 'kafka-go.(*connPool).discover');
    assert.equal(oracle.matching, 1, 'one pool in the process');
  });
});

describe('the version a process runs, in every view', () => {
  test('kafka-go with its leaked pools: kleak sockets, kleak top and kleak export (kleak_client_info) name the version and its known bugs', async (t) => {
    const topic = await createTopic(bootstrap, 'versions-kafkago');
    // connections stay open (the leaked Transports' pools): top and export list processes with broker connections
    const service = await fixture('kafkago-transport-per-request', { bootstrap, topic });
    await drive(`${service.url}/produce`, 3);
    const sockets = (await runKleakJson(['sockets', '--pid', String(service.pid), '--bootstrap', bootstrap], 'sockets')).json;
    const libraries = sockets.processes[0].libraries as Array<{
      library: string;
      package: string;
      version: string;
      from: string;
      advisories: Array<{ id: string }>;
    }>;
    const version = goVersionM(service.pid, 'github.com/segmentio/kafka-go');
    assert.deepEqual(
      libraries.map((v) => `${v.library} ${v.package} ${v.version} (${v.from})`),
      [`kafka-go github.com/segmentio/kafka-go ${version} (go build info)`],
    );
    assert.ok(
      libraries[0]!.advisories.some((a) => a.id === 'KGO-05'),
      JSON.stringify(libraries[0]!.advisories),
    );
    const bugs = libraries[0]!.advisories.length;

    const top = (await runKleakJson(['top', '--bootstrap', bootstrap, '--json'], 'top')).json;
    const row = top.processes.find((p: { pid: number }) => p.pid === service.pid);
    assert.ok(row, `kleak top lists PID ${service.pid}`);
    assert.deepEqual(
      row.versions.map((v: { library: string; version: string; advisories?: unknown[] }) => `${v.library} ${v.version} ${v.advisories?.length}`),
      [`kafka-go ${version} ${bugs}`],
    );

    const listen = `127.0.0.1:${await freePort()}`;
    const exporter = spawn(
      process.execPath,
      [join(repoRoot, 'bin/kleak.js'), 'export', '--pid', String(service.pid), '--bootstrap', bootstrap, '--listen', listen, '--interval', '500ms'],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
    );
    t.after(() => exporter.kill('SIGKILL'));
    const metrics = await waitFor(
      'kleak export to serve its first sample',
      async () => {
        const r = await fetch(`http://${listen}/metrics`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
        const text = r?.ok ? await r.text() : undefined;
        return text?.includes('kleak_client_info{') ? text : undefined;
      },
      30_000,
      250,
    );
    const info = metrics.split('\n').filter((l) => l.startsWith('kleak_client_info{') && l.includes(`pid="${service.pid}"`));
    assert.equal(info.length, 1, info.join('\n'));
    assert.ok(info[0]!.endsWith(`library="kafka-go",version="${version}",known_bugs="${bugs}"} 1`), info[0]);
  });

  test('kafkajs: the version of the package the service resolves, as its package.json says', async () => {
    const topic = await createTopic(bootstrap, 'versions-kafkajs');
    const service = await fixture('kafkajs-per-request-fixed', { bootstrap, topic });
    const sockets = (await runKleakJson(['sockets', '--pid', String(service.pid), '--bootstrap', bootstrap], 'sockets')).json;
    const installed = JSON.parse(
      readFileSync(createRequire(join(repoRoot, 'fixtures/node/kafkajs-per-request-fixed/server.mjs')).resolve('kafkajs/package.json'), 'utf8'),
    ).version;
    assert.deepEqual(
      sockets.processes[0].libraries.map((v: { library: string; version: string; from: string }) => `${v.library} ${v.version} (${v.from})`),
      [`kafkajs ${installed} (package.json)`],
    );
    // the newest kafkajs has no bug a later release fixes: no finding on the version alone
    assert.deepEqual(
      sockets.findings.filter((f: Finding) => f.ruleId === 'known-library-bug'),
      [],
    );
  });

  test('a JVM: kafka-clients at the version of the jar it holds open', async () => {
    const service = await fixture('java-producer-per-request-fixed', { bootstrap, topic: await createTopic(bootstrap, 'versions-java') });
    const sockets = (await runKleakJson(['sockets', '--pid', String(service.pid), '--bootstrap', bootstrap], 'sockets')).json;
    const jar = readdirSync(join(repoRoot, 'fixtures/java/target/libs')).find((f) => /^kafka-clients-[\d.]+\.jar$/.test(f))!;
    assert.deepEqual(
      sockets.processes[0].libraries.map((v: { library: string; version: string; from: string }) => `${v.library} ${v.version} (${v.from})`),
      [`kafka-clients ${/kafka-clients-([\d.]+)\.jar/.exec(jar)![1]} (jar)`],
    );
  });

  test('node-rdkafka: its package.json and the librdkafka it builds; the mapped librdkafka agrees', async () => {
    const service = await fixture('rdkafka-per-request-fixed', { bootstrap, topic: await createTopic(bootstrap, 'versions-rdkafka') });
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'fixtures/node/rdkafka/node_modules/node-rdkafka/package.json'), 'utf8'));
    const sockets = (await runKleakJson(['sockets', '--pid', String(service.pid), '--bootstrap', bootstrap], 'sockets')).json;
    assert.deepEqual(
      sockets.processes[0].libraries.map((v: { library: string; version: string; from: string }) => `${v.library} ${v.version} (${v.from})`),
      [`node-rdkafka ${pkg.version.replace(/^v/, '')} (package.json)`, `librdkafka ${pkg.librdkafka} (bundled)`],
    );
    // the shared object the process mapped, read on its own: rd_kafka_version() says the same
    const so = /\s(\/\S*librdkafka\.so[.\d]*)$/m.exec(readFileSync(`/proc/${service.pid}/maps`, 'utf8'))?.[1];
    if (so) assert.equal(librdkafkaSoVersion(so), pkg.librdkafka);
    else
      assert.ok(
        existsSync(join(repoRoot, 'fixtures/node/rdkafka/node_modules/node-rdkafka/build/Release/node-librdkafka.node')),
        'librdkafka is linked into the addon',
      );
  });
});
