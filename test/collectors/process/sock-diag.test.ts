// sock_diag through ss: the parser on captured `ss -tanHe` output (IPv4, IPv6, IPv4-mapped, TIME-WAIT, listeners),
// the kernel-side filter's arguments, and on live loopback sockets of this process the same inventory as /proc
// gives (the independent path): brokers, states, listening ports, the peers that are not brokers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { readSocketInventory } from '../../../src/collectors/process/index.js';
import { repoRoot } from '../../../src/repo-root.js';
import { brokerFilter, ipv6TcpInUse, parseSsLines, readSockDiag, sockDiagAccess } from '../../../src/collectors/process/sock-diag.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

const captured = readFileSync(join(repoRoot, 'fixtures/captured/ss/loopback-v4-v6.txt'), 'latin1');

test('ss lines: states, addresses (IPv4-mapped as IPv4, brackets off), inodes, queues; TIME-WAIT has inode 0', () => {
  const { sockets, warnings } = parseSsLines(captured);
  assert.deepEqual(warnings, []);
  assert.equal(sockets.length, 8);
  assert.deepEqual(sockets[0], {
    inode: 1572776,
    localAddress: '127.0.0.1',
    localPort: 39007,
    remoteAddress: '0.0.0.0',
    remotePort: 0,
    state: 'LISTEN',
    receiveQueueBytes: 0,
    sendQueueBytes: 511,
  });
  assert.deepEqual(
    sockets.map((s) => `${s.state} ${s.localAddress}:${s.localPort} ${s.remoteAddress}:${s.remotePort} ${s.inode}`),
    [
      'LISTEN 127.0.0.1:39007 0.0.0.0:0 1572776',
      'TIME_WAIT 127.0.0.1:39007 127.0.0.1:33276 0',
      'ESTABLISHED 127.0.0.1:51568 127.0.0.1:39209 1572780',
      'LISTEN 0.0.0.0:39209 0.0.0.0:0 1572777',
      'LISTEN ::1:39397 :::0 1572775',
      'ESTABLISHED ::1:39397 ::1:37636 1572781',
      'ESTABLISHED ::1:37636 ::1:39397 1572778',
      'ESTABLISHED 127.0.0.1:39209 127.0.0.1:51568 1572783',
    ],
  );
});

test('a line that is not ss output is a warning, not a socket', () => {
  const { sockets, warnings } = parseSsLines('<html><body>502 Bad Gateway</body></html>\nESTAB 0 0 127.0.0.1:1 127.0.0.1:2 ino:7 sk:1 <->\n');
  assert.equal(sockets.length, 1);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^unparseable ss line: <html>/);
});

test('the kernel-side filter: exact IPv4 and IPv6 endpoints, any address on a port; a host name is not given to ss', () => {
  assert.deepEqual(brokerFilter([{ address: '10.0.0.5:9092' }, { address: '[fd00::5]:9093' }, { address: '*:9094' }]), [
    '(',
    'dst',
    '10.0.0.5:9092',
    'or',
    'dst',
    '[fd00::5]:9093',
    'or',
    'dport',
    '=',
    ':9094',
    ')',
  ]);
  assert.equal(brokerFilter([{ address: 'kafka-0.kafka:9092' }]), undefined);
  assert.equal(brokerFilter([]), undefined);
});

async function listen(host: string): Promise<Server> {
  const server = createServer((s) => held.push(s));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return server;
}
const held: Socket[] = [];
async function dial(port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => held.push(connect(port, host, resolve).once('error', reject)));
}
const portOf = (s: Server) => (s.address() as { port: number }).port;

