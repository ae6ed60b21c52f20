// Ground truth for every detector: each leaky fixture really leaks, measured by an independent
// oracle (ss, the pprof text, RSS / V8's own accounting), and each twin does not.
import assert from 'node:assert/strict';
import { before, describe, test, type TestContext } from 'node:test';
import { createTopic, sharedBootstrap } from '../helpers/kafka.js';
import { drive, fixture, getJson, waitFor } from '../helpers/fixtures.js';
import { goroutinesMatching, rssBytes, ssEstablished } from '../helpers/oracles.js';

const requests = 20;
let bootstrap: string;
before(async () => {
  bootstrap = await sharedBootstrap();
});

/** ss count for pid once two samples 500 ms apart agree (bounded). */
async function settledEstablished(pid: number): Promise<number> {
  let previous = -1;
  return waitFor(
    'broker connections to settle',
    async () => {
      const now = ssEstablished(pid, bootstrap.split(','));
      const stable = now === previous;
      previous = now;
      return stable ? now : undefined;
    },
    15_000,
    500,
  );
}

interface SocketGrowth {
  connections: number;
  metadataLoops: number;
}

async function growthAfterRequests(
  name: 'sarama-per-request' | 'sarama-per-request-fixed' | 'sarama-shared' | 'kafkajs-per-request' | 'kafkajs-per-request-fixed',
  t: TestContext,
): Promise<SocketGrowth> {
  const topic = await createTopic(bootstrap, name);
  const service = await fixture(name, { bootstrap, topic });
  const isGo = name.startsWith('sarama');
  await drive(`${service.url}/produce`, 1); // warm-up: what a healthy service opens once
  const connectionsBefore = await settledEstablished(service.pid);
  const loopsBefore = isGo ? (await goroutinesMatching(service.url, 'backgroundMetadataUpdater')).matching : 0;
  await drive(`${service.url}/produce`, requests);
  const connectionsAfter = await settledEstablished(service.pid);
  const loopsAfter = isGo ? (await goroutinesMatching(service.url, 'backgroundMetadataUpdater')).matching : 0;
  t.diagnostic(
    `${name}: ESTABLISHED ${connectionsBefore} → ${connectionsAfter} (ss), metadata loops ${loopsBefore} → ${loopsAfter} after ${requests} requests`,
  );
  return { connections: connectionsAfter - connectionsBefore, metadataLoops: loopsAfter - loopsBefore };
}

describe('per-request client fixtures, measured with ss and the pprof goroutine text', () => {
  test('sarama-per-request leaks 2 broker connections and 1 metadata loop per request', async (t) => {
    const growth = await growthAfterRequests('sarama-per-request', t);
    assert.ok(growth.connections >= 2 * requests, `expected ≥ ${2 * requests} more ESTABLISHED, ss saw ${growth.connections}`);
    assert.equal(growth.metadataLoops, requests);
  });

  test('sarama-per-request-fixed (client closed) leaves nothing behind', async (t) => {
    const growth = await growthAfterRequests('sarama-per-request-fixed', t);
    assert.equal(growth.connections, 0);
    assert.equal(growth.metadataLoops, 0);
  });

  test('sarama-shared (one producer for the process) opens nothing per request', async (t) => {
    const growth = await growthAfterRequests('sarama-shared', t);
    assert.equal(growth.connections, 0);
    assert.equal(growth.metadataLoops, 0);
  });

  test('kafkajs-per-request leaks at least one broker connection per request', async (t) => {
    const growth = await growthAfterRequests('kafkajs-per-request', t);
    assert.ok(growth.connections >= requests, `expected ≥ ${requests} more ESTABLISHED, ss saw ${growth.connections}`);
  });

  test('kafkajs-per-request-fixed (shared producer) opens nothing per request', async (t) => {
    const growth = await growthAfterRequests('kafkajs-per-request-fixed', t);
    assert.equal(growth.connections, 0);
  });
});

