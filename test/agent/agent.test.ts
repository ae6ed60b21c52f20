// kleak/agent in a real Node process: SIGUSR2 writes a heap snapshot into the working directory, through
// heapdump when its addon loads and through v8.writeHeapSnapshot when it does not (npm may not have built
// it); the agent says which it uses.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../../src/repo-root.js';
import { waitFor } from '../helpers/fixtures.js';
import { setupPaths } from '../helpers/setup-paths.js';

const dir = mkdtempSync(join(tmpdir(), 'kleak-agent-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// a preload that makes require('heapdump') fail, as it does when npm did not build the addon
const noAddon = join(dir, 'no-heapdump.cjs');
writeFileSync(
  noAddon,
  "const Module = require('node:module'); const resolve = Module._resolveFilename; Module._resolveFilename = function (request, ...rest) { if (request === 'heapdump') throw new Error('Cannot find module heapdump/build/Release/addon'); return resolve.call(this, request, ...rest); };",
);

for (const [name, preload, expected] of [
  ['with the heapdump addon', [] as string[], 'heapdump'],
  ['without it: v8.writeHeapSnapshot', ['-r', noAddon], 'v8.writeHeapSnapshot'],
] as const) {
  test(`SIGUSR2 writes a snapshot ${name}`, async () => {
    if (expected === 'heapdump')
      assert.ok(
        existsSync(setupPaths.heapdumpAddon),
        'the heapdump addon is not built: npm test builds it in its set-up (an optional dependency npm ci drops when node-gyp finds no headers); alone: node scripts/setup.mjs heapdump',
      );
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const child = spawn(process.execPath, [...preload, '-r', join(repoRoot, 'agent/index.cjs'), '-e', 'setInterval(() => {}, 1000)'], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      await waitFor('the agent to load', async () => (stderr.includes('kleak/agent') ? true : undefined), 10_000, 50);
      assert.match(stderr, new RegExp(`\\(${expected.replace('.', '\\.')}\\)`));
      child.kill('SIGUSR2');
      const file = await waitFor(
        'a snapshot file',
        async () => {
          const f = readdirSync(cwd).find((n) => n.endsWith('.heapsnapshot'));
          return f && statSync(join(cwd, f)).size > 100_000 ? f : undefined;
        },
        30_000,
        100,
      );
      assert.match(file, /^heapdump-\d+/);
    } finally {
      child.kill('SIGKILL');
    }
  });
}
