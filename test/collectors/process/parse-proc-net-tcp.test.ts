import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatIpv6, parseProcNetTcp } from '../../../src/collectors/process/parse-proc-net-tcp.js';
import { endpointKey } from '../../../src/collectors/process/build-process-sockets.js';
import { parseSocketInode } from '../../../src/collectors/process/parse-proc-files.js';
import { capturedDir, parseSsLine } from '../../helpers/captured-proc.js';

const ssState: Record<string, string> = { ESTABLISHED: 'ESTAB', LISTEN: 'LISTEN', CLOSE_WAIT: 'CLOSE-WAIT', TIME_WAIT: 'TIME-WAIT' };

for (const scenario of ['sarama-per-request-12', 'node-ipv6-loopback']) {
  test(`${scenario}: every socket of the process decodes to what ss printed at the same moment`, () => {
    const dir = capturedDir(scenario);
    const inodes = new Set(
      readFileSync(join(dir, 'fd.txt'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => parseSocketInode(l.split(' ')[1]!))
        .filter((i): i is number => i !== undefined),
    );
    const table = parseProcNetTcp(readFileSync(join(dir, 'net-tcp.txt'), 'latin1'), inodes);
    parseProcNetTcp(readFileSync(join(dir, 'net-tcp6.txt'), 'latin1'), inodes, table);
    assert.deepEqual(table.warnings, []);
    const ours = table.sockets
      .map(
        (s) =>
          `${ssState[s.state] ?? s.state} ${endpointKey(s.localAddress, s.localPort)} ${s.state === 'LISTEN' ? '*' : endpointKey(s.remoteAddress, s.remotePort)}`,
      )
      .sort();
    const theirs = readFileSync(join(dir, 'ss.txt'), 'utf8')
      .trim()
      .split('\n')
      .map(parseSsLine)
      .map((s) => `${s.state} ${s.local.replace(/^\*:/, '0.0.0.0:')} ${s.state === 'LISTEN' ? '*' : s.remote}`)
      .sort();
    // ss prints an IPv6 wildcard listener as "*:port"; kleak decodes it as [::]:port
    assert.deepEqual(ours.map((s) => s.replace(/^LISTEN \[::\]:/, 'LISTEN 0.0.0.0:')).sort(), theirs);
  });
}

test('without an inode filter every line is decoded; the header and blank lines are skipped', () => {
  const text = readFileSync(join(capturedDir('sarama-per-request-12'), 'net-tcp.txt'), 'latin1');
  const lines = text.trim().split('\n').length - 1;
  assert.equal(parseProcNetTcp(text).sockets.length, lines);
});

test('a garbled line becomes a warning, not an exception, and parsing goes on', () => {
  const good = '   1: 0100007F:4A37 0100007F:2384 01 00000010:00000020 00:00000000 00000000     0        0 19817 1 0 100 0 0 10 0';
  const { sockets, warnings } = parseProcNetTcp(`garbage here\n${good}\n   2: ZZZ:1 0100007F:2384 01 0:0 00:0 0 0 0 5 1\n`);
  assert.equal(sockets.length, 1);
  assert.deepEqual(sockets[0], {
    inode: 19817,
    localAddress: '127.0.0.1',
    localPort: 0x4a37,
    remoteAddress: '127.0.0.1',
    remotePort: 0x2384,
    state: 'ESTABLISHED',
    sendQueueBytes: 16,
    receiveQueueBytes: 32,
  });
  assert.equal(warnings.length, 2);
});

test('IPv6 text follows RFC 5952; IPv4-mapped addresses come back as IPv4', () => {
  assert.equal(formatIpv6([0, 0, 0, 0, 0, 0, 0, 1]), '::1');
  assert.equal(formatIpv6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), '2001:db8::1:0:0:1');
  assert.equal(formatIpv6([0, 0, 0, 0, 0, 0xffff, 0x7f00, 0x0001]), '127.0.0.1');
  assert.equal(formatIpv6([0xfe80, 0, 0, 0, 0, 0, 0, 0]), 'fe80::');
  assert.equal(formatIpv6([1, 2, 3, 4, 5, 6, 7, 8]), '1:2:3:4:5:6:7:8');
});
