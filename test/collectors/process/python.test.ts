// Python processes from outside: the interpreter recognised by its executable, confluent-kafka and aiokafka by the
// extension modules a real interpreter mapped (captured /proc/PID/maps of the fixtures' virtualenv after each
// import), kafka-python (pure Python, nothing mapped) by the import in the main script; the versions from the
// dist-info directories of the site-packages those paths lead to.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { librdkafkaBindingOf } from '../../../src/collectors/process/librdkafka.js';
import { runtimeOf } from '../../../src/collectors/process/read-proc.js';
import { pythonClientVersions, scriptImports } from '../../../src/collectors/process/versions.js';
import { repoRoot } from '../../../src/repo-root.js';

const maps = (name: string) => readFileSync(join(repoRoot, 'fixtures/captured/proc-python', `maps-${name}.txt`), 'utf8');
const noThreads = { clients: 0, brokerThreads: 0, otherThreads: 0 };
const capturedVenv = '/work/main/fixtures/python/.venv';

test('the interpreter: python, python3, python3.11 (what a virtualenv links to), and nothing else', () => {
  for (const exe of ['/usr/bin/python3', '/root/.pyenv/versions/3.11.7/bin/python3.11', '/usr/local/bin/python'])
    assert.equal(
      runtimeOf(exe, () => false),
      'python',
      exe,
    );
  for (const exe of ['/usr/bin/pythonista', '/usr/bin/python3-config'])
    assert.notEqual(
      runtimeOf(exe, () => false),
      'python',
      exe,
    );
});

test('confluent-kafka is a librdkafka binding: its cimpl extension and the librdkafka its wheel bundles are mapped', () => {
  assert.equal(librdkafkaBindingOf(maps('confluent-kafka'), 'python', noThreads), 'confluent-kafka-python');
  assert.equal(librdkafkaBindingOf(maps('aiokafka'), 'python', noThreads), undefined);
  assert.equal(librdkafkaBindingOf(maps('kafka-python'), 'python', noThreads), undefined);
});

test('the imports of a main script, read not run', () => {
  assert.deepEqual([...scriptImports('import os\nfrom kafka import KafkaConsumer\n')], ['kafka']);
  assert.deepEqual([...scriptImports('from confluent_kafka import Producer\nimport aiokafka.errors\n')].sort(), ['aiokafka', 'confluent_kafka']);
  assert.deepEqual([...scriptImports('# from kafka import x\nkafka_topic = "x"\nimport kafkaesque\n')], []);
});

test('versions: the packages imported, not every one installed', () => {
  // the site-packages of the captured maps, rebuilt in a temporary directory with the three dist-info directories
  const dir = mkdtempSync(join(tmpdir(), 'kleak-python-'));
  try {
    const site = join(dir, 'lib/python3.11/site-packages');
    for (const d of ['confluent_kafka-2.16.1.dist-info', 'kafka_python-3.0.12.dist-info', 'aiokafka-0.14.0.dist-info', 'flask-3.1.3.dist-info'])
      mkdirSync(join(site, d), { recursive: true });
    const at = (m: string) => m.split(capturedVenv).join(dir);
    const fs = { at: (p: string) => p };
    const names = (m: string, script?: string) =>
      pythonClientVersions(at(maps(m)), '/root/.pyenv/versions/3.11.7/bin/python3.11', fs, join(dir, 'bin/python'), script).map(
        (v) => `${v.library} ${v.version} (${v.from})`,
      );
    assert.deepEqual(names('confluent-kafka'), ['confluent-kafka-python 2.16.1 (site-packages)']);
    assert.deepEqual(names('aiokafka'), ['aiokafka 0.14.0 (site-packages)']);
    assert.deepEqual(names('kafka-python', 'from kafka import KafkaConsumer\n'), ['kafka-python 3.0.12 (site-packages)']);
    // nothing tells which: every Kafka package installed, found through the virtualenv of the command line
    assert.deepEqual(names('kafka-python', 'import app\n'), [
      'confluent-kafka-python 2.16.1 (site-packages)',
      'kafka-python 3.0.12 (site-packages)',
      'aiokafka 0.14.0 (site-packages)',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
