// Starts and stops a real Apache Kafka cluster (KRaft, 1 or 3 nodes) on 127.0.0.1 from the jars
// broker/pom.xml resolves from Maven Central; used by the tests, by `npm run broker` and by `kleak demo`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { SetupError } from '../errors.js';

import { repoRoot } from '../repo-root.js';
export { repoRoot };
export const brokerPom = join(repoRoot, 'broker/pom.xml');
export const defaultLibDir = join(repoRoot, 'broker/target/libs');

export interface KafkaClusterOptions {
  /** 1 (default) or 3 nodes on this machine, each broker+controller. */
  nodes?: 1 | 3;
  /** Fixed broker ports, one per node (e.g. [9092] by hand); free ports are picked by default. */
  brokerPorts?: number[];
  /** Adds a SASL_PLAINTEXT listener with the PLAIN mechanism and these users (name → password). */
  saslPlainUsers?: Record<string, string>;
  /** SCRAM-SHA-256 and SCRAM-SHA-512 credentials (name → password) on the same SASL_PLAINTEXT listener, stored at format time. */
  scramUsers?: Record<string, string>;
  /** Adds an SSL listener with a self-signed certificate for 127.0.0.1 and localhost (made by keytool); its PEM in cluster.tlsCaFile. */
  tls?: boolean;
  /** Turns ACLs on (StandardAuthorizer). These principals (e.g. 'User:admin') are super users, beside User:ANONYMOUS (the brokers themselves and the PLAINTEXT listener). */
  superUsers?: string[];
  /** Broker settings on top of the defaults, e.g. { 'connections.max.idle.ms': 5000 }. */
  brokerConfig?: Record<string, string | number | boolean>;
  /** Where data dirs and logs go; a fresh temporary folder by default, removed on stop. */
  workDir?: string;
  libDir?: string;
  /** Run Maven when the jars are missing (default true). */
  resolveJars?: boolean;
  startTimeoutMs?: number;
  heapMb?: number;
  log?: (line: string) => void;
}

export interface KafkaNode {
  nodeId: number;
  brokerPort: number;
  /** the SASL_PLAINTEXT listener's port, with saslPlainUsers or scramUsers */
  saslPort?: number;
  /** the SSL listener's port, with tls */
  sslPort?: number;
  controllerPort: number;
  dataDir: string;
  logFile: string;
  /** undefined while the node is stopped */
  pid: number | undefined;
}

export interface KafkaCluster {
  clusterId: string;
  bootstrap: string;
  /** the SASL_PLAINTEXT listeners, with saslPlainUsers or scramUsers */
  saslBootstrap?: string;
  /** the SSL listeners, with tls */
  tlsBootstrap?: string;
  /** the brokers' self-signed certificate (PEM), to give kleak as --tls-ca */
  tlsCaFile?: string;
  nodes: KafkaNode[];
  workDir: string;
  /** wall time from launch to the first successful metadata request */
  startupMs: number;
  /** Stops one node: SIGTERM and wait (graceful), or SIGKILL (a crash). */
  stopNode(nodeId: number, how?: 'graceful' | 'kill'): Promise<void>;
  /** Starts a stopped node again on the same ports and data dir. */
  startNode(nodeId: number): Promise<void>;
  /** Stops every node (SIGTERM, SIGKILL after a bound) and removes the work dir. */
  stop(): Promise<void>;
}

const defaultBrokerConfig: Record<string, string | number | boolean> = {
  'num.partitions': 1,
  'num.network.threads': 2,
  'num.io.threads': 2,
  'group.initial.rebalance.delay.ms': 0,
  'offsets.topic.num.partitions': 1,
  'transaction.state.log.num.partitions': 1,
  'auto.create.topics.enable': true,
  'log.flush.interval.messages': 1_000_000,
  'log.segment.bytes': 64 * 1024 * 1024,
};

