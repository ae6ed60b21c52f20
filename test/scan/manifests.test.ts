// The manifest readers on small project trees shaped like real ones (fixtures/scan/manifests/<case>): each
// Kafka client library they declare or lock, with its version, the file and line one edits, the lock that
// resolved it and whether the project names it itself. Everything else in those manifests is left out; broken
// files give a warning and cost nothing else.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import {
  type DeclaredDependency,
  type Ecosystem,
  type ReadOptions,
  isKafkaClientPackage,
  normalisePyPI,
  readDeclaredDependencies,
  readDeclaredDependenciesWithWarnings,
} from '../../src/collectors/source/manifests/index.js';
import { repoRoot } from '../../src/repo-root.js';

const fixtures = join(repoRoot, 'fixtures/scan/manifests');
const read = (name: string, options?: ReadOptions) => readDeclaredDependenciesWithWarnings(join(fixtures, name), options);
/** a case that must read without a warning */
const clean = (name: string, options?: ReadOptions): DeclaredDependency[] => {
  const r = read(name, options);
  assert.deepEqual(r.warnings, [], name);
  return r.dependencies;
};

const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kleak-manifests-'));
  temps.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test('the default filter: the Kafka client libraries of each ecosystem, and nothing else; PEP 503 names', () => {
  const kafka: [Ecosystem, string][] = [
    ['Go', 'github.com/Shopify/sarama'],
    ['Go', 'github.com/shopify/sarama'],
    ['Go', 'github.com/IBM/sarama'],
    ['Go', 'github.com/twmb/franz-go'],
    ['Go', 'github.com/twmb/franz-go/pkg/kgo'],
    ['Go', 'github.com/segmentio/kafka-go'],
    ['Go', 'github.com/confluentinc/confluent-kafka-go'],
    ['Go', 'github.com/confluentinc/confluent-kafka-go/v2'],
    ['npm', 'kafkajs'],
    ['npm', 'node-rdkafka'],
    ['npm', '@confluentinc/kafka-javascript'],
    ['Maven', 'org.apache.kafka:kafka-clients'],
    ['Maven', 'org.springframework.kafka:spring-kafka'],
    ['PyPI', 'confluent-kafka'],
    ['PyPI', 'Confluent_Kafka'],
    ['PyPI', 'kafka-python'],
    ['PyPI', 'aiokafka'],
  ];
  const other: [Ecosystem, string][] = [
    ['Go', 'github.com/twmb/franz-go/pkg/kadm'],
    ['Go', 'github.com/IBM/sarama/mocks'],
    ['npm', 'kafkajs-snappy'],
    ['npm', 'KafkaJS'],
    ['Maven', 'org.apache.kafka:kafka-streams'],
    ['Maven', 'org.springframework.kafka:spring-kafka-test'],
    ['PyPI', 'kafka'],
    ['npm', 'kafka-python'],
  ];
  for (const [ecosystem, name] of kafka) assert.equal(isKafkaClientPackage(ecosystem, name), true, `${ecosystem} ${name}`);
  for (const [ecosystem, name] of other) assert.equal(isKafkaClientPackage(ecosystem, name), false, `${ecosystem} ${name}`);
  assert.equal(normalisePyPI('Confluent_Kafka'), 'confluent-kafka');
  assert.equal(normalisePyPI('zope.interface'), 'zope-interface');
  assert.equal(normalisePyPI('Foo._-Bar'), 'foo-bar');
});