// 100 batches of 64 records x 4 KiB: each batch decompresses to 256 KiB.
const batches = 100;
const records = 64;
const batchBytes = records * 4096;
const fill = `batches=${batches}&records=${records}&bytes=4096`;

interface Stats {
  consumed: number;
  kept: number;
  pinnedBytes?: number;
  memory?: { arrayBuffers: number };
}

async function consumeAll(name: 'franz-retain' | 'franz-retain-fixed' | 'kafkajs-retain' | 'kafkajs-retain-fixed') {
  const topic = await createTopic(bootstrap, name);
  const service = await fixture(name, { bootstrap, topic, env: { GROUP: `${name}-${topic}` } });
  await drive(`${service.url}/fill?${fill}`, 1, { timeoutMs: 60_000 });
  await waitFor(
    `${name} to consume ${batches * records} records`,
    async () => {
      const stats = await getJson<Stats>(`${service.url}/stats`);
      return stats.consumed >= batches * records ? stats : undefined;
    },
    60_000,
    500,
  );
  await fetch(`${service.url}/gc`, { method: 'POST' });
  await new Promise((r) => setTimeout(r, 300));
  await fetch(`${service.url}/gc`, { method: 'POST' });
  return { service, stats: await getJson<Stats>(`${service.url}/stats`) };
}

describe('retaining consumers, measured by RSS and V8 accounting against their twins', () => {
  test('franz-retain pins its decompressed batches; franz-retain-fixed does not', async (t) => {
    const leaky = await consumeAll('franz-retain');
    const twin = await consumeAll('franz-retain-fixed');
    const extra = rssBytes(leaky.service.pid) - rssBytes(twin.service.pid);
    t.diagnostic(`RSS leaky ${(rssBytes(leaky.service.pid) / 1e6).toFixed(1)} MB, twin ${(rssBytes(twin.service.pid) / 1e6).toFixed(1)} MB`);
    // expected ≈ batches × batchBytes = 25.6 MB; require at least half of it
    assert.ok(extra >= (batches * batchBytes) / 2, `leaky RSS exceeds the twin's by only ${(extra / 1e6).toFixed(1)} MB`);
  });

  test('kafkajs-retain pins its decompressed batches; kafkajs-retain-fixed does not', async (t) => {
    const leaky = await consumeAll('kafkajs-retain');
    const twin = await consumeAll('kafkajs-retain-fixed');
    assert.equal(leaky.stats.kept, twin.stats.kept);
    const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
    t.diagnostic(
      `arrayBuffers leaky ${mb(leaky.stats.memory!.arrayBuffers)} (pinned by kept messages ${mb(leaky.stats.pinnedBytes!)}), twin ${mb(twin.stats.memory!.arrayBuffers)} (pinned ${mb(twin.stats.pinnedBytes!)})`,
    );
    // The runtime's own count: the kept messages of the leaky service hold the ArrayBuffers of their
    // decompressed batches (≈ batches × batchBytes), the twin's copies hold none of them.
    assert.ok(leaky.stats.pinnedBytes! >= 0.9 * batches * batchBytes, `kept messages pin only ${mb(leaky.stats.pinnedBytes!)}`);
    assert.equal(twin.stats.pinnedBytes, 0);
    // …and V8's accounting carries them. Not "leaky minus twin": kafkajs's own buffers (a connection's
    // receive buffer) vary between runs by up to ~12 MB in both services (seen: twin 2.3 to 13.6 MB).
    assert.ok(
      leaky.stats.memory!.arrayBuffers >= leaky.stats.pinnedBytes!,
      `arrayBuffers ${mb(leaky.stats.memory!.arrayBuffers)} < pinned ${mb(leaky.stats.pinnedBytes!)}`,
    );
    assert.ok(twin.stats.memory!.arrayBuffers < leaky.stats.memory!.arrayBuffers);
  });
});