const log4j2 = `appender.c.type=Console
appender.c.name=C
appender.c.layout.type=PatternLayout
appender.c.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=WARN
rootLogger.appenderRef.c.ref=C
logger.s.name=kafka.server.KafkaRaftServer
logger.s.level=INFO
`;

const stopGraceMs = 20_000;

/** Checks Java 17+ is on PATH; returns its major version. */
export function checkJava(): number {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error) {
    throw new SetupError('Java was not found on PATH; the test broker is Apache Kafka and runs on Java 17 or newer.', {
      cause: result.error,
      hint: 'Install a JDK or JRE 17+ (Debian: apt-get install openjdk-17-jre-headless) and make sure `java -version` works.',
    });
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : NaN;
  if (!(major >= 17)) {
    throw new SetupError(`Java ${match ? major : '(unknown version)'} was found, but Kafka 4.x brokers need Java 17 or newer.`, {
      hint: 'Put a Java 17+ first on PATH (or set JAVA_HOME/bin first on PATH).',
    });
  }
  return major;
}

/** Makes sure the broker jars are resolved; runs Maven once when they are missing. */
export function ensureKafkaJars(libDir = defaultLibDir, resolveJars = true, log: (line: string) => void = () => {}): string {
  const hasJars = existsSync(libDir) && readdirSync(libDir).some((f) => /^kafka_2\.13-.*\.jar$/.test(f));
  if (hasJars) return libDir;
  if (!resolveJars) {
    throw new SetupError(`The Kafka broker jars are not in ${libDir}.`, { hint: `Resolve them with: mvn -B -q -f ${brokerPom} package` });
  }
  const mvn = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (mvn.error) {
    throw new SetupError('Maven was not found on PATH, and the Kafka broker jars are not resolved yet.', {
      cause: mvn.error,
      hint: `Install Maven (Debian: apt-get install maven), then run: mvn -B -q -f ${brokerPom} package`,
    });
  }
  log(`resolving Kafka broker jars with Maven into ${libDir} (once)`);
  const result = spawnSync('mvn', ['-B', '-q', '-f', brokerPom, 'package'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0 || !existsSync(libDir)) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-15).join('\n');
    throw new SetupError(`Maven could not resolve the Kafka broker jars (exit ${result.status}).\n${tail}`, {
      hint: 'Check that Maven Central is reachable (a proxy in ~/.m2/settings.xml?), then retry.',
    });
  }
  return libDir;
}