test('go.mod: block and single-line requires, // indirect, replace with and without a version, a local replacement', () => {
  assert.deepEqual(clean('go-sarama'), [
    { ecosystem: 'Go', name: 'github.com/IBM/sarama', version: '1.43.1', file: 'go.mod', line: 6, direct: true },
    // a comment that is not "indirect" leaves it direct
    { ecosystem: 'Go', name: 'github.com/segmentio/kafka-go', version: '0.4.47', file: 'go.mod', line: 8, direct: true },
    { ecosystem: 'Go', name: 'github.com/twmb/franz-go', version: '1.16.1', file: 'go.mod', line: 9, direct: true },
    {
      ecosystem: 'Go',
      name: 'github.com/Shopify/sarama',
      version: '1.38.1',
      file: 'go.mod',
      line: 15,
      replacedBy: { name: 'github.com/IBM/sarama', version: '1.43.1' },
      direct: false,
    },
    { ecosystem: 'Go', name: 'github.com/confluentinc/confluent-kafka-go/v2', version: '2.3.0', file: 'go.mod', line: 18, direct: false },
    {
      ecosystem: 'Go',
      name: 'github.com/confluentinc/confluent-kafka-go',
      version: '1.9.2',
      file: 'tools/loadgen/go.mod',
      line: 5,
      replacedBy: { name: '../../third_party/confluent-kafka-go' },
      direct: true,
    },
    {
      ecosystem: 'Go',
      name: 'github.com/twmb/franz-go',
      version: '1.15.4',
      file: 'tools/loadgen/go.mod',
      line: 8,
      replacedBy: { name: 'github.com/twmb/franz-go', version: '1.16.1' },
      direct: true,
    },
  ]);
});

test('the filter is what leaves the other modules out: asked for every name, the same go.mod gives them too', () => {
  const all = clean('go-sarama', { names: () => true });
  const at = (file: string, line: number) => all.filter((d) => d.file === file && d.line === line).map((d) => `${d.name} ${d.version} ${d.direct}`);
  assert.deepEqual(at('go.mod', 10), ['github.com/twmb/franz-go/pkg/kadm 1.11.0 true']);
  assert.deepEqual(at('go.mod', 11), ['go.uber.org/zap 1.27.0 true']);
  assert.deepEqual(at('go.mod', 29), ['github.com/twmb/franz-go/pkg/kmsg 1.7.0 false']);
  assert.equal(all.filter((d) => d.file === 'go.mod').length, 23);
  // the replace for a version not required changes nothing
  assert.equal(all.find((d) => d.name === 'github.com/segmentio/kafka-go')?.replacedBy, undefined);
});

test('package-lock.json v1: the dependency tree resolves the range; a nested copy of kafkajs is reported from the lock', () => {
  assert.deepEqual(clean('npm-lock-v1'), [
    { ecosystem: 'npm', name: 'kafkajs', version: '2.2.3', file: 'package-lock.json', line: 15, lockFile: 'package-lock.json', direct: false },
    { ecosystem: 'npm', name: 'kafkajs', version: '1.16.0', declared: '^1.15.0', file: 'package.json', line: 12, lockFile: 'package-lock.json', direct: true },
  ]);
});

test('package-lock.json v3 of a workspace: hoisted and nested packages, each member resolved by the root lock', () => {
  assert.deepEqual(clean('npm-lock-v3'), [
    { ecosystem: 'npm', name: 'kafkajs', version: '1.16.0', file: 'package-lock.json', line: 23, lockFile: 'package-lock.json', direct: false },
    {
      ecosystem: 'npm',
      name: 'kafkajs',
      version: '2.2.4',
      declared: '^2.2.0',
      file: 'services/orders/package.json',
      line: 7,
      lockFile: 'package-lock.json',
      direct: true,
    },
    {
      ecosystem: 'npm',
      name: '@confluentinc/kafka-javascript',
      version: '1.0.0',
      declared: '1.0.0',
      file: 'services/payments/package.json',
      line: 6,
      lockFile: 'package-lock.json',
      direct: true,
    },
    // services/payments/node_modules/kafkajs, not the hoisted 2.2.4
    {
      ecosystem: 'npm',
      name: 'kafkajs',
      version: '2.2.3',
      declared: '2.2.3',
      file: 'services/payments/package.json',
      line: 7,
      lockFile: 'package-lock.json',
      direct: true,
    },
  ]);
});

test('yarn.lock v1: merged "a@x, a@y" headers, scoped names quoted, an older kafkajs a dependency brought', () => {
  assert.deepEqual(clean('yarn-v1'), [
    { ecosystem: 'npm', name: 'kafkajs', version: '2.2.4', declared: '^2.2.0', file: 'package.json', line: 12, lockFile: 'yarn.lock', direct: true },
    { ecosystem: 'npm', name: 'node-rdkafka', version: '2.18.0', declared: '^2.18.0', file: 'package.json', line: 13, lockFile: 'yarn.lock', direct: true },
    { ecosystem: 'npm', name: 'kafkajs', version: '1.16.0', file: 'yarn.lock', line: 19, lockFile: 'yarn.lock', direct: false },
  ]);
});

