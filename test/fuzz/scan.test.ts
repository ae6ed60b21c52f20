// Fuzz tests for the static scan (fixed seed, bounded time): mutated Go and JS/TS sources from
// fixtures/scan go through the parse and the analysis without an exception other than a bad-input one,
// in linear time — a syntax error or a deep nesting in a repository never stops a scan. JS/TS is parsed the
// way the scan parses it, in a worker thread with a large stack (oxc recurses natively: on the main thread a
// 10,000-deep expression kills the process with SIGSEGV), so the JS cases go through that worker.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { goBatchSync } from '../../src/collectors/source/batch.js';
import { goParser } from '../../src/collectors/source/go/tree.js';
import { repoRoot } from '../../src/repo-root.js';
import { fuzzParser } from './fuzz-harness.js';
import { applyAll, fuzzOptions, mutations } from './mutations.js';

const fixture = (path: string) => readFileSync(join(repoRoot, 'fixtures/scan', path), 'utf8');

test('Go sources: tree-sitter tree, then the package analysis (as the scan runs them: goBatch)', async (t) => {
  await goParser();
  for (const file of ['go/client-per-request/handlers.go', 'go/records-pin-buffers/consumer.go', 'go/client-not-closed/worker.go'])
    fuzzParser(t, `scan ${file}`, fixture(file), (text) => goBatchSync([[{ path: 'a.go', source: text }]]), 150);
});

test('JS/TS sources through the scan worker: every case answered, none crashes it, each in linear time', async (t) => {
  const worker = new Worker(new URL('../../src/collectors/source/scan-worker.js', import.meta.url), { resourceLimits: { stackSizeMb: 512 } });
  const ask = (message: unknown) =>
    new Promise<{ ok?: unknown; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage(message);
    });
  try {
    for (const [file, path] of [
      ['js/client-per-request/app.js', 'a.js'],
      ['ts/records-pin-buffers/cache.ts', 'a.ts'],
      ['js/client-not-closed/job.mjs', 'a.mjs'],
    ] as const) {
      const cases = fc.sample(mutations, { ...fuzzOptions(120), numRuns: 120 });
      let slowest = 0;
      for (const list of cases) {
        const source = applyAll(fixture(file), list);
        const started = performance.now();
        const parsed = await ask({ type: 'js-parse', files: [{ path, source }] });
        const analysed = await ask({ type: 'js-analyze', exported: parsed.ok ?? [], known: [path] });
        const ms = performance.now() - started;
        slowest = Math.max(slowest, ms);
        assert.equal(parsed.error, undefined, `${file} after ${list.map((m) => m.kind).join(' + ')}: ${parsed.error}`);
        assert.equal(analysed.error, undefined, `${file} after ${list.map((m) => m.kind).join(' + ')}: ${analysed.error}`);
        assert.ok(
          ms < 5000 + (20_000 * source.length) / 1e6,
          `${file}: ${ms.toFixed(0)} ms on ${source.length} chars after ${list.map((m) => m.kind).join(' + ')}`,
        );
      }
      t.diagnostic(`scan ${file}: ${cases.length} cases through the worker, slowest ${slowest.toFixed(0)} ms`);
    }
    // the deep nesting that crashes oxc on the main thread's stack
    const deep = `const z = ${'a+'.repeat(200_000)}1;\n${'('.repeat(20_000)}1${')'.repeat(20_000)};\n`;
    assert.equal((await ask({ type: 'js-parse', files: [{ path: 'deep.js', source: deep }] })).error, undefined);
    assert.equal((await ask({ type: 'js-analyze', exported: [], known: ['deep.js'] })).error, undefined);
  } finally {
    await worker.terminate();
  }
});
