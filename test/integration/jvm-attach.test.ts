// kleak sockets --attach --yes: the HotSpot attach protocol spoken by kleak itself, against real JVMs (the
// kafka-clients fixture that builds a producer per request). As root on a JVM of another user (nobody), and on
// a JVM alone in its PID and mount namespaces (PID 1 there, its /tmp a tmpfs of its own: everything through
// /proc/PID/root); the thread dump and histogram checked against the JDK's own jcmd. And the refusals, each
// leaving the JVM alive and sent nothing: -XX:+DisableAttachMechanism, and -Xrs once its socket is gone (SIGQUIT
// would kill it); a -Xrs JVM whose socket is there is attached without any signal. Needs root, as CI runs it.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../src/local-kafka/ports.js';
import { repoRoot } from '../../src/repo-root.js';
import { runKleak, runKleakJson } from '../helpers/cli.js';
import { drive, waitFor } from '../helpers/fixtures.js';
import { createTopic, sharedBootstrap } from '../helpers/kafka.js';
import { pidAlive } from '../helpers/oracles.js';

const target = join(repoRoot, 'fixtures/java/target');
const javaArgs = (flags: string[], classpath = target) => [
  ...flags,
  '-Xmx256m',
  '-cp',
  `${classpath}/classes:${classpath}/libs/*`,
  'kleak.fixtures.ProducerPerRequest',
];
const root = process.getuid?.() === 0;
const why = root ? false : process.env.CI ? false : 'needs root (another user, namespaces)';

