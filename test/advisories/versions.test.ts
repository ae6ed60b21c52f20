// Every version an advisory names (each range's introduced, other than "0", and fixed; the fix versions of
// database_specific.kleak.fixed) is a real release of that package. The release lists were captured once from
// the registries by fixtures/generate/capture-versions.mjs into fixtures/captured/versions/; no network here.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../src/repo-root.js';

const dir = join(repoRoot, 'advisories');
const capturedDir = join(repoRoot, 'fixtures/captured/versions');
const advisories = readdirSync(dir)
  .filter((f) => f.endsWith('.json') && f !== 'index.json')
  .sort()
  .map((file) => ({ file, data: JSON.parse(readFileSync(join(dir, file), 'utf8')) }));

const fileFor = (ecosystem: string, name: string) => `${ecosystem}-${name.replace(/^@/, '').replace(/[^A-Za-z0-9._-]+/g, '_')}.json`;
const strip = (v: string) => v.replace(/^v/, '');

interface Capture {
  source: string;
  capturedAt: string;
  versions: string[];
  probed?: { source: string; versions: string[] };
  tags?: { source: string; notReleased: string[]; versions: string[] };
}
const captures = new Map<string, Capture>();
function capture(ecosystem: string, name: string): Capture {
  const file = fileFor(ecosystem, name);
  let c = captures.get(file);
  if (!c) {
    const path = join(capturedDir, file);
    assert.ok(existsSync(path), `no captured versions for ${ecosystem} ${name} (${file}): run node fixtures/generate/capture-versions.mjs`);
    c = JSON.parse(readFileSync(path, 'utf8')) as Capture;
    captures.set(file, c);
  }
  return c;
}
/** Versions the registry listed or answered for one by one (Go's without the "v"), plus release tags. */
const released = (c: Capture) => new Set([...c.versions, ...(c.probed?.versions ?? []), ...(c.tags?.versions ?? [])].map(strip));

test('every introduced and fixed version of every range is a released version of its package', () => {
  const missing: string[] = [];
  let checked = 0;
  for (const { file, data } of advisories)
    for (const a of data.affected) {
      const versions = released(capture(a.package.ecosystem, a.package.name));
      for (const range of a.ranges)
        for (const event of range.events)
          for (const v of [event.introduced, event.fixed])
            if (v !== undefined && v !== '0') {
              checked++;
              if (!versions.has(v)) missing.push(`${file}: ${a.package.ecosystem} ${a.package.name} ${v}`);
            }
    }
  assert.deepEqual(missing, []);
  assert.ok(checked > 100, `only ${checked} versions checked`);
});

test('database_specific.kleak.fixed is a release of one of the advisory’s packages', () => {
  const missing: string[] = [];
  for (const { file, data } of advisories) {
    const fixed: string | null = data.database_specific.kleak.fixed;
    if (fixed === null) continue;
    const versions = new Set(data.affected.flatMap((a: any) => [...released(capture(a.package.ecosystem, a.package.name))]));
    if (!versions.has(fixed)) missing.push(`${file}: ${fixed}`);
  }
  assert.deepEqual(missing, []);
});

test('the captured lists are real release lists, not anything-goes', () => {
  for (const f of readdirSync(capturedDir).filter((f) => f.endsWith('.json'))) {
    const c = JSON.parse(readFileSync(join(capturedDir, f), 'utf8')) as Capture;
    assert.ok(/^https?:\/\/|^git tags of https:\/\//.test(c.source), `${f}: source ${c.source}`);
    assert.match(c.capturedAt, /^\d{4}-\d{2}-\d{2}/, f);
    assert.ok(Array.isArray(c.versions) && c.versions.length > 0, `${f}: no versions`);
  }
  // there is no sarama 1.39 under either path, and confluent-kafka-javascript 0.5.0 was tagged, never released
  for (const name of ['github.com/Shopify/sarama', 'github.com/IBM/sarama']) assert.equal(released(capture('Go', name)).has('1.39.0'), false, name);
  const ckjs = capture('npm', '@confluentinc/kafka-javascript');
  assert.equal(released(ckjs).has('0.5.0'), false);
  assert.ok(released(ckjs).has('0.5.1'));
  // Maven and PyPI lists are complete here: the fixes the reference names on backport lines are all there
  const java = released(capture('Maven', 'org.apache.kafka:kafka-clients'));
  for (const v of ['0.8.2.0', '2.1.1', '2.2.0', '3.0.1', '3.1.0', '3.1.1', '3.2.0', '3.7.1', '3.8.0']) assert.ok(java.has(v), v);
  assert.equal(java.has('2.0.2'), false, 'KAFKA-7660 was backported to 2.0, but no 2.0.2 was released');
  const librdkafka = released(capture('ConanCenter', 'librdkafka'));
  assert.equal(librdkafka.has('2.9.0'), false, 'librdkafka 2.9.0 has only a release candidate');
  assert.ok(librdkafka.has('2.10.0'));
});
