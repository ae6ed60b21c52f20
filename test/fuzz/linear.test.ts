// Regression cases the fuzzer found or the issue named: each line parser on real inputs with 1 MB runs
// of one character class spliced in must finish — the bound (5 s) is far above linear work (tens of ms)
// and far below what the quadratic regular expressions took (minutes: 400k braces never ended).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseGoroutineDump } from '../../src/collectors/goruntime/parse-goroutine-dump.js';
import { classifyGoroutines } from '../../src/collectors/goruntime/classify.js';
import { parseProcNetTcp } from '../../src/collectors/process/parse-proc-net-tcp.js';
import { parseOpenFilesLimit, parseProcStatus } from '../../src/collectors/process/parse-proc-files.js';
import { repoRoot } from '../../src/repo-root.js';
import { capturedText } from '../helpers/captured-pprof.js';

const MB = 1 << 20;
const classes = ['{', '(', ')', ' ', '\t', 'a', '0', '#', ':', '\\', '"', '+', '\r'];
const proc = (f: string) => readFileSync(join(repoRoot, 'fixtures/captured/proc/sarama-per-request-12', f), 'utf8');
const parsers: Array<[string, string, (text: string) => unknown]> = [
  ['goroutine dump debug=2', capturedText('sarama-reused-message-3', 2), (t) => classifyGoroutines(parseGoroutineDump(t))],
  ['goroutine dump debug=1', capturedText('sarama-reused-message-3', 1), (t) => classifyGoroutines(parseGoroutineDump(t))],
  ['/proc/net/tcp', proc('net-tcp.txt'), (t) => parseProcNetTcp(t)],
  ['/proc/PID/status', proc('status.txt'), (t) => parseProcStatus(t)],
  ['/proc/PID/limits', proc('limits.txt'), (t) => parseOpenFilesLimit(t)],
];

for (const [name, input, parse] of parsers) {
  test(`${name}: 1 MB runs of each character class, at a frame, a value and the end`, () => {
    const at = [input.indexOf('(') + 1, input.indexOf(':') + 1, input.length];
    for (const c of classes) {
      for (const i of at) {
        const text = input.slice(0, i) + c.repeat(MB) + input.slice(i);
        const started = performance.now();
        parse(text);
        const ms = performance.now() - started;
        assert.ok(ms < 5000, `${JSON.stringify(c)} × 1 MB at ${i}: ${ms.toFixed(0)} ms`);
      }
    }
  });
}

test('the cases the issue named: a frame with 400k braces in its arguments; VmRSS padded with 1 MB of spaces', () => {
  const dump = parseGoroutineDump(`goroutine 1 [running]:\nmain.f(${'{'.repeat(400_000)})\n\t/a.go:1 +0x1\n`);
  assert.equal(dump.groups[0]!.frames[0]!.fn, 'main.f');
  assert.equal(parseProcStatus(`Name:\tx\nVmRSS:${' '.repeat(MB)}51234 kB\n`).rssBytes, 51234 * 1024);
});

test('CRLF and a leading blank line: the same goroutines as the dump as Go wrote it', () => {
  const d1 = capturedText('sarama-per-request-21', 1);
  const d2 = capturedText('sarama-per-request-21', 2);
  for (const dump of [d1, d2]) {
    const want = classifyGoroutines(parseGoroutineDump(dump)).libraries;
    assert.deepEqual(classifyGoroutines(parseGoroutineDump(dump.replace(/\n/g, '\r\n'))).libraries, want);
    assert.deepEqual(classifyGoroutines(parseGoroutineDump(`\n${dump}`)).libraries, want);
  }
  assert.equal(classifyGoroutines(parseGoroutineDump(d1.replace(/\n/g, '\r\n'))).libraries.sarama?.clients, 21);
});