test('yarn.lock berry: "name@npm:range" keys and "version: x"; the workspace entry is not a package', () => {
  assert.deepEqual(clean('yarn-berry'), [
    {
      ecosystem: 'npm',
      name: '@confluentinc/kafka-javascript',
      version: '1.0.0',
      declared: '^1.0.0',
      file: 'package.json',
      line: 6,
      lockFile: 'yarn.lock',
      direct: true,
    },
    { ecosystem: 'npm', name: 'kafkajs', version: '2.2.4', declared: '^2.2.0', file: 'package.json', line: 7, lockFile: 'yarn.lock', direct: true },
  ]);
});

test('pnpm-lock.yaml v6: top-level dependencies with specifier and version; "/kafkajs@1.16.0" from a dependency', () => {
  assert.deepEqual(clean('pnpm-v6'), [
    { ecosystem: 'npm', name: 'kafkajs', version: '2.2.4', declared: '^2.2.0', file: 'package.json', line: 8, lockFile: 'pnpm-lock.yaml', direct: true },
    { ecosystem: 'npm', name: 'kafkajs', version: '1.16.0', file: 'pnpm-lock.yaml', line: 39, lockFile: 'pnpm-lock.yaml', direct: false },
  ]);
});

test('pnpm-lock.yaml v9: a workspace member resolved through importers; peer suffixes "(…)" are not part of the version', () => {
  assert.deepEqual(clean('pnpm-v9'), [
    {
      ecosystem: 'npm',
      name: 'kafkajs',
      version: '2.2.4',
      declared: '^2.2.4',
      file: 'apps/notifier/package.json',
      line: 9,
      lockFile: 'pnpm-lock.yaml',
      direct: true,
    },
  ]);
  const nest = clean('pnpm-v9', { names: (e, n) => n === '@nestjs/microservices' || isKafkaClientPackage(e, n) }).find(
    (d) => d.name === '@nestjs/microservices',
  );
  assert.deepEqual(nest, {
    ecosystem: 'npm',
    name: '@nestjs/microservices',
    version: '10.3.7',
    declared: '^10.3.7',
    file: 'apps/notifier/package.json',
    line: 8,
    lockFile: 'pnpm-lock.yaml',
    direct: true,
  });
});

test('package.json without a lock: the range as declared, a version only for an exact one; node_modules is not read', () => {
  assert.deepEqual(clean('npm-no-lock'), [
    { ecosystem: 'npm', name: 'kafkajs', declared: '>=2.0.0', file: 'package.json', line: 10, direct: true },
    { ecosystem: 'npm', name: 'node-rdkafka', version: '2.18.0', declared: '=2.18.0', file: 'package.json', line: 13, direct: true },
    { ecosystem: 'npm', name: 'kafkajs', version: '2.2.4', declared: '2.2.4', file: 'package.json', line: 16, direct: true },
  ]);
  // the tree does have manifests declaring Kafka clients under node_modules: they are what the walk skips
  const inside = join(fixtures, 'npm-no-lock/node_modules/@acme/event-bus/package.json');
  assert.match(readFileSync(inside, 'utf8'), /"kafkajs": "\^1\.16\.0"/);
});

test('a package-lock.json with merge-conflict markers: a warning, and the package.json range still comes back', () => {
  const r = read('npm-malformed-lock');
  assert.deepEqual(r.dependencies, [{ ecosystem: 'npm', name: 'kafkajs', declared: '^2.2.0', file: 'package.json', line: 6, direct: true }]);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, /^package-lock\.json: not valid JSON: .* at line 16: skipped$/);
});

