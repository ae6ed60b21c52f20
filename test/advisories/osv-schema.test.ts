// The advisory database (advisories/, built by scripts/build-advisories.mjs from the known-bugs reference):
// valid OSV against the real schema (docs/json-schema/osv.schema.json, ossf/osv-schema validation/schema.json),
// the contract kleak's matcher reads (database_specific.kleak), the index, and a rebuild that gives the same bytes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../src/repo-root.js';

const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020');

const dir = join(repoRoot, 'advisories');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json') && f !== 'index.json')
  .sort();
const advisories = files.map((file) => ({ file, data: JSON.parse(readFileSync(join(dir, file), 'utf8')) }));
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
const osvSchema = JSON.parse(readFileSync(join(repoRoot, 'docs/json-schema/osv.schema.json'), 'utf8'));

// The schema's "format"s (uri, date-time) need ajv-formats, which kleak does not depend on: they are checked
// below by hand instead (URLs parse, dates are the fixed build date; the timestamp pattern is in the schema).
const compile = (schema: object) => new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(schema);

// The schema admits only registered id prefixes, or x_ for a database of one's own: kleak's ids are x_KLEAK-<bug>,
// so the unmodified schema validates them.
const validate = compile(osvSchema);

const EXPECTED_COUNTS: Record<string, number> = {
  sarama: 16,
  'franz-go': 9,
  'kafka-go': 6,
  'confluent-kafka-go': 6,
  kafkajs: 7,
  'node-rdkafka': 6,
  'confluent-kafka-javascript': 5,
  librdkafka: 16,
  'kafka-clients': 20,
  'confluent-kafka-python': 7,
  'kafka-python': 11,
  aiokafka: 5,
};
const PACKAGES: Record<string, Array<[string, string]>> = {
  sarama: [
    ['Go', 'github.com/Shopify/sarama'],
    ['Go', 'github.com/IBM/sarama'],
  ],
  'franz-go': [
    ['Go', 'github.com/twmb/franz-go'],
    ['Go', 'github.com/twmb/franz-go/pkg/sasl/kerberos'],
  ],
  'kafka-go': [['Go', 'github.com/segmentio/kafka-go']],
  'confluent-kafka-go': [
    ['Go', 'github.com/confluentinc/confluent-kafka-go'],
    ['Go', 'github.com/confluentinc/confluent-kafka-go/v2'],
  ],
  kafkajs: [['npm', 'kafkajs']],
  'node-rdkafka': [['npm', 'node-rdkafka']],
  'confluent-kafka-javascript': [['npm', '@confluentinc/kafka-javascript']],
  librdkafka: [['ConanCenter', 'librdkafka']],
  'kafka-clients': [['Maven', 'org.apache.kafka:kafka-clients']],
  'confluent-kafka-python': [['PyPI', 'confluent-kafka']],
  'kafka-python': [['PyPI', 'kafka-python']],
  aiokafka: [['PyPI', 'aiokafka']],
};
const SIGNATURE_KEYS = ['goroutines', 'heapFunctions', 'threads', 'socketStates', 'heapClasses', 'growsWith', 'threshold'];
const DATE = '2026-12-04T00:00:00Z';

/** Dotted versions, numeric parts first, a pre-release below its release. */
function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^(\d+(?:\.\d+)*)(.*)$/.exec(v)!;
    return { nums: m[1]!.split('.').map(Number), pre: m[2]!.replace(/^[-.]/, '') };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.nums.length, y.nums.length); i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d) return Math.sign(d);
  }
  if (x.pre === y.pre) return 0;
  if (!x.pre) return 1;
  if (!y.pre) return -1;
  return x.pre < y.pre ? -1 : 1;
}

test('there are 114 advisories and the index lists exactly them, with the counts per library of the reference', () => {
  assert.equal(files.length, 114);
  assert.equal(index.count, 114);
  assert.equal(index.generated, DATE);
  assert.deepEqual(index.advisories.map((a: any) => a.file).sort(), files);
  const ids = advisories.map((a) => a.data.id);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  for (const { file, data } of advisories) {
    assert.equal(data.id, `x_KLEAK-${file.replace(/\.json$/, '')}`, `${file}: the file name is the id without x_KLEAK-`);
    const entry = index.advisories.find((a: any) => a.file === file);
    assert.deepEqual(entry, { id: data.id, library: data.database_specific.kleak.library, file });
  }
  const counts: Record<string, number> = {};
  for (const { data } of advisories) counts[data.database_specific.kleak.library] = (counts[data.database_specific.kleak.library] ?? 0) + 1;
  assert.deepEqual(counts, EXPECTED_COUNTS);
});

