// kleak's footprint on a target under load: the operations that only read /proc and sock_diag (sockets, watch,
// top, export, diagnose without --drive) must not pause it — its p99 stays within the noise band measured without
// any operation in the same run — and the measure can tell a pause: a V8 heap snapshot, which stops the target's
// main thread while V8 writes it, is seen beyond the band in the same run. bench/footprint.mjs prints the full table.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { after, test } from 'node:test';
import { repoRoot } from '../../src/repo-root.js';
import { fixture } from '../helpers/fixtures.js';
import { footprintOperations, noiseBound, pinToCpu, summarize, withinNoise } from '../helpers/footprint.js';
import { sharedBootstrap } from '../helpers/kafka.js';
import { LoadProcess, type LoadWindow } from '../helpers/load.js';

const rate = 100;
const windowMs = 2000;
const rounds = 3;

for (const [runtime, name] of [
  ['node', 'kafkajs-per-request-fixed'],
  ['go', 'sarama-shared'],
] as const) {
  test(`${runtime} (${name}) under ${rate} requests/s: sockets, watch, top, export and diagnose leave its p99 within the noise band of the same run${runtime === 'node' ? '; a heap snapshot is beyond it' : ''}`, async (t) => {
    const bootstrap = await sharedBootstrap();
    const service = await fixture(name, { bootstrap });
    // the target and the load on one CPU, kleak (and this process, which starts it) on the other: what is
    // measured is what kleak does to the target, not two processes sharing a core
    const pinned = availableParallelism() >= 2;
    // /healthz: the target's own responsiveness, which any pause of it shows; /produce would add the broker's
    // latency, and the broker shares the host's CPUs with kleak (bench/footprint.mjs measures /produce, the broker pinned)
    const load = new LoadProcess(`${service.url}/healthz`, { rate, pid: service.pid });
    after(() => load.close());
    if (pinned) {
      pinToCpu(service.pid, 0);
      pinToCpu(load.pid, 0);
      pinToCpu(process.pid, 1);
    }
    await load.window(2000); // warm-up
    const ops = footprintOperations(runtime, { pid: service.pid, url: service.url, bootstrap, root: repoRoot, windowMs, kleakCpu: pinned ? 1 : undefined });
    const quiet = ops.filter((op) => op.readsOnly);
    assert.equal(quiet.length, 5);
    const without: LoadWindow[] = [];
    const withOp = new Map<string, LoadWindow[]>();
    for (let r = 0; r < rounds; r++) {
      for (const op of quiet) {
        without.push(await load.window(windowMs));
        withOp.set(op.name, [...(withOp.get(op.name) ?? []), await load.window(windowMs, () => op.run())]);
      }
    }
    for (const w of [...without, ...[...withOp.values()].flat()]) assert.equal(w.errors, 0, 'every request of the load was answered');
    const band = without.map((w) => w.p99);
    t.diagnostic(`p99 without any operation: ${Math.min(...band).toFixed(1)}–${Math.max(...band).toFixed(1)} ms over ${band.length} windows`);
    for (const op of quiet) {
      const s = summarize(without, withOp.get(op.name)!);
      t.diagnostic(`${op.name}: p99 ${s.p99With.toFixed(1)} ms (median of ${rounds}), max ${s.maxWith.toFixed(1)} ms`);
      assert.ok(
        withinNoise(without, withOp.get(op.name)!),
        `${op.name} moved the target's p99 to ${s.p99With.toFixed(1)} ms, beyond the band (≤ ${noiseBound(without).toFixed(1)} ms)`,
      );
    }
    if (runtime === 'node') {
      // the control: an operation that does pause the target is seen beyond the same band
      const snapshot = ops.find((op) => op.pauses)!;
      const paused = await load.window(windowMs, () => snapshot.run());
      t.diagnostic(`${snapshot.name}: p99 ${paused.p99.toFixed(1)} ms, max ${paused.max.toFixed(1)} ms`);
      assert.equal(withinNoise(without, [paused]), false, `a heap snapshot pauses the target: its p99 ${paused.p99.toFixed(1)} ms is beyond the band`);
    }
  });
}
