// kleak heap --pid when things go wrong mid-snapshot, against real Node processes: kleak itself killed
// (SIGKILL, nothing can clean up) must not leave the target's inspector open — the lease kleak set in
// the target closes it; the target dying mid-snapshot is a clear exit 2, with no file left behind.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { inspectorLeaseMs } from '../../src/collectors/v8heap/take-snapshot.js';
import { freePort } from '../../src/local-kafka/ports.js';
import { repoRoot } from '../../src/repo-root.js';
import { waitFor } from '../helpers/fixtures.js';
import { pidAlive, portRefuses } from '../helpers/oracles.js';

const dir = mkdtempSync(join(tmpdir(), 'kleak-heap-faults-'));
const started: ChildProcess[] = [];
after(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A Node service with ~200 MB of small objects (its snapshot takes seconds) that answers /healthz. Ready when
 * it says so itself, once its own server listens (an answer on the port could come from another process that
 * took the port between freePort() and listen(): the target would then have died of EADDRINUSE).
 */
async function target(): Promise<{ child: ChildProcess; url: string; inspectPort: number; output: () => string }> {
  const inspectPort = await freePort();
  const httpPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      `--inspect-port=${inspectPort}`,
      '-e',
      `globalThis.ballast = Array.from({ length: 1_500_000 }, (_, i) => ({ i, s: 'x' + i })); require('http').createServer((q, r) => r.end('ok')).listen(${httpPort}, '127.0.0.1', () => console.log('listening'));`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  started.push(child);
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => (text += d));
  const output = () => `${text}${child.exitCode !== null || child.signalCode !== null ? `\n(exited: ${child.exitCode ?? child.signalCode})` : ''}`;
  await waitFor('the target to listen', async () => (text.includes('listening') ? true : undefined), 30_000, 50);
  const url = `http://127.0.0.1:${httpPort}/healthz`;
  await waitFor('the target to serve', async () => ((await fetch(url).catch(() => undefined))?.ok ? true : undefined), 30_000, 100);
  return { child, url, inspectPort, output };
}

function kleakHeap(pid: number, inspectPort: number, cwd: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin/kleak.js'), 'heap', '--pid', String(pid), '--yes', '--keep', '--inspect-port', String(inspectPort)],
    {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
    },
  );
  started.push(child);
  return child;
}

const partialIn = (cwd: string) => readdirSync(cwd).find((f) => f.endsWith('.heapsnapshot.partial') && statSync(join(cwd, f)).size > 0);

describe('kleak heap --pid, interrupted', () => {
  test('kleak SIGKILLed mid-snapshot: the target closes its own inspector within the lease, and still serves', async (t) => {
    const { child, url, inspectPort, output } = await target();
    const cwd = mkdtempSync(join(dir, 'killed-'));
    const kleak = kleakHeap(child.pid!, inspectPort, cwd);
    await waitFor('snapshot chunks to arrive', async () => (partialIn(cwd) ? true : undefined), 60_000, 20);
    assert.equal(await portRefuses(inspectPort), false, 'the inspector was open when kleak died');
    kleak.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor('the inspector port to close', async () => ((await portRefuses(inspectPort)) ? true : undefined), 60_000 + inspectorLeaseMs, 100);
    const closedAfterMs = Date.now() - killedAt;
    assert.ok(pidAlive(child.pid!), `the target is alive; its output:\n${output()}`);
    assert.equal((await fetch(url, { signal: AbortSignal.timeout(5000) })).status, 200, 'the target still serves');
    t.diagnostic(`inspector closed ${closedAfterMs} ms after kleak was killed (lease ${inspectorLeaseMs} ms, plus the rest of the snapshot)`);
  });

  test('the target dies mid-snapshot: exit 2 at once, saying so; no snapshot file is left', async () => {
    const { child, inspectPort } = await target();
    const cwd = mkdtempSync(join(dir, 'target-died-'));
    const kleak = kleakHeap(child.pid!, inspectPort, cwd);
    let stderr = '';
    kleak.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => kleak.once('exit', (code) => r(code)));
    await waitFor('snapshot chunks to arrive', async () => (partialIn(cwd) ? true : undefined), 60_000, 20);
    child.kill('SIGKILL');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /closed its inspector \(did it exit\?\)|exited/);
    assert.doesNotMatch(stderr, /^\s+at /m);
    assert.deepEqual(
      readdirSync(cwd).filter((f) => f.includes('heapsnapshot')),
      [],
    );
  });
});