test('every advisory is valid OSV: the vendored osv-schema, unmodified', () => {
  const problems: string[] = [];
  for (const { file, data } of advisories) if (!validate(data)) problems.push(`${file}: ${JSON.stringify(validate.errors)}`);
  assert.deepEqual(problems, []);
});

test('an id without the x_ prefix of a private database is refused by the schema', () => {
  const sample = structuredClone(advisories.find((a) => a.file === 'SAR-11.json')!.data);
  sample.id = 'KLEAK-SAR-11';
  assert.equal(validate(sample), false);
  assert.deepEqual(
    (validate.errors ?? []).map((e: any) => e.instancePath),
    ['/id'],
  );
});

test('the validator rejects broken advisories (a passing validation means something)', () => {
  const sample = advisories.find((a) => a.file === 'SAR-11.json')!.data;
  const broken = (edit: (a: any) => void) => {
    const copy = structuredClone(sample);
    edit(copy);
    return copy;
  };
  assert.ok(validate(sample));
  assert.equal(validate(broken((a) => (a.affected[0].package.ecosystem = 'golang'))), false, 'an unknown ecosystem');
  assert.equal(validate(broken((a) => (a.affected[0].ranges[0].type = 'SEMVER2'))), false, 'an unknown range type');
  assert.equal(validate(broken((a) => (a.affected[0].ranges[0].events = [{ fixed: '1.37.0' }]))), false, 'events without introduced');
  assert.equal(validate(broken((a) => (a.references[0].type = 'PATCH'))), false, 'an unknown reference type');
  assert.equal(validate(broken((a) => (a.modified = '2026-12-04'))), false, 'a date without time');
  assert.equal(validate(broken((a) => (a.id = 'SAR-11'))), false, 'an id without a database prefix');
  assert.equal(validate(broken((a) => (a.extra = 1))), false, 'an unknown top-level field');
});

test('the fields the schema leaves to formats: https references and the fixed build date', () => {
  for (const { file, data } of advisories) {
    assert.equal(data.schema_version, '1.6.0', file);
    assert.equal(data.modified, DATE, file);
    assert.equal(data.published, DATE, file);
    assert.ok(data.references.length > 0, `${file}: no reference`);
    for (const r of data.references) {
      const url = new URL(r.url);
      assert.equal(url.protocol, 'https:', `${file}: ${r.url}`);
      assert.ok(['github.com', 'issues.apache.org'].includes(url.hostname), `${file}: ${r.url}`);
    }
    const urls = data.references.map((r: any) => r.url);
    assert.equal(new Set(urls).size, urls.length, `${file}: a reference twice`);
  }
});

test('packages, range types and version syntax follow the contract', () => {
  for (const { file, data } of advisories) {
    const kleak = data.database_specific.kleak;
    assert.ok(data.affected.length >= 1, file);
    for (const a of data.affected) {
      const { ecosystem, name, purl } = a.package;
      assert.ok(
        PACKAGES[kleak.library]!.some(([e, n]) => e === ecosystem && n === name),
        `${file}: ${ecosystem} ${name} is not a package of ${kleak.library}`,
      );
      assert.ok(typeof purl === 'string' && purl.startsWith('pkg:'), `${file}: purl ${purl}`);
      assert.equal(a.ranges.length, 1, file);
      const range = a.ranges[0];
      assert.equal(range.type, ecosystem === 'Go' || ecosystem === 'npm' ? 'SEMVER' : 'ECOSYSTEM', `${file}: ${ecosystem} range type`);
      const events: Array<Record<string, string>> = range.events;
      const versions: string[] = [];
      events.forEach((e, i) => {
        const [kind, version] = Object.entries(e)[0]!;
        assert.equal(Object.keys(e).length, 1, `${file}: one key per event`);
        assert.equal(kind, i % 2 === 0 ? 'introduced' : 'fixed', `${file}: events alternate introduced, fixed`);
        if (version === '0') assert.equal(i, 0, `${file}: only the first event may be introduced 0`);
        else {
          if (range.type === 'SEMVER') assert.match(version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, `${file}: ${version} is not SEMVER without a leading v`);
          else assert.match(version, /^\d+(\.\d+)+$/, `${file}: ${version}`);
          versions.push(version);
        }
      });
      for (let i = 1; i < versions.length; i++) assert.equal(compareVersions(versions[i - 1]!, versions[i]!), -1, `${file}: events in ascending order`);
    }
    // a sarama range never starts at or above 1.40.0 under the Shopify path, nor fixes below it under the IBM path
    for (const a of data.affected) {
      const evs = a.ranges[0].events.flatMap((e: Record<string, string>) => Object.values(e)).filter((v: string) => v !== '0');
      if (a.package.name === 'github.com/Shopify/sarama') for (const v of evs) assert.ok(compareVersions(v, '1.40.0') < 0, `${file}: ${v} under Shopify`);
      if (a.package.name === 'github.com/IBM/sarama') for (const v of evs) assert.ok(compareVersions(v, '1.40.0') >= 0, `${file}: ${v} under IBM`);
      if (a.package.name === 'github.com/confluentinc/confluent-kafka-go')
        for (const v of evs) assert.ok(compareVersions(v, '2.0.0') < 0, `${file}: ${v} under v1`);
    }
  }
});

