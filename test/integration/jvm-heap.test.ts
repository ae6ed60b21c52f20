// kleak heap on JVMs (HPROF): a consumer (kafka-clients 4.1.1, a real broker) that keeps every thousandth
// ConsumerRecord in a static list — each ByteBuffer value a view into the whole fetch response it came in — and its
// twin that keeps 16-byte copies. The dump is taken by kleak itself through attach (--pid --yes); kleak's figures
// are held against the fixture's own count of what it keeps (records, distinct arrays, their bytes) and against the
// JVM's own class histogram (jcmd GC.class_histogram) taken right after the dump. The same dump gzipped (-gz=1)
// reads the same; a truncated or foreign file is a clear exit 2.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoRoot } from '../../src/repo-root.js';
import { runKleak, runKleakJson } from '../helpers/cli.js';
import { fixture, getJson } from '../helpers/fixtures.js';
import { createTopic, sharedBootstrap } from '../helpers/kafka.js';
import { assertSchema } from '../helpers/schema.js';

let bootstrap: string;
const work = mkdtempSync(join(tmpdir(), 'kleak-jvm-heap-'));
before(async () => {
  bootstrap = await sharedBootstrap();
});
after(() => rmSync(work, { recursive: true, force: true }));

/** the JVM's own class histogram (live objects: it runs a full GC first): class → instances */
function histogram(pid: number): Map<string, number> {
  const text = execFileSync('jcmd', [String(pid), 'GC.class_histogram'], { encoding: 'utf8', timeout: 60_000 });
  const out = new Map<string, number>();
  const primitives: Record<string, string> = { Z: 'boolean', C: 'char', F: 'float', D: 'double', B: 'byte', S: 'short', I: 'int', J: 'long' };
  // the histogram names arrays as the JVM does ([B, [Ljava.lang.Object;): as Java writes them
  const javaName = (name: string) => {
    const dims = /^\[+/.exec(name)?.[0].length ?? 0;
    const base = name.slice(dims);
    return dims === 0 ? name : `${base.startsWith('L') ? base.slice(1, -1) : primitives[base]}${'[]'.repeat(dims)}`;
  };
  for (const m of text.matchAll(/^\s*\d+:\s+(\d+)\s+\d+\s+(\S+)/gm)) out.set(javaName(m[2]!), Number(m[1]));
  return out;
}

interface Truth {
  consumed: number;
  kept: number;
  buffers: number;
  bufferBytes: number;
}

const within = (got: number, want: number, share = 0.1) => Math.abs(got - want) <= share * want;

describe('kleak heap on a JVM (HPROF)', () => {
  test('a static list of ConsumerRecords pins its fetch responses: records, arrays and bytes as the fixture counts them, at the field that holds them', async (t) => {
    const topic = await createTopic(bootstrap, 'record-cache');
    const service = await fixture('java-record-cache', { bootstrap, topic, readyTimeoutMs: 90_000 });
    const truth = await getJson<Truth>(`${service.url}/records`);
    assert.equal(truth.consumed, 20000, 'the fixture read every record it produced');
    const { json, code } = await runKleakJson(
      ['heap', '--pid', String(service.pid), '--yes', '--keep', '--source-root', join(repoRoot, 'fixtures/java')],
      'heap',
      { cwd: work, timeoutMs: 180_000 },
    );
    const jcmd = histogram(service.pid);
    const group = json.records.groups[0];
    t.diagnostic(
      `fixture kept ${truth.kept} records over ${truth.buffers} arrays, ${truth.bufferBytes} B; kleak ${json.records.messages} records, ${json.records.buffers} arrays, ${json.records.totalBytes} B; ConsumerRecord jcmd ${jcmd.get('org.apache.kafka.clients.consumer.ConsumerRecord')} kleak ${json.kafka.consumerRecords}`,
    );
    assert.equal(json.runtime, 'jvm');
    assert.equal(code, 0, 'a warning does not fail the run by default');
    // the fixture's own count
    assert.equal(json.records.messages, truth.kept);
    assert.equal(json.records.buffers, truth.buffers);
    assert.ok(within(json.records.totalBytes, truth.bufferBytes), `${json.records.totalBytes} B within 10% of ${truth.bufferBytes}`);
    assert.equal(group.owner.className, 'kleak.fixtures.RecordCache');
    assert.equal(group.owner.field, 'recent');
    assert.equal(group.owner.static, true);
    assert.equal(group.owner.container, 'java.util.ArrayList');
    assert.equal(group.coveredBytes, truth.kept * 1024, 'each kept value covers its 1 KiB record');
    // the JVM's own histogram, right after the dump
    assert.equal(json.kafka.consumerRecords, jcmd.get('org.apache.kafka.clients.consumer.ConsumerRecord'));
    // hidden classes (lambdas) are named differently by the dump (+0x…) and the histogram (/0x…): left out
    const kafkaClasses = Object.keys(json.classes).filter((c) => c.startsWith('org.apache.kafka.') && !c.includes('$$Lambda'));
    assert.ok(kafkaClasses.length > 50, `${kafkaClasses.length} kafka-clients classes with instances`);
    for (const name of kafkaClasses)
      assert.equal(json.classes[name].instances, jcmd.get(name), `${name}: kleak ${json.classes[name].instances}, jcmd ${jcmd.get(name)}`);
    // the JDK's own classes churn a little between the dump and the histogram (the attach, the HTTP server)
    for (const name of ['java.nio.HeapByteBuffer', 'java.util.ArrayList', 'byte[]', 'java.lang.String'])
      assert.ok(within(json.classes[name].instances, jcmd.get(name)!, 0.02), `${name}: kleak ${json.classes[name].instances}, jcmd ${jcmd.get(name)}`);
    assert.equal(json.kafka.consumers, jcmd.get('org.apache.kafka.clients.consumer.KafkaConsumer') ?? 0, 'the closed consumer is gone from both');
    // the finding, at the field's declaration
    const finding = json.findings.find((f: { ruleId: string }) => f.ruleId === 'records-pin-buffers');
    assert.ok(finding, JSON.stringify(json.findings));
    assert.equal(finding.severity, 'warning');
    assert.equal(finding.library, 'kafka-clients');
    assert.equal(finding.data.messages, truth.kept);
    assert.ok(within(finding.data.pinnedBytes, truth.bufferBytes));
    const source = readFileSync(join(repoRoot, 'fixtures/java/src/kleak/fixtures/RecordCache.java'), 'utf8').split('\n');
    const line = source.findIndex((l) => /List<ConsumerRecord<String, ByteBuffer>> recent =/.test(l)) + 1;
    assert.deepEqual([finding.locations[0].file, finding.locations[0].line], ['src/kleak/fixtures/RecordCache.java', line]);
    assert.match(finding.fix, /ByteArrayDeserializer/);
    // --keep: the dump is in the current directory, and none is left in the JVM's /tmp
    const kept = readdirSync(work).filter((f) => f.endsWith('.hprof'));
    assert.equal(kept.length, 1, readdirSync(work).join(', '));
    assert.deepEqual(
      readdirSync(`/proc/${service.pid}/root/tmp`).filter((f) => f.startsWith(`kleak-${service.pid}-`) && f.endsWith('.hprof')),
      [],
      'the dump written into the JVM’s /tmp is removed',
    );

    // the same heap, dumped gzipped by the JDK's own jcmd, reads the same
    const gz = `/tmp/kleak-test-${service.pid}.hprof.gz`;
    execFileSync('jcmd', [String(service.pid), 'GC.heap_dump', '-gz=1', gz], { timeout: 120_000 });
    try {
      const { json: fromGz } = await runKleakJson(['heap', gz], 'heap');
      assert.deepEqual(
        [fromGz.records.messages, fromGz.records.buffers, fromGz.records.totalBytes],
        [json.records.messages, json.records.buffers, json.records.totalBytes],
      );
    } finally {
      rmSync(gz, { force: true });
    }

    // bad input: a truncated copy, and a page of HTML where a dump was expected
    const whole = readFileSync(join(work, kept[0]!));
    const truncated = join(work, 'truncated.hprof');
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    const html = join(work, 'page.hprof');
    writeFileSync(html, '<!doctype html><html><body>502 Bad Gateway</body></html>\n');
    for (const [file, says] of [
      [truncated, /ends in the middle of a record/],
      [html, /not a V8 heap snapshot|not an HPROF|not valid JSON|is not a/],
    ] as const) {
      const r = await runKleak(['heap', file, '--json']);
      assert.equal(r.code, 2, `${file}: ${r.stdout}${r.stderr}`);
      const error = JSON.parse(r.stdout);
      assertSchema('error', error);
      assert.match(error.error.message, says);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.ok(statSync(join(work, kept[0]!)).size > 1e6);
  });

  test('the twin keeps 16-byte copies: no ConsumerRecord kept, nothing at warning or above', async (t) => {
    const topic = await createTopic(bootstrap, 'record-cache-fixed');
    const service = await fixture('java-record-cache-fixed', { bootstrap, topic, readyTimeoutMs: 90_000 });
    const truth = await getJson<Truth>(`${service.url}/records`);
    const { json } = await runKleakJson(['heap', '--pid', String(service.pid), '--yes'], 'heap', { cwd: work, timeoutMs: 180_000 });
    const jcmd = histogram(service.pid);
    t.diagnostic(
      `fixture kept ${truth.kept} copies, ${truth.bufferBytes} B; kleak ${json.records.messages} records; jcmd ConsumerRecord ${jcmd.get('org.apache.kafka.clients.consumer.ConsumerRecord') ?? 0}`,
    );
    assert.equal(truth.kept, 20);
    assert.equal(truth.bufferBytes, 20 * 16);
    assert.equal(json.records.messages, 0);
    assert.equal(json.kafka.consumerRecords, jcmd.get('org.apache.kafka.clients.consumer.ConsumerRecord') ?? 0);
    assert.deepEqual(
      json.findings.filter((f: { severity: string }) => f.severity !== 'info').map((f: { ruleId: string }) => f.ruleId),
      [],
    );
    assert.ok(
      !existsSync(join(work, `kleak-${service.pid}`)) && !readdirSync(work).some((f) => f.includes(`-${service.pid}-`)),
      'without --keep nothing is kept',
    );
    assert.deepEqual(
      readdirSync(`/proc/${service.pid}/root/tmp`).filter((f) => f.startsWith(`kleak-${service.pid}-`) && f.endsWith('.hprof')),
      [],
      'no dump left in the JVM’s /tmp',
    );
  });

  test('diagnose --heap --yes on the JVM: the heap dump joins the sockets and threads, records-pin-buffers at the field', async () => {
    const topic = await createTopic(bootstrap, 'record-cache-diagnose');
    const service = await fixture('java-record-cache', { bootstrap, topic, readyTimeoutMs: 90_000 });
    const truth = await getJson<Truth>(`${service.url}/records`);
    const { json } = await runKleakJson(
      ['diagnose', '--pid', String(service.pid), '--heap', '--yes', '--source-root', join(repoRoot, 'fixtures/java')],
      'diagnosis',
      { cwd: work, timeoutMs: 180_000 },
    );
    const finding = json.findings.find((f: { ruleId: string }) => f.ruleId === 'records-pin-buffers');
    assert.ok(finding, JSON.stringify(json.findings.map((f: { ruleId: string }) => f.ruleId)));
    assert.equal(finding.data.messages, truth.kept);
    assert.ok(within(finding.data.pinnedBytes, truth.bufferBytes));
    assert.equal(finding.locations[0].file, 'src/kleak/fixtures/RecordCache.java');
    assert.equal(json.collectors.find((c: { kind: string }) => c.kind === 'jvmHeap')?.status, 'ok');
    assert.deepEqual(
      readdirSync(`/proc/${service.pid}/root/tmp`).filter((f) => f.startsWith(`kleak-${service.pid}-`) && f.endsWith('.hprof')),
      [],
      'the dump is removed once read',
    );
  });
});