let bootstrap: string;
let topic: string;
const started: ChildProcess[] = [];
/** the java processes themselves: under unshare's fork the JVM is not the child, and outlives a killed unshare */
const jvms: number[] = [];
before(async () => {
  bootstrap = await sharedBootstrap();
  topic = await createTopic(bootstrap, 'jvm-attach');
});
after(() => {
  for (const pid of jvms) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts the JVM fixture under a wrapper (setpriv, unshare); its host PID (the java process) and URL once it answers. */
async function startJvm(wrap: string[], flags: string[] = [], classpath = target): Promise<{ pid: number; url: string; log: () => string }> {
  const port = await freePort();
  const command = [...wrap, 'java', ...javaArgs(flags, classpath)];
  const child = spawn(command[0]!, command.slice(1), {
    env: { PATH: process.env.PATH ?? '', KAFKA_BROKERS: bootstrap, PORT: String(port), TOPIC: topic },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: '/tmp',
  });
  started.push(child);
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => (text += d));
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the JVM to answer /healthz', async () => ((await fetch(`${url}/healthz`).catch(() => undefined))?.ok ? true : undefined), 30_000, 100);
  // the java process itself: the child, or the child's descendant under unshare's fork
  const pid = await waitFor('the java process', async () => {
    const all = execFileSync('pgrep', ['-f', 'kleak.fixtures.ProducerPerRequest'], { encoding: 'utf8' }).trim().split('\n').map(Number);
    return all.find(
      (p) => readFileSync(`/proc/${p}/environ`, 'latin1').includes(`PORT=${port}\0`) && readFileSync(`/proc/${p}/comm`, 'latin1').trim() === 'java',
    );
  });
  jvms.push(pid);
  return { pid, url, log: () => text };
}

const jcmdThreadNames = (pid: number, wrap: string[] = []) =>
  execFileSync(wrap[0] ?? 'jcmd', [...wrap.slice(1), ...(wrap.length ? ['jcmd'] : []), String(pid), 'Thread.print'], { encoding: 'utf8', timeout: 30_000 })
    .split('\n')
    .filter((l) => l.startsWith('"kafka-producer-network-thread'))
    .map((l) => /\| (producer-\d+)"/.exec(l)?.[1])
    .sort();

interface AttachJson {
  processes: Array<{
    pid: number;
    jvm: {
      attach: {
        clients: Array<{ kind: string; clientId?: string }>;
        builtAtLeast: { producers: number };
        histogram: Record<string, { instances: number }>;
        listenerStarted: boolean;
      };
    };
  }>;
}

describe('kleak sockets --attach --yes (the HotSpot attach protocol, from TypeScript)', { skip: why }, () => {
  test('as root on a JVM of another user (nobody): its thread dump and histogram, as jcmd gives them', async (t) => {
    const jvm = await startJvm(['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups']);
    await drive(`${jvm.url}/produce`, 4);
    const { json, code } = await runKleakJson(['sockets', '--pid', String(jvm.pid), '--bootstrap', bootstrap, '--attach', '--yes'], 'sockets');
    assert.equal(code, 0);
    const a = (json as AttachJson).processes[0]!.jvm.attach;
    t.diagnostic(
      `kleak: ${a.clients.map((c) => c.clientId).join(', ')}; listener started ${a.listenerStarted}; Selector ${a.histogram['org.apache.kafka.common.network.Selector']?.instances}`,
    );
    assert.equal(a.listenerStarted, true, 'kleak started the attach listener (SIGQUIT, trigger file owned by nobody)');
    const ids = a.clients.map((c) => c.clientId!).sort();
    assert.deepEqual(
      ids,
      jcmdThreadNames(jvm.pid, ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups']),
      'the same client ids as jcmd, run as the JVM’s user',
    );
    assert.equal(ids.length, 4);
    assert.equal(a.builtAtLeast.producers, 4);
    assert.equal(a.histogram['org.apache.kafka.common.network.Selector']?.instances, 4, 'a Selector per producer');
    assert.equal(a.histogram['org.apache.kafka.clients.producer.internals.Sender']?.instances, 4);
    assert.ok(pidAlive(jvm.pid), 'the JVM is alive');
    const names = execFileSync('ps', ['-L', '-o', 'comm=', '-p', String(jvm.pid)], { encoding: 'utf8' });
    assert.match(names, /Attach Listene/, 'the Attach Listener thread stays, as the report says');
    assert.ok(!existsSync(`/tmp/.attach_pid${jvm.pid}`), 'the trigger file is removed');
  });

  test('a JVM alone in its PID and mount namespaces (PID 1, a /tmp of its own): attached through /proc/PID/root', async (t) => {
    // the classes through a bind mount outside /tmp (the clone may live under /tmp, which the JVM's own tmpfs hides)
    const mountpoint = mkdtempSync('/var/tmp/kleak-jvm-classpath-');
    t.after(() => rmSync(mountpoint, { recursive: true, force: true }));
    const jvm = await startJvm(
      [
        'unshare',
        '--kill-child',
        '--pid',
        '--fork',
        '--mount-proc',
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount --bind '${target}' '${mountpoint}' && mount -t tmpfs tmpfs /tmp && exec "$0" "$@"`,
      ],
      [],
      mountpoint,
    );
    await drive(`${jvm.url}/produce`, 3);
    const status = readFileSync(`/proc/${jvm.pid}/status`, 'latin1');
    assert.match(status, /^NSpid:\s+\d+\s+1$/m, 'PID 1 in its namespace');
    assert.ok(!existsSync(`/tmp/.java_pid1`), 'nothing of it in the host’s /tmp');
    const { json, code } = await runKleakJson(['sockets', '--pid', String(jvm.pid), '--bootstrap', bootstrap, '--attach', '--yes'], 'sockets');
    assert.equal(code, 0);
    const p = (json as AttachJson & { processes: Array<{ jvm: { threads: { producers: number }; counters?: { started: number } } }> }).processes[0]!;
    assert.equal(p.jvm.threads.producers, 3);
    assert.ok(p.jvm.counters, 'hsperfdata read through /proc/PID/root/tmp');
    assert.deepEqual(p.jvm.attach.clients.map((c) => c.clientId).sort(), ['producer-1', 'producer-2', 'producer-3']);
    assert.ok(existsSync(`/proc/${jvm.pid}/root/tmp/.java_pid1`), 'its socket, in its own /tmp');
  });

  test('-XX:+DisableAttachMechanism: exit 2, a clear reason, nothing sent (no thread dump in its output)', async () => {
    const jvm = await startJvm([], ['-XX:+DisableAttachMechanism']);
    const r = await runKleak(['sockets', '--pid', String(jvm.pid), '--bootstrap', bootstrap, '--attach', '--yes']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /does not allow attach \(it runs with -XX:\+DisableAttachMechanism\)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(pidAlive(jvm.pid));
    assert.doesNotMatch(jvm.log(), /Full thread dump/, 'no SIGQUIT: no thread dump on its stdout');
  });

  test('-Xrs: attached without a signal while its socket is there; refused (exit 2, alive) once it is gone', async () => {
    const jvm = await startJvm([], ['-Xrs']);
    const sigcgt = BigInt(`0x${/^SigCgt:\s*(\w+)/m.exec(readFileSync(`/proc/${jvm.pid}/status`, 'latin1'))![1]}`);
    assert.equal(sigcgt & 4n, 0n, '-Xrs: SIGQUIT is not caught');
    const socket = `/tmp/.java_pid${jvm.pid}`;
    await waitFor('the listener -Xrs starts at start-up', async () => (existsSync(socket) ? true : undefined), 10_000, 100);
    const ok = await runKleakJson(['sockets', '--pid', String(jvm.pid), '--bootstrap', bootstrap, '--attach', '--yes'], 'sockets');
    assert.equal(ok.code, 0);
    assert.equal((ok.json as AttachJson).processes[0]!.jvm.attach.listenerStarted, false, 'found running: no signal sent');
    rmSync(socket); // as a tmp cleaner would
    const r = await runKleak(['sockets', '--pid', String(jvm.pid), '--bootstrap', bootstrap, '--attach', '--yes']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /does not catch SIGQUIT .* SIGQUIT would end it, so kleak sends nothing/);
    await new Promise((done) => setTimeout(done, 500));
    assert.ok(pidAlive(jvm.pid), 'still running');
  });

  test('without --yes and without a terminal: exit 2, asking for consent, nothing attached', async () => {
    const jvm = await startJvm([]);
    const r = await runKleak(['sockets', '--pid', String(jvm.pid), '--bootstrap', bootstrap, '--attach']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Confirm with --yes/);
    assert.ok(!existsSync(`/tmp/.java_pid${jvm.pid}`), 'no listener was started');
  });
});