export async function freePort(port = 0): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function tcpConnects(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((done) => {
    const socket = new Socket();
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.connect(port, '127.0.0.1', () => finish(true));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function logTail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}

function properties(values: Record<string, string | number | boolean>): string {
  return `${Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}

/**
 * Kafka cluster ids are 16 random bytes in URL-safe base64 without padding (Uuid.toString). Like
 * Kafka's Uuid.randomUuid, never one that starts with '-': the storage tool would read it as a flag
 * (1 run in 64 failed that way before this).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

interface NodeState extends KafkaNode {
  child?: ChildProcess;
  exited?: Promise<void>;
  configFile: string;
}

export async function launchKafka(options: KafkaClusterOptions = {}): Promise<KafkaCluster> {
  const log = options.log ?? (() => {});
  checkJava();
  const libDir = ensureKafkaJars(options.libDir, options.resolveJars ?? true, log);
  const classpath = `${libDir}/*`;
  const ownsWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'kleak-kafka-'));
  mkdirSync(workDir, { recursive: true });
  const log4jFile = join(workDir, 'log4j2.properties');
  writeFileSync(log4jFile, log4j2);
  const nodeCount = options.nodes ?? 1;
  const clusterId = newClusterId();
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const heapMb = options.heapMb ?? (nodeCount === 1 ? 512 : 384);
  const jvmArgs = [`-Xms128m`, `-Xmx${heapMb}m`, '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${log4jFile}`, '-cp', classpath];

  if (options.brokerPorts && options.brokerPorts.length !== nodeCount) {
    throw new SetupError(`${options.brokerPorts.length} broker ports were given for ${nodeCount} nodes.`, { hint: 'Give one port per node, or none.' });
  }
  for (const port of options.brokerPorts ?? []) {
    await freePort(port).catch((cause) => {
      throw new SetupError(`Port ${port} on 127.0.0.1 is already taken, so a broker cannot listen there.`, {
        cause,
        hint: `Stop what listens there (ss -ltnp 'sport = :${port}' shows it), or pick another port, or give none and let kleak pick a free one.`,
      });
    });
  }
  const withSasl = options.saslPlainUsers !== undefined || options.scramUsers !== undefined;
  const tls = options.tls ? makeKeystore(workDir) : undefined;
  const nodes: NodeState[] = [];
  const writeConfigs = async () => {
    nodes.length = 0;
    for (let id = 1; id <= nodeCount; id++) {
      const dataDir = join(workDir, `node-${id}`, 'data');
      mkdirSync(dataDir, { recursive: true });
      nodes.push({ nodeId: id, brokerPort: options.brokerPorts?.[id - 1] ?? (await freePort()), controllerPort: await freePort(), ...(withSasl ? { saslPort: await freePort() } : {}), ...(tls ? { sslPort: await freePort() } : {}), dataDir, logFile: join(workDir, `node-${id}`, 'broker.log'), pid: undefined, configFile: join(workDir, `node-${id}`, 'server.properties') });
    }
    const voters = nodes.map((n) => `${n.nodeId}@127.0.0.1:${n.controllerPort}`).join(',');
    const replication = nodeCount === 3 ? 3 : 1;
    const users = options.saslPlainUsers;
    const jaasUsers = users ? Object.entries(users).map(([u, p]) => `user_${u}="${p}"`).join(' ') : '';
    const mechanisms = [...(users ? ['PLAIN'] : []), ...(options.scramUsers ? ['SCRAM-SHA-256', 'SCRAM-SHA-512'] : [])];
    const scramJaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
    for (const node of nodes) {
      const extra = `${withSasl ? `,SASL_PLAINTEXT://127.0.0.1:${node.saslPort}` : ''}${tls ? `,SSL://127.0.0.1:${node.sslPort}` : ''}`;
      writeFileSync(node.configFile, properties({
        'process.roles': 'broker,controller',
        'node.id': node.nodeId,
        'controller.quorum.voters': voters,
        listeners: `PLAINTEXT://127.0.0.1:${node.brokerPort},CONTROLLER://127.0.0.1:${node.controllerPort}${extra}`,
        'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.brokerPort}${extra}`,
        'controller.listener.names': 'CONTROLLER',
        'inter.broker.listener.name': 'PLAINTEXT',
        'listener.security.protocol.map': `CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${withSasl ? ',SASL_PLAINTEXT:SASL_PLAINTEXT' : ''}${tls ? ',SSL:SSL' : ''}`,
        ...(withSasl ? { 'sasl.enabled.mechanisms': mechanisms.join(',') } : {}),
        ...(users ? { 'listener.name.sasl_plaintext.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${jaasUsers};` } : {}),
        ...(options.scramUsers
          ? { 'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': scramJaas, 'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': scramJaas }
          : {}),
        ...(tls
          ? {
              'listener.name.ssl.ssl.keystore.type': 'PKCS12',
              'listener.name.ssl.ssl.keystore.location': tls.keystore,
              'listener.name.ssl.ssl.keystore.password': tls.password,
              'listener.name.ssl.ssl.key.password': tls.password,
            }
          : {}),
        ...(options.superUsers
          ? { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': ['User:ANONYMOUS', ...options.superUsers].join(';') }
          : {}),
        'log.dirs': node.dataDir,
        'offsets.topic.replication.factor': replication,
        'transaction.state.log.replication.factor': replication,
        'transaction.state.log.min.isr': Math.min(2, replication),
        'share.coordinator.state.topic.replication.factor': replication,
        'share.coordinator.state.topic.min.isr': Math.min(2, replication),
        ...(nodeCount === 3 ? { 'broker.session.timeout.ms': 3000, 'broker.heartbeat.interval.ms': 500 } : {}),
        ...defaultBrokerConfig,
        ...options.brokerConfig,
      }));
    }
  };

  const format = (node: NodeState) =>
    new Promise<void>((done, fail) => {
      const out = openSync(node.logFile, 'a');
      // SCRAM credentials live in the metadata log: the storage tool writes them at format time
      const scram = Object.entries(options.scramUsers ?? {}).flatMap(([name, password]) => ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${name},password=${password}]`]));
      const child = spawn('java', [...jvmArgs, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', node.configFile, '--ignore-formatted', ...scram], { stdio: ['ignore', out, out] });
      child.on('error', fail);
      child.on('exit', (code) => {
        closeSync(out);
        if (code === 0) done();
        else fail(new SetupError(`Formatting the storage of Kafka node ${node.nodeId} failed (exit ${code}).\n${logTail(node.logFile)}`, { hint: `Full log: ${node.logFile}` }));
      });
    });

  const start = (node: NodeState) => {
    const out = openSync(node.logFile, 'a');
    const child = spawn('java', [...jvmArgs, 'kafka.Kafka', node.configFile], { stdio: ['ignore', out, out] });
    closeSync(out);
    node.child = child;
    node.pid = child.pid;
    node.exited = new Promise((done) => child.once('exit', () => done()));
    child.once('exit', () => {
      node.pid = undefined;
      node.child = undefined;
    });
    liveNodes.add(node);
  };

  const waitReady = async (expectedBrokers: number, deadline: number, watched: NodeState[]) => {
    for (;;) {
      for (const node of watched) {
        if (node.child === undefined) {
          const tail = logTail(node.logFile);
          const portTaken = /Address already in use|BindException/.test(tail);
          throw Object.assign(new SetupError(`Kafka node ${node.nodeId} exited during start-up.\n${tail}`, { hint: portTaken ? 'A port was taken between choosing it and binding it; retry.' : `Full log: ${node.logFile}` }), { portTaken });
        }
      }
      if (Date.now() > deadline) {
        throw new SetupError(`Kafka did not answer a metadata request within ${timeoutMs} ms.\n${logTail(watched[0]!.logFile)}`, { hint: 'The machine may be overloaded; see the broker log above.' });
      }
      const up = await Promise.all(watched.map((n) => tcpConnects(n.brokerPort)));
      if (up.every(Boolean) && (await metadataBrokerCount(watched.map((n) => `127.0.0.1:${n.brokerPort}`))) >= expectedBrokers) return;
      await sleep(250);
    }
  };

  const started = Date.now();
  let attempt = 0;
  for (;;) {
    attempt++;
    await writeConfigs();
    try {
      await Promise.all(nodes.map(format));
      nodes.forEach(start);
      await waitReady(nodeCount, Date.now() + timeoutMs, nodes);
      break;
    } catch (error) {
      await Promise.all(nodes.map((n) => stopNodeState(n, 'kill')));
      if ((error as { portTaken?: boolean }).portTaken && attempt < 3) {
        log('a port was taken during start-up; retrying with new ports');
        for (const n of nodes) rmSync(join(workDir, `node-${n.nodeId}`), { recursive: true, force: true });
        continue;
      }
      if (ownsWorkDir && process.env.KLEAK_KEEP_BROKER_LOGS === undefined) rmSync(workDir, { recursive: true, force: true });
      throw error;
    }
  }
  const startupMs = Date.now() - started;
  const bootstrap = nodes.map((n) => `127.0.0.1:${n.brokerPort}`).join(',');
  log(`Kafka ${nodeCount === 1 ? 'broker' : `cluster of ${nodeCount}`} ready at ${bootstrap} in ${startupMs} ms`);

  const byId = (nodeId: number) => {
    const node = nodes.find((n) => n.nodeId === nodeId);
    if (!node) throw new Error(`no Kafka node ${nodeId}`);
    return node;
  };
  return {
    clusterId,
    bootstrap,
    ...(withSasl ? { saslBootstrap: nodes.map((n) => `127.0.0.1:${n.saslPort}`).join(',') } : {}),
    ...(tls ? { tlsBootstrap: nodes.map((n) => `127.0.0.1:${n.sslPort}`).join(','), tlsCaFile: tls.certPem } : {}),
    nodes,
    workDir,
    startupMs,
    stopNode: (nodeId, how = 'graceful') => stopNodeState(byId(nodeId), how),
    async startNode(nodeId) {
      const node = byId(nodeId);
      if (node.child) return;
      start(node);
      const others = nodes.filter((n) => n.child);
      await waitReady(others.length, Date.now() + timeoutMs, [node]);
    },
    async stop() {
      await Promise.all(nodes.map((n) => stopNodeState(n, 'graceful')));
      if (ownsWorkDir && process.env.KLEAK_KEEP_BROKER_LOGS === undefined) rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * A PKCS12 keystore with a self-signed RSA certificate for 127.0.0.1 and localhost (keytool comes with
 * the JDK the broker needs anyway), and that certificate as PEM for clients to trust.
 */
function makeKeystore(workDir: string): { keystore: string; password: string; certPem: string } {
  const keystore = join(workDir, 'broker.p12');
  const certPem = join(workDir, 'broker-cert.pem');
  const password = randomBytes(12).toString('hex');
  const run = (args: string[]) => {
    const r = spawnSync('keytool', args, { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      throw new SetupError(`keytool failed to make the brokers' TLS certificate: ${(r.error?.message ?? r.stderr ?? '').trim()}`, { hint: 'keytool comes with the JDK (Java 17); check that it is on the PATH.' });
    }
  };
  run(['-genkeypair', '-alias', 'broker', '-keyalg', 'RSA', '-keysize', '2048', '-dname', 'CN=localhost', '-ext', 'SAN=ip:127.0.0.1,dns:localhost', '-validity', '7', '-keystore', keystore, '-storetype', 'PKCS12', '-storepass', password, '-keypass', password]);
  run(['-exportcert', '-rfc', '-alias', 'broker', '-keystore', keystore, '-storetype', 'PKCS12', '-storepass', password, '-file', certPem]);
  return { keystore, password, certPem };
}

/** Asks the cluster for its brokers with a real Metadata request; 0 when it does not answer. */
export async function metadataBrokerCount(brokers: string[]): Promise<number> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1000, requestTimeout: 3000, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    const { brokers: found } = await admin.describeCluster();
    return found.length;
  } catch {
    return 0;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

const liveNodes = new Set<NodeState>();

async function stopNodeState(node: NodeState, how: 'graceful' | 'kill'): Promise<void> {
  const child = node.child;
  if (!child || !node.exited) return;
  child.kill(how === 'kill' ? 'SIGKILL' : 'SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), how === 'kill' ? 0 : stopGraceMs);
  await node.exited;
  clearTimeout(timer);
  liveNodes.delete(node);
}

// Whatever happens to the process that launched them, its brokers do not outlive it.
function killAllNodes(): void {
  for (const node of liveNodes) node.child?.kill('SIGKILL');
}
process.once('exit', killAllNodes);

/** Creates a topic (no error when it exists) and waits for its leader. */
export async function ensureTopic(bootstrap: string, topic: string, numPartitions = 1): Promise<void> {
  const admin = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true, timeout: 15_000 });
  } finally {
    await admin.disconnect();
  }
}