test('live: sock_diag and /proc give this process the same inventory (brokers, listeners, connections in, other peers)', async (t) => {
  if (!('argv' in sockDiagAccess(process.pid))) return t.skip('ss is not usable here');
  const broker = await listen('127.0.0.1');
  const broker6 = await listen('::1');
  const other = await listen('127.0.0.1'); // not a broker: this process's outgoing connection to it is a peer
  const service = await listen('127.0.0.1'); // this process's own listener, with a connection into it
  t.after(() => {
    for (const s of held) s.destroy();
    for (const s of [broker, broker6, other, service]) s.close();
  });
  for (let i = 0; i < 5; i++) await dial(portOf(broker), '127.0.0.1');
  for (let i = 0; i < 2; i++) await dial(portOf(broker6), '::1');
  await dial(portOf(other), '127.0.0.1');
  await dial(portOf(service), '127.0.0.1');
  await new Promise((r) => setTimeout(r, 100));
  const request = {
    pids: [process.pid],
    endpoints: [{ address: `127.0.0.1:${portOf(broker)}` }, { address: `[::1]:${portOf(broker6)}` }],
    brokerSource: 'flag' as const,
    usage: false,
  };
  const viaDiag = await readSocketInventory(request);
  const previous = process.env.KLEAK_SOCKETS_FROM;
  process.env.KLEAK_SOCKETS_FROM = 'proc';
  let viaProc;
  try {
    viaProc = await readSocketInventory(request);
  } finally {
    if (previous === undefined) delete process.env.KLEAK_SOCKETS_FROM;
    else process.env.KLEAK_SOCKETS_FROM = previous;
  }
  assert.equal(viaDiag.method, 'sock_diag');
  assert.equal(viaProc.method, '/proc');
  const [d, p] = [viaDiag.processes[0]!, viaProc.processes[0]!];
  // the broker side of this process's own connections is this process's too: 5 + 2 to the brokers, and the
  // accepted ends (local port = the broker's) are connections into a listener
  assert.equal(d.totals.brokerEstablished, 7);
  assert.deepEqual(d.brokers, p.brokers);
  // the TCP counts; fds and sockets of any kind differ by the reader's own (ss's stdio socketpair, /proc's worker)
  const tcp = ({ tcpSockets, brokerSockets, brokerEstablished, brokerCloseWait }: typeof d.totals) => ({
    tcpSockets,
    brokerSockets,
    brokerEstablished,
    brokerCloseWait,
  });
  assert.deepEqual(tcp(d.totals), tcp(p.totals));
  assert.deepEqual(d.listenPorts, p.listenPorts);
  assert.deepEqual(d.peers, p.peers);
  assert.equal(d.peers?.[`127.0.0.1:${portOf(other)}`], 1);
  assert.ok(d.listenPorts.includes(portOf(service)));
});

// A namespace without an IPv6 TCP socket is read with `ss -4`: the IPv6 dump would walk every TCP socket of the host
// for nothing. One with an IPv6 socket (a JVM's, to a v4-mapped broker address) keeps both.
test('ss -4 where the namespace has no IPv6 TCP socket, both families where it has one', async (t) => {
  if (process.getuid?.() !== 0 || spawnSync('unshare', ['--version']).status !== 0) return t.skip('needs root and unshare for a namespace of its own');
  if (!('argv' in sockDiagAccess(process.pid))) return t.skip('ss is not usable here');
  const start = (code: string) =>
    new Promise<ChildProcess>((resolve, reject) => {
      const child = spawn('unshare', ['-n', 'python3', '-c', code], { stdio: ['ignore', 'pipe', 'inherit'] });
      t.after(() => child.kill('SIGKILL'));
      child.once('error', reject);
      child.stdout.once('data', () => resolve(child));
    });
  const hold = 'import socket, sys, time\n';
  const v4Only = await start(`${hold}s = socket.socket(); s.bind(('0.0.0.0', 0)); s.listen(); print('ready', flush=True); time.sleep(60)`);
  const withV6 = await start(`${hold}s = socket.socket(socket.AF_INET6); s.bind(('::', 0)); s.listen(); print('ready', flush=True); time.sleep(60)`);
  assert.equal(ipv6TcpInUse(v4Only.pid!), false);
  assert.equal(ipv6TcpInUse(withV6.pid!), true);
  const argv = (pid: number) => (sockDiagAccess(pid) as { argv: string[] }).argv;
  assert.deepEqual(argv(v4Only.pid!).slice(-2), ['ss', '-4']);
  assert.equal(argv(withV6.pid!).at(-1), 'ss');
  // and the listener is found either way: an IPv6 one would be missed under -4
  for (const child of [v4Only, withV6]) {
    const table = await readSockDiag(sockDiagAccess(child.pid!) as { argv: string[] }, ['(', 'sport', '>', ':0', ')'], true);
    assert.equal(table.sockets.length, 1, `the listener of ${child.pid}`);
  }
});
