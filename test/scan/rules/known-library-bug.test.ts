// known-library-bug in the source: kleak scan on trees shaped like real projects' manifests (fixtures/scan/manifests)
// puts each finding on the line that declares the library — go.mod's require, the package.json key resolved by its
// lock file, pom.xml's <version>, requirements.txt — with the advisories of that version and its upgrade line.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { scan } from '../../../src/core/scan.js';
import { scanFixtures } from '../../helpers/scan-markers.js';

const findings = async (dir: string) =>
  (await scan({ root: join(scanFixtures, 'manifests', dir) })).diagnosis.findings
    .filter((f) => f.ruleId === 'known-library-bug')
    .map((f) => ({ at: f.locations.map((l) => `${l.file}:${l.line}`).join(', '), summary: f.summary, fix: f.fix, severity: f.severity }));

test('go.mod: each Kafka module at its require line, Sarama on both module paths', async () => {
  const found = await findings('go-sarama');
  assert.deepEqual(
    found.map((f) => f.at),
    ['go.mod:6', 'go.mod:9, tools/loadgen/go.mod:8', 'go.mod:15'],
  );
  assert.ok(found.every((f) => f.severity === 'info'));
  assert.match(found[0]!.summary, /^sarama 1\.43\.1 \(github\.com\/IBM\/sarama, declared\) has 3 known leak bugs .*SAR-15 \(fixed in 1\.48\.0\)/);
  assert.match(found[0]!.fix, /^go get github\.com\/IBM\/sarama@v1\.48\.0 && go mod tidy/);
});

test('requirements files: the line of each pin, with pip’s upgrade', async () => {
  const found = await findings('python-requirements');
  assert.deepEqual(
    found.map((f) => f.at),
    ['requirements.txt:4', 'requirements/base.txt:13'],
  );
  assert.match(found[0]!.summary, /^confluent-kafka-python 2\.3\.0 .* CKP-07 \(fixed in 2\.13\.2\)/);
  assert.match(found[1]!.fix, /^pip install 'kafka-python>=2\.2\.14'/);
});

test('Maven and Gradle: the <version> a property resolves, the lock file Gradle wrote; kafka-clients with its fixes', async () => {
  const maven = await findings('maven-properties');
  assert.deepEqual(
    maven.map((f) => f.at),
    ['pom.xml:22'],
  );
  assert.match(maven[0]!.summary, /^kafka-clients 3\.6\.1 \(org\.apache\.kafka:kafka-clients, declared\) has 2 known leak bugs .*JAVA-19 \(fixed in 3\.7\.1\)/);
  assert.match(maven[0]!.fix, /<version>3\.7\.1<\/version>/);
  const gradle = await findings('gradle-kts');
  assert.deepEqual(
    gradle.map((f) => f.at),
    ['gradle.lockfile:5'],
  );
});

test('kafkajs 2.2.4, the newest release, locked by package-lock, yarn and pnpm: no bug a later release fixes, no finding', async () => {
  for (const dir of ['npm-lock-v1', 'npm-lock-v3', 'yarn-v1', 'pnpm-v9']) assert.deepEqual(await findings(dir), [], dir);
});

test('the newest releases have no bug a later release fixes: no finding (the fixtures of the runtime rules)', async () => {
  const run = await scan({ root: join(scanFixtures, '../go') });
  assert.deepEqual(
    run.diagnosis.findings.filter((f) => f.ruleId === 'known-library-bug').map((f) => f.summary),
    [],
  );
});