test('pom.xml: ${property} versions (line: the artifactId), literal versions (line: the version), profiles; not exclusions, plugins or comments', () => {
  assert.deepEqual(clean('maven-properties'), [
    { ecosystem: 'Maven', name: 'org.apache.kafka:kafka-clients', version: '3.6.1', declared: '${kafka.version}', file: 'pom.xml', line: 22, direct: true },
    { ecosystem: 'Maven', name: 'org.springframework.kafka:spring-kafka', version: '3.1.2', declared: '3.1.2', file: 'pom.xml', line: 28, direct: true },
    // a property no pom defines (given with -D at build time): no version
    { ecosystem: 'Maven', name: 'org.apache.kafka:kafka-clients', declared: '${legacy.kafka.version}', file: 'pom.xml', line: 56, direct: true },
  ]);
});

test('pom.xml with the Spring Boot parent: versions it manages are undefined, except those its kafka.version property sets', () => {
  assert.deepEqual(clean('maven-spring-boot'), [
    {
      ecosystem: 'Maven',
      name: 'org.springframework.kafka:spring-kafka',
      declared: 'managed by spring-boot-starter-parent 3.2.5',
      file: 'pom.xml',
      line: 27,
      direct: true,
    },
    {
      ecosystem: 'Maven',
      name: 'org.apache.kafka:kafka-clients',
      version: '3.6.2',
      declared: 'managed by spring-boot-starter-parent 3.2.5',
      file: 'pom.xml',
      line: 31,
      direct: true,
    },
  ]);
});

test('a multi-module Maven build: the parent pom in the tree manages the version, an imported BOM is named, a module overrides', () => {
  assert.deepEqual(clean('maven-multimodule'), [
    {
      ecosystem: 'Maven',
      name: 'org.apache.kafka:kafka-clients',
      version: '3.7.0',
      declared: '${kafka.version}',
      file: 'orders-consumer/pom.xml',
      line: 18,
      direct: true,
    },
    {
      ecosystem: 'Maven',
      name: 'org.springframework.kafka:spring-kafka',
      declared: 'managed by spring-kafka-bom 3.1.4',
      file: 'orders-producer/pom.xml',
      line: 19,
      direct: true,
    },
    {
      ecosystem: 'Maven',
      name: 'org.apache.kafka:kafka-clients',
      version: '3.7.1',
      declared: '3.7.1',
      file: 'orders-producer/pom.xml',
      line: 24,
      direct: true,
    },
  ]);
});

test('build.gradle with gradle.lockfile: the lock resolves the build file line; ${variables}; map notation; comments skipped', () => {
  assert.deepEqual(clean('gradle-groovy'), [
    {
      ecosystem: 'Maven',
      name: 'org.springframework.kafka:spring-kafka',
      version: '3.1.4',
      file: 'build.gradle',
      line: 28,
      lockFile: 'gradle.lockfile',
      direct: true,
    },
    {
      ecosystem: 'Maven',
      name: 'org.apache.kafka:kafka-clients',
      version: '3.6.2',
      declared: '${kafkaVersion}',
      file: 'build.gradle',
      line: 29,
      lockFile: 'gradle.lockfile',
      direct: true,
    },
    {
      ecosystem: 'Maven',
      name: 'org.apache.kafka:kafka-clients',
      version: '2.8.2',
      declared: '2.8.2',
      file: 'legacy-bridge/build.gradle',
      line: 5,
      direct: true,
    },
  ]);
});

test('build.gradle.kts: kafka-clients only in the lock (kafka-streams brings it) is reported at the lock line, not direct', () => {
  assert.deepEqual(clean('gradle-kts'), [
    {
      ecosystem: 'Maven',
      name: 'org.apache.kafka:kafka-clients',
      version: '3.7.0',
      file: 'gradle.lockfile',
      line: 5,
      lockFile: 'gradle.lockfile',
      direct: false,
    },
  ]);
});

