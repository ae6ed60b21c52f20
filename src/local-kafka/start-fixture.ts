// Builds and starts the leaky sample services in fixtures/ (and their twins) on 127.0.0.1;
// used by the tests and by `kleak demo`. Every service is stopped by PID, also when its starter dies.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SetupError } from '../errors.js';
import { freePort } from './ports.js';
import { repoRoot } from '../repo-root.js';

export const goFixtures = [
  'sarama-per-request',
  'sarama-per-request-fixed',
  'sarama-closed-per-request',
  'sarama-shared',
  'sarama-reused-message',
  'sarama-reused-message-fixed',
  'franz-retain',
  'franz-retain-fixed',
  'kafkago-reaping-per-request',
  'kafkago-transport-per-request',
  'kafkago-transport-shared',
] as const;
/** Python fixtures (fixtures/python, in the virtualenv the test set-up makes from its requirements.txt): name → script */
const pythonFixtures = {
  'python-flask-confluent-per-request': 'flask_confluent_per_request.py',
  'python-flask-confluent-shared': 'flask_confluent_shared.py',
  'python-fastapi-aiokafka-per-request': 'fastapi_aiokafka_per_request.py',
  'python-fastapi-aiokafka-shared': 'fastapi_aiokafka_shared.py',
  'python-kafka-python-consumer-per-request': 'kafka_python_consumer_per_request.py',
  'python-kafka-python-consumer-shared': 'kafka_python_consumer_shared.py',
} as const;

/** One service on two old Sarama releases (fixtures/go-sarama-old, a module of its own): name → its go.mod */
const oldSaramaFixtures = { 'sarama-1.36': 'go.mod', 'sarama-1.37': 'go.137.mod' } as const;
export const nodeFixtures = [
  'kafkajs-per-request',
  'kafkajs-per-request-fixed',
  'kafkajs-closed-per-request',
  'kafkajs-retain',
  'kafkajs-retain-fixed',
  'kafkajs-consumer-per-request',
  'kafkajs-consumer-per-request-fixed',
  'http-leak-kafka-clean',
  // librdkafka (node-rdkafka): installed apart, in fixtures/node/rdkafka (npm ci there compiles librdkafka)
  'rdkafka-per-request',
  'rdkafka-per-request-fixed',
] as const;
/** JVM fixtures (kafka-clients from Maven Central): fixtures/java, compiled by the test set-up; name → main class */
const javaFixtures = {
  'java-producer-per-request': 'ProducerPerRequest',
  'java-producer-per-request-fixed': 'ProducerPerRequestFixed',
  'java-admin-per-request': 'AdminPerRequest',
  'java-admin-per-request-fixed': 'AdminPerRequestFixed',
  // kleak heap on an HPROF: a static list of ConsumerRecords whose ByteBuffer values pin their fetch responses
  'java-record-cache': 'RecordCache',
  'java-record-cache-fixed': 'RecordCacheFixed',
  // Spring Kafka (spring-kafka 4.0 over the same kafka-clients): fixtures/java-spring, a classpath of its own
  'spring-template-per-request': 'TemplatePerRequest',
  'spring-template-per-request-fixed': 'TemplatePerRequestFixed',
} as const;
export type FixtureName =
  (typeof goFixtures)[number] | (typeof nodeFixtures)[number] | keyof typeof javaFixtures | keyof typeof oldSaramaFixtures | keyof typeof pythonFixtures;

/** The virtualenv's interpreter and the fixture's script; the set-up (python-fixtures) makes the virtualenv. */
function pythonCommand(name: keyof typeof pythonFixtures): [string, string[]] {
  const dir = join(repoRoot, 'fixtures/python');
  const python = join(dir, '.venv/bin/python');
  if (!existsSync(python))
    throw new SetupError(`The Python fixtures' virtualenv is not there (${python}).`, {
      hint: 'Create it with: node scripts/setup.mjs python-fixtures (python3 -m venv, then pip install -r fixtures/python/requirements.txt).',
    });
  return [python, ['-u', join(dir, pythonFixtures[name])]];
}

/** The binary of an old-Sarama fixture, built on first use with its go.mod. */
function oldSaramaBinary(name: keyof typeof oldSaramaFixtures): string {
  const dir = join(repoRoot, 'fixtures/go-sarama-old');
  const binary = join(dir, 'bin', name);
  if (existsSync(binary)) return binary;
  const result = spawnSync('go', ['build', `-modfile=${oldSaramaFixtures[name]}`, '-o', binary, '.'], { cwd: dir, encoding: 'utf8' });
  if (result.error || result.status !== 0)
    throw new SetupError(`Building ${name} failed:\n${(result.stderr ?? String(result.error)).trim()}`, {
      hint: `It needs Go 1.26 and the Go module proxy. Try by hand: cd ${dir} && go build -modfile=${oldSaramaFixtures[name]} -o bin/${name} .`,
    });
  return binary;
}

/**
 * Compiles the JVM fixtures of one directory (fixtures/java, or fixtures/java-spring with its own classpath): Maven
 * resolves their jars from Maven Central into target/libs, javac compiles the sources (with fixtures/java's Svc)
 * into target/classes. On first use, as the Go fixtures are built; the test set-up does the same side by side.
 */