test('database_specific.kleak: the fields the matcher reads', () => {
  for (const { file, data } of advisories) {
    const kleak = data.database_specific.kleak;
    const keys = Object.keys(kleak);
    assert.deepEqual(keys.slice(0, 6), ['library', 'confidence', 'fixed', 'symptom', 'observe', 'signature'], file);
    assert.ok(keys.length === 6 || (keys.length === 7 && keys[6] === 'observable' && kleak.observable === false), `${file}: keys ${keys.join(', ')}`);
    assert.ok(['H', 'H-tag', 'M', 'L'].includes(kleak.confidence), file);
    assert.ok(typeof kleak.symptom === 'string' && kleak.symptom.length > 10, file);
    assert.ok(typeof kleak.observe === 'string' && kleak.observe.length > 5, file);
    assert.ok(typeof data.summary === 'string' && data.summary.length <= 120 && !data.summary.includes('\n'), `${file}: summary`);
    assert.ok(data.details.startsWith(kleak.symptom), `${file}: details start with the symptom`);
    // open bugs: no fixed event anywhere and fixed null; fixed bugs: a fixed event in some package
    const fixedEvents = data.affected.flatMap((a: any) => a.ranges[0].events.filter((e: any) => 'fixed' in e));
    if (kleak.fixed === null) assert.equal(fixedEvents.length, 0, `${file}: open, yet a fixed event`);
    else {
      // one version: the last fixed event of the library's own packages (FRZ-09 adds the Kerberos plugin's module)
      const own = data.affected.filter((a: any) => a.package.name !== 'github.com/twmb/franz-go/pkg/sasl/kerberos');
      const last = own
        .flatMap((a: any) => a.ranges[0].events.filter((e: any) => 'fixed' in e).map((e: any) => e.fixed as string))
        .sort(compareVersions)
        .at(-1);
      assert.equal(kleak.fixed, last, `${file}: fixed is the last fixed event`);
    }
    const s = kleak.signature;
    assert.ok(s && typeof s === 'object', file);
    for (const k of Object.keys(s)) assert.ok(SIGNATURE_KEYS.includes(k), `${file}: signature key ${k}`);
    assert.deepEqual(
      Object.keys(s),
      SIGNATURE_KEYS.filter((k) => k in s),
      `${file}: signature key order`,
    );
    if (kleak.observable === false) assert.deepEqual(s, {}, `${file}: not observable, yet a signature`);
    else
      assert.ok(
        Object.keys(s).some((k) => k !== 'threshold'),
        `${file}: observable but an empty signature`,
      );
    for (const fn of [...(s.goroutines ?? []), ...(s.heapFunctions ?? [])]) {
      assert.ok(!fn.includes('/'), `${file}: ${fn} is not the part after the last "/"`);
      assert.match(fn, /^[A-Za-z_][\w]*\.[\w(*).]+$/, `${file}: ${fn} is not package.function`);
    }
    for (const t of s.threads ?? []) assert.doesNotThrow(() => new RegExp(t as string), `${file}: thread regex ${t}`);
    for (const st of s.socketStates ?? []) assert.ok(['CLOSE_WAIT', 'CLOSE', 'ESTABLISHED', 'TIME_WAIT'].includes(st), `${file}: socket state ${st}`);
    if ('growsWith' in s) assert.ok(['requests', 'reconnects', 'time', 'client-churn'].includes(s.growsWith), `${file}: growsWith ${s.growsWith}`);
    for (const k of ['goroutines', 'heapFunctions', 'threads', 'socketStates', 'heapClasses'])
      if (k in s) assert.ok(Array.isArray(s[k]) && s[k].length > 0, `${file}: ${k}`);
    if (kleak.library === 'librdkafka' || kleak.library === 'kafka-clients') assert.ok(!('goroutines' in s), `${file}: goroutines for a non-Go library`);
  }
});

