// The HTML report in a real browser (Debian's headless Chromium, installed by the test set-up, driven with
// puppeteer-core): every captured diagnosis (real runs: fixtures/captured/diagnosis/) renders with no console error
// and no request beyond the file itself; each chart is drawn with as many points as the JSON holds; each
// per-request slope shown equals the JSON's figure; the file stays small. The Markdown report's Mermaid chart is
// rendered by mermaid in the same browser.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Chalk } from 'chalk';
import puppeteer, { type Browser } from 'puppeteer-core';
import { repoRoot } from '../../src/repo-root.js';
import { renderHtml } from '../../src/report/html.js';
import { growthChart, renderMarkdown } from '../../src/report/markdown.js';
import type { Diagnosis } from '../../src/types.js';
import { assertSchema } from '../helpers/schema.js';
import { setupTool } from '../helpers/setup-paths.js';

const require = createRequire(import.meta.url);
const dir = join(repoRoot, 'fixtures/captured/diagnosis');
const captured = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ name: f, diagnosis: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Diagnosis }));
const work = mkdtempSync(join(tmpdir(), 'kleak-html-'));
let browser: Browser;

before(async () => {
  browser = await puppeteer.launch({
    executablePath: setupTool('chromium', 'chromium'),
    headless: true,
    // as root, with nothing of Google's reachable: no sandbox, no background traffic (it would be refused anyway)
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    userDataDir: join(work, 'profile'),
    timeout: 30_000,
  });
});
after(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

interface Drawn {
  id: string;
  points: number;
  series: number;
}

/** Opens a report in a new page; what it logged, requested and drew. */
async function open(html: string, name: string) {
  const file = join(work, `${name}.html`);
  writeFileSync(file, html);
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${String(e)}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.setViewport({ width: 1200, height: 900 });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 20_000 });
  await page.waitForFunction('window.kleakRendered === true', { timeout: 10_000 });
  const drawn = (await page.evaluate('window.kleakCharts')) as Drawn[];
  const slopes = (await page.$$eval('[data-slope]', (els) => els.map((e) => [e.getAttribute('data-slope'), e.textContent]))) as Array<[string, string]>;
  const findings = await page.$$eval('article.finding', (els) => els.length);
  await page.close();
  return { errors, requests: requests.filter((u) => u !== pathToFileURL(file).href), drawn, slopes, findings, bytes: Buffer.byteLength(html) };
}

describe('HTML report in Chromium', () => {
  test('there are captured diagnoses with each kind of chart', () => {
    const kinds = new Set(captured.flatMap(({ diagnosis }) => Object.keys(diagnosis.charts ?? {})));
    assert.deepEqual([...kinds].sort(), ['heap', 'shutdown', 'watch']);
  });

  for (const { name, diagnosis } of captured) {
    test(`${name}: no console error, no request, every chart drawn with the JSON's points, slopes as measured`, async (t) => {
      assertSchema('diagnosis', diagnosis);
      const r = await open(renderHtml(diagnosis, { chalk: new Chalk({ level: 0 }) }), name);
      t.diagnostic(`${(r.bytes / 1024).toFixed(0)} KB, ${r.drawn.length} charts: ${r.drawn.map((d) => `${d.id}=${d.points}`).join(' ')}`);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.requests, [], 'nothing fetched at view time');
      assert.equal(r.findings, diagnosis.findings.length);
      assert.ok(r.bytes < 500 * 1024, `${r.bytes} bytes`);
      const c = diagnosis.charts ?? {};
      const expected: Array<[string, number]> = [];
      for (const s of c.watch?.series ?? []) {
        expected.push([`time-${s.key}`, c.watch!.atMs.length]);
        if (c.watch!.requests) expected.push([`req-${s.key}`, c.watch!.atMs.length]);
      }
      if (c.shutdown) expected.push(['shutdown-lanes', new Set([0, ...c.shutdown.events.map((e) => e.atMs)]).size]);
      if (c.heap) expected.push(['heap-owners', Math.min(20, c.heap.owners.length)]);
      assert.deepEqual(
        r.drawn.map((d) => [d.id, d.points]),
        expected,
      );
      assert.deepEqual(
        r.slopes,
        (c.watch?.series ?? []).filter((s) => s.perRequest !== undefined).map((s) => [s.key, `${s.perRequest!.toFixed(1)} per request`]),
      );
    });
  }

  test('the Markdown report’s Mermaid growth chart renders in mermaid, with the JSON’s points', async () => {
    const withWatch = captured.find(({ diagnosis }) => diagnosis.charts?.watch?.requests);
    assert.ok(withWatch, 'a captured diagnosis with a driven watch');
    const markdown = renderMarkdown(withWatch.diagnosis, { chalk: new Chalk({ level: 0 }) });
    const block = /```mermaid\n([\s\S]*?)```/.exec(markdown)?.[1];
    assert.ok(block, markdown);
    assert.deepEqual(growthChart(withWatch.diagnosis).slice(3, -2).join('\n'), block.trimEnd());
    const points = /line \[([^\]]*)\]/.exec(block)![1]!.split(',').length;
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setContent('<!doctype html><html><body><div id="out"></div></body></html>');
    await page.addScriptTag({ content: readFileSync(require.resolve('mermaid/dist/mermaid.min.js'), 'utf8') });
    const svg: string = await page.evaluate(async (code: string) => {
      const m = (window as unknown as { mermaid: { initialize(o: object): void; render(id: string, code: string): Promise<{ svg: string }> } }).mermaid;
      m.initialize({ startOnLoad: false });
      return (await m.render('growth', code)).svg;
    }, block);
    await page.close();
    assert.deepEqual(errors, []);
    assert.match(svg, /<svg/);
    assert.doesNotMatch(svg, /Syntax error/i);
    assert.match(svg, /per request/);
    assert.ok(points >= 2 && points <= 41, `${points} points`);
  });
});