test('a version catalog: libs.versions.toml declares (version.ref, strictly), the subproject lock resolves', () => {
  assert.deepEqual(clean('gradle-catalog'), [
    {
      ecosystem: 'Maven',
      name: 'org.apache.kafka:kafka-clients',
      version: '3.7.0',
      declared: '3.7.0',
      file: 'gradle/libs.versions.toml',
      line: 7,
      lockFile: 'app/gradle.lockfile',
      direct: true,
    },
    {
      ecosystem: 'Maven',
      name: 'org.springframework.kafka:spring-kafka',
      version: '3.1.4',
      declared: '3.1.4',
      file: 'gradle/libs.versions.toml',
      line: 8,
      lockFile: 'app/gradle.lockfile',
      direct: true,
    },
  ]);
});

test('requirements files: -r includes read once, extras, markers, PEP 503 names, hashes; pip-compile "# via" tells transitive', () => {
  assert.deepEqual(clean('python-requirements'), [
    { ecosystem: 'PyPI', name: 'confluent-kafka', version: '2.3.0', declared: '==2.3.0', file: 'requirements.txt', line: 4, direct: true },
    { ecosystem: 'PyPI', name: 'aiokafka', version: '0.10.0', declared: '==0.10.0', file: 'requirements/base.txt', line: 7, direct: true },
    { ecosystem: 'PyPI', name: 'kafka-python', version: '2.0.2', declared: '==2.0.2', file: 'requirements/base.txt', line: 13, direct: false },
  ]);
});

test('pyproject.toml with Poetry: string, inline-table and sub-table declarations resolved by poetry.lock', () => {
  assert.deepEqual(clean('python-poetry'), [
    { ecosystem: 'PyPI', name: 'kafka-python', version: '2.0.2', declared: '^2.0', file: 'pyproject.toml', line: 11, lockFile: 'poetry.lock', direct: true },
    {
      ecosystem: 'PyPI',
      name: 'confluent-kafka',
      version: '2.3.0',
      declared: '2.3.0',
      file: 'pyproject.toml',
      line: 13,
      lockFile: 'poetry.lock',
      direct: true,
    },
    {
      ecosystem: 'PyPI',
      name: 'aiokafka',
      version: '0.10.0',
      declared: '>=0.10,<0.11',
      file: 'pyproject.toml',
      line: 18,
      lockFile: 'poetry.lock',
      direct: true,
    },
  ]);
});

test('pyproject.toml PEP 621 with uv.lock: multi-line arrays, markers, optional dependencies, a workspace member', () => {
  assert.deepEqual(clean('python-uv'), [
    {
      ecosystem: 'PyPI',
      name: 'confluent-kafka',
      version: '2.3.0',
      declared: '>=2.3',
      file: 'packages/replay/pyproject.toml',
      line: 5,
      lockFile: 'uv.lock',
      direct: true,
    },
    { ecosystem: 'PyPI', name: 'aiokafka', version: '0.10.0', declared: '>=0.10', file: 'pyproject.toml', line: 8, lockFile: 'uv.lock', direct: true },
    { ecosystem: 'PyPI', name: 'confluent-kafka', version: '2.3.0', declared: '>=2.3,<3', file: 'pyproject.toml', line: 11, lockFile: 'uv.lock', direct: true },
    { ecosystem: 'PyPI', name: 'kafka-python', version: '2.0.2', declared: '==2.0.2', file: 'pyproject.toml', line: 15, lockFile: 'uv.lock', direct: true },
  ]);
});

test('Pipfile resolved by Pipfile.lock', () => {
  assert.deepEqual(clean('python-pipenv'), [
    { ecosystem: 'PyPI', name: 'kafka-python', version: '2.0.2', declared: '*', file: 'Pipfile', line: 7, lockFile: 'Pipfile.lock', direct: true },
    { ecosystem: 'PyPI', name: 'confluent-kafka', version: '2.3.0', declared: '==2.3.0', file: 'Pipfile', line: 9, lockFile: 'Pipfile.lock', direct: true },
  ]);
});

