import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import type { WatchSample } from '../../src/collectors/watch/types.js';
import { LiveView, renderLivePanel, sparkChars, sparkline, sparklineOf } from '../../src/report/watch-live.js';

const chalk = new Chalk({ level: 0 });
const sample = (i: number, established: number): WatchSample => ({
  atMs: i * 1000,
  takenAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
  phase: 'watch',
  fds: 10 + established,
  brokerEstablished: established,
  brokerSockets: established,
  brokerCloseWait: 0,
  processes: [],
});

test('sparkline: scaled between its own min and max, flat is the lowest bar, only the last N', () => {
  assert.equal(sparkline([0, 7, 14]), '▁▅█');
  assert.equal(sparkline([3, 3, 3]), '▁▁▁');
  assert.equal(sparkline([1, 2, 3, 4, 5, 6], 3), '▁▅█');
  assert.equal(sparkline([]), '');
});

test('panel: now, start, range and change per minute per metric', () => {
  const samples = [0, 2, 4, 6].map((e, i) => sample(i * 10, e)); // 30 s, 0 → 6 connections
  const panel = renderLivePanel(samples, { chalk, durationMs: 60_000 });
  assert.match(panel, /^kleak watch · 30\.0 s of 60\.0 s · 4 samples · watch\n/);
  // NO_COLOR (chalk level 0): ASCII bars; in colour on a UTF-8 terminal, block characters
  assert.match(panel, /│ broker ESTABLISHED │ 6 +│ 0 +│ 0–6 +│ 12\.0 +│ _-\+# /);
  const locale = process.env.LC_ALL;
  process.env.LC_ALL = 'C.UTF-8';
  try {
    assert.match(renderLivePanel(samples, { chalk: new Chalk({ level: 1 }), durationMs: 60_000 }), /│ 12\.0 +│ ▁▃▆█/);
  } finally {
    if (locale === undefined) delete process.env.LC_ALL;
    else process.env.LC_ALL = locale;
  }
  assert.match(panel, /│ fds +│ 16 +│ 10 +│ 10–16 +│ 12\.0 /);
  assert.doesNotMatch(panel, /goroutines/, 'no row for what was not measured');
});

test('panel: sparklines shrink so no line is wider than the terminal', () => {
  const samples = Array.from({ length: 60 }, (_, i) => sample(i, i % 7));
  const wide = renderLivePanel(samples, { chalk });
  const widest = (p: string) => Math.max(...p.split('\n').map((l) => [...l].length));
  assert.ok(widest(wide) > 80, `${widest(wide)}`);
  const narrow = renderLivePanel(samples, { chalk, columns: 80 });
  assert.ok(widest(narrow) <= 80, `${widest(narrow)}`);
});

test('LiveView: each redraw moves up over exactly the previous panel and clears below it', () => {
  const writes: string[] = [];
  const view = new LiveView((t) => writes.push(t), { chalk });
  view.update(sample(0, 1));
  view.update(sample(1, 2));
  view.update(sample(2, 3));
  assert.doesNotMatch(writes[0]!, /\x1b\[\d+A/, 'the first panel moves nothing');
  for (let i = 1; i < writes.length; i++) {
    const previousLines = writes[i - 1]!.replace(/^\x1b\[\d+A\r\x1b\[J/, '').split('\n').length - 1;
    assert.ok(writes[i]!.startsWith(`\x1b[${previousLines}A\r\x1b[J`), JSON.stringify(writes[i]!.slice(0, 12)));
  }
});

test('sparklines degrade to ASCII under NO_COLOR or a locale that is not UTF-8; a long series is sampled to the width', () => {
  const blocks = sparkChars(new Chalk({ level: 1 }), { LANG: 'en_US.UTF-8' });
  assert.equal(blocks, '▁▂▃▄▅▆▇█');
  assert.equal(sparkChars(new Chalk({ level: 0 }), { LANG: 'en_US.UTF-8' }), '_.-:=+*#', 'NO_COLOR');
  assert.equal(sparkChars(new Chalk({ level: 1 }), { LANG: 'C' }), '_.-:=+*#', 'not UTF-8');
  assert.equal(sparkChars(new Chalk({ level: 1 }), { LC_ALL: 'POSIX', LANG: 'en_US.UTF-8' }), '_.-:=+*#', 'LC_ALL wins');
  const rising = Array.from({ length: 100 }, (_, k) => k);
  const line = sparklineOf(rising, 24, '_.-:=+*#');
  assert.equal(line.length, 24);
  assert.equal(line[0], '_');
  assert.equal(line[23], '#');
  const rank = (c: string) => '_.-:=+*#'.indexOf(c);
  assert.ok(
    [...line].every((c, k) => k === 0 || rank(c) >= rank(line[k - 1]!)),
    `never falls: ${line}`,
  );
  assert.equal(sparklineOf([5, 5, 5], 24, blocks), '▁▁▁', 'a flat series is the lowest bar');
});