export function buildJavaFixtures(dir: 'java' | 'java-spring'): void {
  const base = join(repoRoot, 'fixtures', dir);
  if (!existsSync(join(base, 'pom.xml')))
    throw new SetupError(`The JVM sample services' sources are not in this installation (${base}).`, {
      hint: 'Run the demo from a clone of kleak, or use the Go or Node sample service.',
    });
  const step = (command: string, args: string[], hint: string) => {
    const result = spawnSync(command, args, { cwd: base, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (result.error || result.status !== 0)
      throw new SetupError(
        `Building the JVM fixtures failed (${command}):\n${`${result.stdout ?? ''}${result.stderr ?? ''}`.trim().slice(-2000) || String(result.error)}`,
        {
          hint,
        },
      );
  };
  step('mvn', ['-B', '-q', '-f', join(base, 'pom.xml'), 'package'], 'It needs Maven 3 and a JDK 17+ on PATH, and Maven Central reachable.');
  const shell = join(repoRoot, 'fixtures/java/src/kleak/fixtures/Svc.java');
  const own = readdirSync(join(base, 'src/kleak/fixtures')).map((f) => join(base, 'src/kleak/fixtures', f));
  step('javac', ['-d', join(base, 'target/classes'), '-cp', join(base, 'target/libs/*'), ...new Set([shell, ...own])], 'It needs a JDK 17+ (javac) on PATH.');
}

/** The java command line of a JVM fixture, compiled on first use. */
function javaCommand(name: keyof typeof javaFixtures): [string, string[]] {
  const dir = name.startsWith('spring-') ? 'java-spring' : 'java';
  const javaDir = join(repoRoot, 'fixtures', dir, 'target');
  if (!existsSync(join(javaDir, 'classes/kleak/fixtures', `${javaFixtures[name]}.class`))) buildJavaFixtures(dir);
  return ['java', ['-Xmx256m', '-cp', `${javaDir}/classes:${javaDir}/libs/*`, `kleak.fixtures.${javaFixtures[name]}`]];
}

const goDir = join(repoRoot, 'fixtures/go');
const goBinDir = join(goDir, 'bin');

export interface FixtureService {
  name: FixtureName;
  pid: number;
  port: number;
  url: string;
  logFile: string;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** the service's own output so far (for failing tests) */
  log(): string;
}

export interface FixtureOptions {
  bootstrap: string;
  topic?: string;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

/**
 * rdkafka-<name> lives in fixtures/node/rdkafka/<name>, beside the node-rdkafka it is installed with; installed
 * on first use (npm ci there compiles librdkafka from the package's sources: about 2 minutes on 2 cores), as the
 * Go fixtures are built on first use.
 */
function nodeFixtureDir(name: string): string {
  if (!name.startsWith('rdkafka-')) return name;
  const dir = join(repoRoot, 'fixtures/node/rdkafka');
  if (!existsSync(join(dir, 'node_modules/node-rdkafka/build/Release/node-librdkafka.node'))) {
    const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8', timeout: 15 * 60_000 });
    if (result.status !== 0)
      throw new SetupError(`Installing node-rdkafka for the librdkafka fixtures failed:\n${`${result.stdout}${result.stderr}`.trim().slice(-3000)}`, {
        hint: `It compiles librdkafka: it needs gcc, make, python3 and the OpenSSL and zlib headers. Try by hand: cd ${dir} && npm ci`,
      });
  }
  return `rdkafka/${name.slice('rdkafka-'.length)}`;
}

/** Builds one Go fixture (or every one) into fixtures/go/bin (the Go build cache makes a rebuild quick). */
export function buildGoFixtures(name?: string): void {
  const sources = name ? join(goDir, name) : goDir;
  if (!existsSync(sources)) {
    throw new SetupError(`The Go sample service's sources are not in this installation (${sources}).`, {
      hint: 'Run the demo from a clone of kleak, or use the Node sample service: kleak demo --node.',
    });
  }
  const result = spawnSync('go', ['build', '-o', 'bin/', name ? `./${name}` : './...'], { cwd: goDir, encoding: 'utf8' });
  if (result.error) {
    throw new SetupError('Go was not found on PATH; the Go fixtures (Sarama, franz-go) are built from source.', {
      cause: result.error,
      hint: 'Install Go 1.26 (fixtures/go/go.mod) and make sure `go version` works, or use the Node fixtures.',
    });
  }
  if (result.status !== 0) {
    throw new SetupError(`Building the Go fixtures failed:\n${result.stderr.trim()}`, { hint: `Try by hand: cd ${goDir} && go build -o bin/ ./...` });
  }
}

const running = new Set<ChildProcess>();

export async function startFixture(name: FixtureName, options: FixtureOptions): Promise<FixtureService> {
  const isGo = (goFixtures as readonly string[]).includes(name);
  if (isGo && !existsSync(join(goBinDir, name))) buildGoFixtures(name);
  const port = await freePort();
  const logDir = join(tmpdir(), 'kleak-fixtures');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}-${port}.log`);
  const out = openSync(logFile, 'w');
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    KAFKA_BROKERS: options.bootstrap,
    PORT: String(port),
    ...(options.topic ? { TOPIC: options.topic } : {}),
    ...options.env,
  };
  const [command, args] = isGo
    ? [join(goBinDir, name), []]
    : name in oldSaramaFixtures
      ? [oldSaramaBinary(name as keyof typeof oldSaramaFixtures), []]
      : name in javaFixtures
        ? javaCommand(name as keyof typeof javaFixtures)
        : name in pythonFixtures
          ? pythonCommand(name as keyof typeof pythonFixtures)
          : [process.execPath, ['--expose-gc', join(repoRoot, 'fixtures/node', nodeFixtureDir(name), 'server.mjs')]];
  const child = spawn(command, args, { env, stdio: ['ignore', out, out], cwd: logDir });
  closeSync(out);
  running.add(child);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.once('exit', () => running.delete(child));
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const stop = async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new SetupError(`Fixture ${name} exited during start-up (${child.exitCode ?? child.signalCode}).\n${log().slice(-2000)}`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop(0);
      throw new SetupError(`Fixture ${name} did not answer /healthz within ${options.readyTimeoutMs ?? 30_000} ms.\n${log().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name, pid: child.pid!, port, url, logFile, stop, log };
}

process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
