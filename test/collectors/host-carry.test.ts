// kleak export and top --watch keep what each network namespace's last read found and read it again only when
// Linux's per-namespace TCP counters, its processes or their fd counts change, or every fullReadEvery looks. On a
// namespace of its own (unshare -n) holding a listener on 127.0.0.1:9092 and connections to it: an unchanged
// namespace is not read again and gives the same rows; a new connection, a new process and a new fd are each
// seen at the next look; and the full read comes back on its cadence.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { hostLookCarry, readHostTop } from '../../src/collectors/host/index.js';
import { nodeProcReader } from '../../src/collectors/process/read-proc.js';

const holder = `
import socket, sys, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind(('127.0.0.1', 9092)); srv.listen(64)
accepted, files = [], []
def accept():
    while True:
        c, _ = srv.accept(); accepted.append(c)
threading.Thread(target=accept, daemon=True).start()
clients = [socket.create_connection(('127.0.0.1', 9092)) for _ in range(3)]
print('ready', flush=True)
for line in sys.stdin:
    cmd = line.strip()
    if cmd == 'open': clients.append(socket.create_connection(('127.0.0.1', 9092)))
    elif cmd == 'file': files.append(open('/proc/self/status'))
    print('ok', flush=True)
`;

test('a namespace unchanged since its last read is not read again; a connection, a process, an fd each make the next look read it', async (t) => {
  if (process.getuid?.() !== 0 || spawnSync('unshare', ['--version']).status !== 0) return t.skip('needs root and unshare for a namespace of its own');
  const child: ChildProcess = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec python3 -c "$0"', holder], { stdio: ['pipe', 'pipe', 'inherit'] });
  const extra: ChildProcess[] = [];
  t.after(() => {
    child.kill('SIGKILL');
    for (const c of extra) c.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the holder did not answer in 10 s')), 10_000).unref());
    return (await Promise.race([lines.next(), timeout])).value as string;
  };
  assert.equal(await next(), 'ready');
  const send = async (command: string) => {
    child.stdin!.write(`${command}\n`);
    assert.equal(await next(), 'ok');
  };
  const pid = child.pid!;
  const netns = readlinkSync(`/proc/${pid}/ns/net`);
  const carry = hostLookCarry(3);
  const request = { endpoints: [{ address: '127.0.0.1:9092' }], brokerSource: 'flag' as const, exclude: [process.pid] };
  const look = async () => {
    const top = await readHostTop(request, nodeProcReader, carry);
    const row = top.processes.find((p) => p.pid === pid);
    return { established: row?.totals.established, fds: row?.fds, since: carry.namespaces.get(netns)?.looksSinceRead, top };
  };

  const first = await look();
  assert.equal(first.established, 3, 'the first look reads the namespace: 3 connections');
  assert.equal(first.since, 0);
  const second = await look();
  assert.equal(second.since, 1, 'unchanged: not read again');
  assert.equal(second.established, 3);
  assert.ok(second.top.namespacesUnchanged! >= 1);

  await send('open'); // ActiveOpens, PassiveOpens and CurrEstab move
  const afterOpen = await look();
  assert.equal(afterOpen.since, 0, 'a new connection: read again');
  assert.equal(afterOpen.established, 4);

  assert.equal((await look()).since, 1);
  await send('file'); // no TCP counter moves; the process's fd count does
  const afterFile = await look();
  assert.equal(afterFile.since, 0, 'an fd more: read again');
  assert.equal(afterFile.fds, afterOpen.fds! + 1, 'the file');

  assert.equal((await look()).since, 1);
  const sleeper = spawn('nsenter', [`--net=/proc/${pid}/ns/net`, 'sleep', '60'], { stdio: 'ignore' });
  extra.push(sleeper);
  for (let i = 0; i < 50 && readlinkOr(`/proc/${sleeper.pid}/ns/net`) !== netns; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await look()).since, 0, 'a process more in the namespace: read again');

  // nothing changes from here on: reused twice, then the full read (fullReadEvery 3) comes back
  assert.deepEqual([(await look()).since, (await look()).since, (await look()).since], [1, 2, 0]);
});

function readlinkOr(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}