test('a lock no manifest uses: its Kafka packages are reported from it (Pipfile.lock without a Pipfile, poetry.lock leftovers)', () => {
  const root = tree({
    'Pipfile.lock': readFileSync(join(fixtures, 'python-pipenv/Pipfile.lock'), 'utf8'),
    'svc/pyproject.toml': '[tool.poetry]\nname = "svc"\n\n[tool.poetry.dependencies]\npython = "^3.11"\naiokafka = "^0.10"\n',
    'svc/poetry.lock': readFileSync(join(fixtures, 'python-poetry/poetry.lock'), 'utf8'),
  });
  assert.deepEqual(readDeclaredDependenciesWithWarnings(root), {
    dependencies: [
      { ecosystem: 'PyPI', name: 'confluent-kafka', version: '2.3.0', file: 'Pipfile.lock', line: 19, lockFile: 'Pipfile.lock', direct: false },
      { ecosystem: 'PyPI', name: 'kafka-python', version: '2.0.2', file: 'Pipfile.lock', line: 35, lockFile: 'Pipfile.lock', direct: false },
      { ecosystem: 'PyPI', name: 'confluent-kafka', version: '2.3.0', file: 'svc/poetry.lock', line: 33, lockFile: 'svc/poetry.lock', direct: false },
      { ecosystem: 'PyPI', name: 'kafka-python', version: '2.0.2', file: 'svc/poetry.lock', line: 46, lockFile: 'svc/poetry.lock', direct: false },
      {
        ecosystem: 'PyPI',
        name: 'aiokafka',
        version: '0.10.0',
        declared: '^0.10',
        file: 'svc/pyproject.toml',
        line: 6,
        lockFile: 'svc/poetry.lock',
        direct: true,
      },
    ],
    warnings: [],
  });
});

test('broken go.mod, pom.xml and pyproject.toml: one warning each, the good requirements file beside them still read', () => {
  const r = read('malformed');
  assert.deepEqual(r.dependencies, [
    { ecosystem: 'PyPI', name: 'kafka-python', version: '2.0.2', declared: '==2.0.2', file: 'worker/requirements.txt', line: 1, direct: true },
  ]);
  assert.deepEqual(r.warnings, [
    'billing/go.mod: a "require (" block is not closed: skipped',
    'billing/pom.xml: not valid XML: </dependency> does not close <dependencies> at line 13: skipped',
    'reports/pyproject.toml: not valid TOML: unterminated string at line 5: skipped',
  ]);
});

test('the walk: build output, virtualenvs and vendored code are skipped; depth 6 is read and 7 is not; symlinks are not followed', () => {
  const req = 'kafka-python==2.0.2\n';
  const root = tree({
    'services/api/requirements.txt': req,
    'a/b/c/d/e/f/requirements.txt': req,
    'a/b/c/d/e/f/g/requirements.txt': req,
    ...Object.fromEntries(
      ['node_modules', '.git', 'vendor', 'dist', 'build', 'target', '.venv', 'venv', '__pycache__'].map((d) => [`${d}/requirements.txt`, req]),
    ),
  });
  symlinkSync(join(root, 'services'), join(root, 'linked'));
  assert.deepEqual(
    readDeclaredDependencies(root).map((d) => d.file),
    ['a/b/c/d/e/f/requirements.txt', 'services/api/requirements.txt'],
  );
  assert.ok(existsSync(join(root, 'linked/api/requirements.txt')));
});

test('maxFiles bounds the manifests examined, with a warning', () => {
  const root = tree({
    'a/package.json': '{"dependencies":{"kafkajs":"2.2.4"}}',
    'b/package.json': '{"dependencies":{"kafkajs":"2.2.3"}}',
    'c/package.json': '{"dependencies":{"kafkajs":"2.2.2"}}',
  });
  const r = readDeclaredDependenciesWithWarnings(root, { maxFiles: 2 });
  assert.deepEqual(
    r.dependencies.map((d) => `${d.file} ${d.version}`),
    ['a/package.json 2.2.4', 'b/package.json 2.2.3'],
  );
  assert.deepEqual(r.warnings, ['c/package.json: more than 2 manifests, the rest were not read']);
  assert.equal(readDeclaredDependencies(root).length, 3);
});

test('a root that does not exist: a warning, no exception', () => {
  const r = readDeclaredDependenciesWithWarnings(join(tmpdir(), 'kleak-no-such-tree', String(process.pid)));
  assert.deepEqual(r.dependencies, []);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, /not readable \(ENOENT\)/);
});