test('the two signatures the fixtures are built for: SAR-11 (go-metrics on client churn) and KGO-05 (own Transport)', () => {
  const sig = (id: string) => advisories.find((a) => a.data.id === `x_KLEAK-${id}`)!.data.database_specific.kleak.signature;
  const sar11 = sig('SAR-11');
  for (const fn of ['metrics.newStandardMeter', 'metrics.NewEWMA', 'metrics.NewMeter']) assert.ok(sar11.heapFunctions.includes(fn), `SAR-11 lacks ${fn}`);
  // a live client's histograms (hundreds of kilobytes of samples) are normal: they would flag a healthy service
  for (const fn of ['metrics.NewExpDecaySample', 'metrics.newExpDecaySampleHeap', 'metrics.NewHistogram'])
    assert.ok(!sar11.heapFunctions.includes(fn), `SAR-11 names ${fn}`);
  assert.equal(sar11.growsWith, 'client-churn');
  assert.equal(sar11.goroutines, undefined, 'the go-metrics arbiter is one goroutine per process, not a signature');
  const kgo05 = sig('KGO-05');
  assert.deepEqual(kgo05.goroutines, ['kafka.(*connPool).discover', 'kafka.(*conn).run']);
  assert.deepEqual(kgo05.socketStates, ['ESTABLISHED']);
  assert.equal(kgo05.growsWith, 'client-churn');
  const sar11Ranges = advisories.find((a) => a.data.id === 'x_KLEAK-SAR-11')!.data.affected;
  assert.deepEqual(
    sar11Ranges.map((a: any) => [a.package.name, a.ranges[0].events]),
    [['github.com/Shopify/sarama', [{ introduced: '0' }, { fixed: '1.37.0' }]]],
  );
});

test('ranges: backport lines, the sarama module split and open bugs', () => {
  const affected = (id: string) => advisories.find((a) => a.data.id === `x_KLEAK-${id}`)!.data.affected.map((a: any) => [a.package.name, a.ranges[0].events]);
  // 3.0.1 / 3.1.1 / 3.2.0: 3.1.0 came out without the fix
  assert.deepEqual(affected('JAVA-18'), [
    ['org.apache.kafka:kafka-clients', [{ introduced: '0' }, { fixed: '3.0.1' }, { introduced: '3.1.0' }, { fixed: '3.1.1' }]],
  ]);
  assert.deepEqual(affected('JAVA-19'), [['org.apache.kafka:kafka-clients', [{ introduced: '3.6.0' }, { fixed: '3.7.1' }]]]);
  const fixed = (id: string) => advisories.find((a) => a.data.id === `x_KLEAK-${id}`)!.data.database_specific.kleak.fixed;
  assert.equal(fixed('JAVA-18'), '3.1.1', 'every version from 3.1.1 on is fixed');
  assert.equal(fixed('JAVA-12'), '2.1.1');
  assert.equal(fixed('SAR-15'), '1.48.0');
  assert.equal(fixed('KGO-05'), null);
  // fixed only under the IBM path: every Shopify version is affected
  assert.deepEqual(affected('SAR-15'), [
    ['github.com/Shopify/sarama', [{ introduced: '0' }]],
    ['github.com/IBM/sarama', [{ introduced: '0' }, { fixed: '1.48.0' }]],
  ]);
  assert.deepEqual(affected('SAR-16'), [['github.com/IBM/sarama', [{ introduced: '1.40.1' }]]]);
  assert.deepEqual(affected('CKG-06'), [
    ['github.com/confluentinc/confluent-kafka-go', [{ introduced: '1.4.0' }]],
    ['github.com/confluentinc/confluent-kafka-go/v2', [{ introduced: '0' }]],
  ]);
  assert.deepEqual(affected('KGO-05'), [['github.com/segmentio/kafka-go', [{ introduced: '0.4.0' }]]]);
});

const reference = resolve(repoRoot, '../shared/reference/known-bugs.md');
test('rebuilding from the reference gives byte-identical files', { skip: existsSync(reference) ? false : `no reference at ${reference}` }, () => {
  const out = mkdtempSync(join(tmpdir(), 'kleak-advisories-'));
  try {
    const run = spawnSync(process.execPath, [join(repoRoot, 'scripts/build-advisories.mjs'), '--reference', reference, '--out', out], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const built = readdirSync(out).sort();
    assert.deepEqual(built, [...files, 'index.json'].sort());
    for (const f of built)
      assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(dir, f))), `${f} differs from the rebuild: run node scripts/build-advisories.mjs`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
