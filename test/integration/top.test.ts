// kleak top against real services: every process with broker connections on the host, each one's
// ESTABLISHED count equal to ss's for that PID, a process without any absent; --watch gives the growth
// between two samples as the requests driven in between make it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { repoRoot } from '../../src/repo-root.js';
import { runKleak, runKleakJson } from '../helpers/cli.js';
import { drive, fixture, waitFor } from '../helpers/fixtures.js';
import { createTopic, sharedBootstrap } from '../helpers/kafka.js';
import { assertSchema } from '../helpers/schema.js';
import { ssEstablished } from '../helpers/oracles.js';

let bootstrap: string;
before(async () => {
  bootstrap = await sharedBootstrap();
});

describe('kleak top', () => {
  test('the Go and the Node service with their broker connections, equal to ss; a service without any is not listed', async (t) => {
    const sarama = await fixture('sarama-per-request', { bootstrap, topic: await createTopic(bootstrap, 'top-sarama') });
    const kafkajs = await fixture('kafkajs-per-request', { bootstrap, topic: await createTopic(bootstrap, 'top-kafkajs') });
    const idle = await fixture('kafkajs-per-request', { bootstrap, topic: await createTopic(bootstrap, 'top-idle') }); // never driven: no broker socket
    await drive(`${sarama.url}/produce`, 3);
    await drive(`${kafkajs.url}/produce`, 4);
    const { json } = await runKleakJson(['top', '--bootstrap', bootstrap], 'top');
    const row = (pid: number) => json.processes.find((p: { pid: number }) => p.pid === pid);
    for (const s of [sarama, kafkajs]) {
      const ss = ssEstablished(s.pid, [bootstrap]);
      t.diagnostic(`${s.name} (PID ${s.pid}): kleak ${row(s.pid)?.totals.established} ESTABLISHED, ss ${ss}`);
      assert.ok(row(s.pid), `PID ${s.pid} listed`);
      assert.equal(row(s.pid).totals.established, ss);
    }
    assert.equal(row(sarama.pid).runtime, 'go');
    assert.equal(row(sarama.pid).library, 'sarama');
    assert.equal(row(kafkajs.pid).runtime, 'node');
    assert.equal(row(idle.pid), undefined, 'a process with no broker socket is not a row');
    // as root with iproute2 (CI) the tables come through sock_diag; forced to /proc the counts are the same
    assert.equal(json.method, process.getuid?.() === 0 && spawnSync('ss', ['-V']).status === 0 ? 'sock_diag' : '/proc');
    const viaProc = await runKleakJson(['top', '--bootstrap', bootstrap], 'top', { env: { KLEAK_SOCKETS_FROM: 'proc' } });
    assert.equal(viaProc.json.method, '/proc');
    for (const s of [sarama, kafkajs]) {
      const p = viaProc.json.processes.find((r: { pid: number }) => r.pid === s.pid);
      assert.equal(p?.totals.established, row(s.pid).totals.established, `${s.name} through /proc`);
    }
    assert.ok(json.namespacesWithBrokers >= 1 && json.namespacesWithBrokers <= json.namespaces);
    assert.ok(!json.processes.some((p: { pid: number }) => p.pid === process.pid), 'the test runner itself holds no broker socket');
    assert.equal(json.unattributedBrokerSockets, 0, 'as root every broker socket has its process (kleak’s own excluded)');
  });

  test('without the rights to read the services (kleak as nobody): their broker sockets are counted, said unattributed, not dropped', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to run kleak as another user');
    const sarama = await fixture('sarama-per-request', { bootstrap, topic: await createTopic(bootstrap, 'top-nobody') });
    await drive(`${sarama.url}/produce`, 3);
    // a process of nobody's in the host's network namespace, as a debug container's shell would be
    const shell = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sleep', '120'], { stdio: 'ignore' });
    t.after(() => shell.kill('SIGKILL'));
    const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'];
    const { json } = await runKleakJson(['top', '--bootstrap', bootstrap], 'top', { wrap: asNobody });
    const ss = ssEstablished(sarama.pid, [bootstrap]);
    t.diagnostic(`as nobody: ${json.processes.length} processes, ${json.unattributedBrokerSockets} broker sockets unattributed; ss: ${ss} for the service`);
    assert.equal(
      json.processes.find((p: { pid: number }) => p.pid === sarama.pid),
      undefined,
    );
    assert.ok(ss >= 6 && json.unattributedBrokerSockets >= ss, `${json.unattributedBrokerSockets} unattributed, ss ${ss}`);
    assert.ok(json.warnings.some((w: string) => /processes could not be read/.test(w)));
    const text = await runKleak(['top', '--bootstrap', bootstrap], { wrap: asNobody });
    assert.match(text.stdout, new RegExp(`${json.unattributedBrokerSockets} sockets to the brokers belong to processes kleak could not read`));
  });

  test('--watch: the growth between two samples is what the requests driven in between opened', async (t) => {
    const sarama = await fixture('sarama-per-request', { bootstrap, topic: await createTopic(bootstrap, 'top-watch') });
    await drive(`${sarama.url}/produce`, 1);
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'bin/kleak.js'), 'top', '--bootstrap', bootstrap, '--watch', '--interval', '4s', '--count', '2', '--json'],
      {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: string[] = [];
    let buffered = '';
    child.stdout.on('data', (d) => {
      buffered += d;
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      lines.push(...parts.filter(Boolean));
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await waitFor('the first sample', async () => (lines.length >= 1 ? true : undefined), 30_000, 50);
      const before = ssEstablished(sarama.pid, [bootstrap]);
      await drive(`${sarama.url}/produce`, 3); // a Sarama client per request: 2 connections each
      const after = ssEstablished(sarama.pid, [bootstrap]);
      assert.equal(await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]), 0);
      assert.equal(lines.length, 2);
      const [first, second] = lines.map((l) => JSON.parse(l));
      for (const l of [first, second]) assertSchema('top', l);
      const row = second.processes.find((p: { pid: number }) => p.pid === sarama.pid);
      t.diagnostic(`growth ${row.growth}; ss ${before} → ${after}`);
      assert.equal(row.growth, after - before);
      assert.ok(row.growth >= 6);
      assert.equal(first.processes.find((p: { pid: number }) => p.pid === sarama.pid).growth, undefined, 'no growth on the first sample');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
