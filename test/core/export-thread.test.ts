// kleak export's sampling thread: answers one request at a time; a thread that dies while serving a request fails
// that request and is replaced, and the next request is answered by the new thread. And a thread under the
// exporter's resource limits that runs out of old generation is replaced the same way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { samplerResourceLimits, samplerThread } from '../../src/core/export-thread.js';

// echoes a request's n doubled; 'die' exits the thread, 'oom' holds memory until the heap limit kills it
const code = `
const { parentPort } = require('node:worker_threads');
const kept = [];
parentPort.on('message', (m) => {
  if (m === 'die') process.exit(7);
  if (m === 'oom') for (;;) kept.push(new Array(100000).fill({ x: kept.length }));
  if (m === 'fail') return parentPort.postMessage({ error: 'bad' });
  parentPort.postMessage({ n: m * 2 });
});
`;
const answer = (m: unknown) => {
  const r = m as { n?: number; error?: string };
  if (r.error) throw new Error(r.error);
  return r.n!;
};

test('a thread that dies fails the request it serves and is replaced for the next', async () => {
  const said: string[] = [];
  let spawned = 0;
  const thread = samplerThread<number | string, number>(
    () => {
      spawned++;
      return new Worker(code, { eval: true, resourceLimits: samplerResourceLimits });
    },
    answer,
    (line) => said.push(line),
  );
  try {
    assert.equal(await thread.request(21), 42);
    await assert.rejects(thread.request('fail'), /bad/);
    assert.equal(await thread.request(2), 4, 'an error answer leaves the thread as it is');
    assert.equal(thread.restarts, 0);
    await assert.rejects(thread.request('die'), /exited \(code 7\)/);
    assert.equal(await thread.request(5), 10);
    assert.equal(thread.restarts, 1);
    assert.equal(spawned, 2);
    assert.match(said[0]!, /sampling thread exited \(code 7\)/);
  } finally {
    await thread.stop();
  }
});

test('a thread that runs out of its heap is replaced', async () => {
  const thread = samplerThread<number | string, number>(
    () => new Worker(code, { eval: true, resourceLimits: { ...samplerResourceLimits, maxOldGenerationSizeMb: 16 } }),
    answer,
  );
  try {
    await assert.rejects(thread.request('oom'));
    assert.equal(await thread.request(1), 2);
    assert.equal(thread.restarts, 1);
  } finally {
    await thread.stop();
  }
});
