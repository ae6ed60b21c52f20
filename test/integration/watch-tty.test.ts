// kleak watch on a real terminal (a pseudo-terminal from util-linux `script`): one panel redrawn in place
// while a real process opens connections; the same command piped prints rows and no escape codes.
import type { Socket as NetSocket } from 'node:net';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../../src/repo-root.js';
import { runKleak } from '../helpers/cli.js';
import { pidAlive } from '../helpers/oracles.js';

let server: Server;
let port: number;
const held: NetSocket[] = [];
before(async () => {
  server = createServer((s) => held.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as { port: number }).port;
});
after(() => {
  for (const s of held) s.destroy();
  server.close();
});

/** A process that opens one connection to the "broker" every 150 ms, 12 in all, and holds them. */
function connector() {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const net=require('net');let n=0;const t=setInterval(()=>{net.connect(${port},'127.0.0.1');if(++n===12)clearInterval(t)},150);setTimeout(()=>{},60000)`,
    ],
    { stdio: 'ignore' },
  );
  return child;
}

test('on a terminal: one panel, redrawn in place over exactly its own lines, values rising with the connections', async () => {
  assert.equal(spawnSync('script', ['--version']).status, 0, 'util-linux `script` is needed to give kleak a terminal');
  const target = connector();
  try {
    const kleak = [
      process.execPath,
      join(repoRoot, 'bin/kleak.js'),
      'watch',
      '--pid',
      String(target.pid),
      '--brokers',
      `127.0.0.1:${port}`,
      '--interval',
      '200ms',
      '--duration',
      '3s',
    ].join(' ');
    const r = spawnSync('script', ['-qec', `stty cols 100 rows 40; ${kleak}`, '/dev/null'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', TERM: 'xterm' },
    });
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.replace(/\r/g, '');
    const panels = out.split(/\x1b\[\d+A\x1b\[J/);
    assert.ok(panels.length >= 10, `${panels.length} panels`);
    // each move goes up over the panel just drawn
    const moves = [...out.matchAll(/\x1b\[(\d+)A/g)].map((m) => Number(m[1]));
    for (let i = 0; i < moves.length; i++) assert.equal(moves[i], panels[i]!.split('\n').length - 1, `move ${i}`);
    const established = (panel: string) => Number(/│ broker ESTABLISHED │ (\d+)/.exec(panel)?.[1]);
    assert.ok(established(panels[panels.length - 1]!) >= 10, panels[panels.length - 1]);
    assert.ok(established(panels[0]!) < established(panels[panels.length - 1]!));
    assert.match(panels[panels.length - 1]!, /kleak watch · \d+\.\d s of 3\.0 s · \d+ samples · watch/);
    // every line fits the 100 columns of the terminal, so the redraw never lands on a wrapped line
    const panelLines = panels.flatMap((p) => p.split('\n')).filter((l) => /^(kleak watch|[│┌└├])/.test(l));
    assert.ok(panelLines.length > 50);
    for (const line of panelLines) assert.ok([...line].length <= 100, line);
    // then the summary, once, below the last panel
    assert.equal(out.split('first → last').length, 2);
  } finally {
    target.kill('SIGKILL');
  }
  assert.ok(!pidAlive(target.pid!) || (await new Promise((r) => setTimeout(r, 200)), !pidAlive(target.pid!)));
});

test('piped: a row per sample, no escape codes', async () => {
  const target = connector();
  try {
    const r = await runKleak(['watch', '--pid', String(target.pid), '--brokers', `127.0.0.1:${port}`, '--interval', '200ms', '--duration', '1s']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /\x1b\[/);
    assert.match(r.stdout, /^time +phase +fds +broker ESTAB/);
    assert.ok(r.stdout.split('\n').filter((l) => /^\d+\.\ds +watch /.test(l)).length >= 5);
  } finally {
    target.kill('SIGKILL');
  }
});
