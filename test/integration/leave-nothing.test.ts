// kleak leaves the target as it found it: after each operation of bench/footprint.mjs, run against an idle service
// of each runtime, the target's open files, listeners, CLOSE_WAIT sockets, threads, tracer and run state, and the
// files kleak could leave in its cwd or /tmp (a snapshot, a heap dump, an attach trigger) are as before. The one
// exception is HotSpot's: the first attach starts the JVM's Attach Listener thread and its /tmp/.java_pid socket,
// which stay for the JVM's life — kleak says so in its output, and the test holds it to that.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { freePort } from '../../src/local-kafka/ports.js';
import WebSocket from 'ws';
import { repoRoot } from '../../src/repo-root.js';
import { runKleak } from '../helpers/cli.js';
import { fixture, waitFor } from '../helpers/fixtures.js';
import { footprintOperations } from '../helpers/footprint.js';
import { sharedBootstrap } from '../helpers/kafka.js';
import { portRefuses } from '../helpers/oracles.js';
import { added, targetState, type TargetState } from '../helpers/target-state.js';

const services = {
  node: 'kafkajs-per-request-fixed',
  go: 'sarama-shared',
  jvm: 'java-producer-per-request-fixed',
  python: 'python-flask-confluent-shared',
} as const;

/** The parts of a state that an operation must not change (fd count aside: see below). */
function comparable(s: TargetState) {
  return { files: s.files, listening: s.listening, closeWait: s.closeWait, tracerPid: s.tracerPid, stopped: /[Tt]/.test(s.state) };
}

/**
 * What this test sees in a Node target through an inspector session of its own, opened and closed around kleak's:
 * whether kleak's lease global is still there, and the target's active handles and requests by kind.
 */
async function nodeInside(pid: number, port: number): Promise<{ lease: string; resources: string[] }> {
  process.kill(pid, 'SIGUSR1');
  const wsUrl = await waitFor(
    'the inspector to open',
    async () =>
      ((await (await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(500) })).json()) as Array<{ webSocketDebuggerUrl?: string }>)[0]
        ?.webSocketDebuggerUrl,
    10_000,
    100,
  );
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const answer = new Promise<string>((resolve) =>
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as { id?: number; result?: { result?: { value?: string } } };
      if (m.id === 1) resolve(m.result?.result?.value ?? '');
    }),
  );
  // connections come and go with the service's clients (an idle keep-alive closes): timers and the other handles
  const expression = `JSON.stringify({ lease: typeof globalThis.__kleakInspectorLease, resources: process.getActiveResourcesInfo().filter((r) => r !== 'TCPSocketWrap').sort() })`;
  ws.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression } }));
  const value = JSON.parse(await answer) as { lease: string; resources: string[] };
  ws.send(JSON.stringify({ id: 2, method: 'Runtime.evaluate', params: { expression: 'process._debugEnd()' } }));
  await new Promise((r) => setTimeout(r, 300));
  ws.terminate();
  await waitFor('the probe to close the inspector', async () => ((await portRefuses(port)) ? true : undefined), 10_000, 100);
  return value;
}

describe('kleak leaves nothing behind in the target', () => {
  for (const [runtime, name] of Object.entries(services) as Array<[keyof typeof services, string]>) {
    test(`${runtime} (${name}): after every operation, its files, listeners, threads, tracer and cwd//tmp are as before`, async (t) => {
      if (runtime === 'python' && !existsSync(`${repoRoot}/fixtures/python/.venv/bin/py-spy`)) assert.fail('the set-up makes fixtures/python/.venv');
      const bootstrap = await sharedBootstrap();
      const service = await fixture(name as never, { bootstrap });
      const ops = footprintOperations(runtime, { pid: service.pid, url: service.url, bootstrap, root: repoRoot, windowMs: 2000 });
      let jvmAttached = false;
      for (const op of ops) {
        const before = targetState(service.pid);
        const inside = runtime === 'node' && op.pauses ? await nodeInside(service.pid, 9229) : undefined;
        const { output = '' } = await op.run();
        // a closed connection's end in the target is read and closed by its event loop: a moment, bounded
        const after = await waitFor(
          `${op.name} to leave ${name} as it was`,
          async () => {
            const now = targetState(service.pid);
            return JSON.stringify(comparable(now)) === JSON.stringify(comparable(before)) ? now : undefined;
          },
          5000,
          100,
        ).catch(() => targetState(service.pid));
        assert.deepEqual(comparable(after), comparable(before), `${op.name}: the target's files, listeners, CLOSE_WAIT sockets, tracer and state`);
        assert.deepEqual(added(before.leftovers, after.leftovers), [], `${op.name} left files in the target's cwd or /tmp`);
        const newThreads = added(before.threads, after.threads);
        if (runtime === 'jvm' && !jvmAttached && op.pauses) {
          // the first attach: HotSpot's listener, which stays; kleak's output says so (checked below)
          assert.deepEqual(newThreads, ['Attach Listener'], `${op.name}: only the Attach Listener is new`);
          assert.match(output, /"listenerStarted":\s*true/, `${op.name} says it started the Attach Listener`);
          jvmAttached = true;
        } else if (runtime === 'go') {
          // the Go runtime keeps the OS threads it made (Ms are never given back): a count that may grow, no names
          assert.ok(
            newThreads.every((n) => n === name.slice(0, 15)),
            `${op.name}: new threads ${newThreads.join(', ')}`,
          );
        } else {
          assert.deepEqual(newThreads, [], `${op.name} left threads running in the target`);
        }
        t.diagnostic(`${op.name}: ${before.fdCount} → ${after.fdCount} fds, ${before.threads.length} → ${after.threads.length} threads`);
        if (inside) {
          const afterInside = await nodeInside(service.pid, 9229);
          assert.equal(afterInside.lease, 'undefined', "kleak's inspector lease is gone from the target");
          assert.deepEqual(afterInside.resources, inside.resources, 'no timer or handle of kleak left in the target');
        }
      }
      if (runtime === 'jvm') {
        assert.ok(jvmAttached, 'an operation attached');
        const r = await runKleak(['sockets', '--pid', String(service.pid), '--bootstrap', bootstrap, '--attach', '--yes']);
        assert.match(r.stdout, /Attach Listener was running already/, 'a later attach says the listener was there');
      }
    });
  }
});

test('a Node process whose inspector port is not 9229: kleak heap finds the port SIGUSR1 opened, takes the snapshot and closes it (it used to wait on 9229 and leave it open)', async () => {
  const bootstrap = await sharedBootstrap();
  const inspectPort = await freePort();
  const service = await fixture('kafkajs-per-request-fixed', { bootstrap, env: { NODE_OPTIONS: `--inspect-port=${inspectPort}` } });
  const before = targetState(service.pid);
  const r = await runKleak(['heap', '--pid', String(service.pid), '--yes', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok((JSON.parse(r.stdout) as { kafka: { connections: number } }).kafka.connections >= 1, "a heap report with the producer's connections");
  assert.equal(await portRefuses(inspectPort), true, `the inspector on ${inspectPort} is closed again`);
  assert.deepEqual(targetState(service.pid).listening, before.listening);
});
