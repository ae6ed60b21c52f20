// Starts and stops a real Apache Kafka cluster (KRaft, 1 or 3 nodes) on 127.0.0.1 from the jars
// broker/pom.xml resolves from Maven Central; used by the tests, by `npm run broker` and by `kleak demo`.
// This file supervises the processes; configuration, toolchain, ports and topics live beside it.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SetupError } from '../errors.js';
import { log4j2, newClusterId, nodeProperties, properties } from './broker-properties.js';
import { makeKeystore } from './keystore.js';
import { freePort, tcpConnects } from './ports.js';
import { checkJava, ensureKafkaJars } from './toolchain.js';
import { metadataBrokerCount } from './topics.js';
import type { KafkaCluster, KafkaClusterOptions, KafkaNode } from './types.js';

const stopGraceMs = 20_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function logTail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
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
  const jvmArgs = [
    `-Xms128m`,
    `-Xmx${heapMb}m`,
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jFile}`,
    '-cp',
    classpath,
  ];

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
      nodes.push({
        nodeId: id,
        brokerPort: options.brokerPorts?.[id - 1] ?? (await freePort()),
        controllerPort: await freePort(),
        ...(withSasl ? { saslPort: await freePort() } : {}),
        ...(tls ? { sslPort: await freePort() } : {}),
        ...(tls && withSasl ? { saslSslPort: await freePort() } : {}),
        dataDir,
        logFile: join(workDir, `node-${id}`, 'broker.log'),
        pid: undefined,
        configFile: join(workDir, `node-${id}`, 'server.properties'),
      });
    }
    const voters = nodes.map((n) => `${n.nodeId}@127.0.0.1:${n.controllerPort}`).join(',');
    for (const node of nodes) writeFileSync(node.configFile, properties(nodeProperties(node, { voters, nodeCount, tls, options })));
  };

  const format = (node: NodeState) =>
    new Promise<void>((done, fail) => {
      const out = openSync(node.logFile, 'a');
      // SCRAM credentials live in the metadata log: the storage tool writes them at format time
      const scram = Object.entries(options.scramUsers ?? {}).flatMap(([name, password]) =>
        ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${name},password=${password}]`]),
      );
      const child = spawn('java', [...jvmArgs, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', node.configFile, '--ignore-formatted', ...scram], {
        stdio: ['ignore', out, out],
      });
      child.on('error', fail);
      child.on('exit', (code) => {
        closeSync(out);
        if (code === 0) done();
        else
          fail(
            new SetupError(`Formatting the storage of Kafka node ${node.nodeId} failed (exit ${code}).\n${logTail(node.logFile)}`, {
              hint: `Full log: ${node.logFile}`,
            }),
          );
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
          throw Object.assign(
            new SetupError(`Kafka node ${node.nodeId} exited during start-up.\n${tail}`, {
              hint: portTaken ? 'A port was taken between choosing it and binding it; retry.' : `Full log: ${node.logFile}`,
            }),
            { portTaken },
          );
        }
      }
      if (Date.now() > deadline) {
        throw new SetupError(`Kafka did not answer a metadata request within ${timeoutMs} ms.\n${logTail(watched[0]!.logFile)}`, {
          hint: 'The machine may be overloaded; see the broker log above.',
        });
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
    ...(tls && withSasl ? { saslSslBootstrap: nodes.map((n) => `127.0.0.1:${n.saslSslPort}`).join(',') } : {}),
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
