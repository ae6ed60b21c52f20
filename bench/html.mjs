// Benchmark: the HTML report of a long watch in Debian's headless Chromium. A captured real diagnosis
// (fixtures/captured/diagnosis/charts-sarama-drive.json: 13 samples of a driven Sarama service) is stretched to
// N samples by repeating its measured steps (each sample keeps its phase and its step up), then rendered; the page's
// own timing of its charts (window.kleakRenderMs) and the whole load (navigation start → every chart drawn) are
// printed with the file's size, median of the runs.
// Usage: npm run build && node bench/html.mjs [--samples 1000,10000,50000] [--runs 5]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Chalk } from 'chalk';
import puppeteer from 'puppeteer-core';
import { renderHtml } from '../dist/src/report/html.js';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({ options: { samples: { type: 'string', default: '1000,10000,50000' }, runs: { type: 'string', default: '5' } } });
const base = JSON.parse(readFileSync(join(root, 'fixtures/captured/diagnosis/charts-sarama-drive.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'kleak-bench-html-'));

/** the captured watch, N samples long: its measured steps repeated, each value carried on from the last */
function stretched(n) {
  const w = base.charts.watch;
  const k = w.atMs.length;
  const at = [];
  const requests = [];
  const phase = [];
  const series = w.series.map((s) => ({ ...s, values: [] }));
  for (let i = 0; i < n; i++) {
    const j = i % k;
    const round = Math.floor(i / k);
    at.push(round * (w.atMs[k - 1] + w.intervalMs) + w.atMs[j]);
    requests.push(round * (w.requests[k - 1] + 1) + w.requests[j]);
    phase.push(round === 0 ? w.phase[j] : 'driving');
    series.forEach((s, m) => s.values.push(round * (w.series[m].values[k - 1] - w.series[m].values[0]) + w.series[m].values[j]));
  }
  return { ...base, charts: { watch: { ...w, atMs: at, requests, phase, series } } };
}

const browser = await puppeteer.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  userDataDir: join(dir, 'profile'),
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log('| samples | charts | HTML size | charts drawn (page) | whole load | ');
console.log('|---|---|---|---|---|');
try {
  for (const n of values.samples.split(',').map(Number)) {
    const html = renderHtml(stretched(n), { chalk: new Chalk({ level: 0 }) });
    const file = join(dir, `watch-${n}.html`);
    writeFileSync(file, html);
    const draw = [];
    const load = [];
    let charts = 0;
    for (let r = 0; r < Number(values.runs); r++) {
      const page = await browser.newPage();
      await page.setViewport({ width: 1200, height: 900 });
      const t0 = Date.now();
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      await page.waitForFunction('window.kleakRendered === true', { timeout: 60_000 });
      load.push(Date.now() - t0);
      draw.push(await page.evaluate('window.kleakRenderMs'));
      charts = await page.evaluate('window.kleakCharts.length');
      await page.close();
    }
    console.log(
      `| ${n.toLocaleString('en-US')} | ${charts} | ${(Buffer.byteLength(html) / 1024).toFixed(0)} KB | ${median(draw).toFixed(0)} ms | ${median(load)} ms |`,
    );
  }
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
