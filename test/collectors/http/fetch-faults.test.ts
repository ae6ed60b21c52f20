// kleak pprof against real peers that misbehave at every step of an HTTP exchange (raw TCP servers on
// loopback): each is exit 2 within the bound, one paragraph naming the real cause, and with --json one
// JSON object on stdout — never a hang, a crash or silence.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { runKleak } from '../../helpers/cli.js';
import { assertSchema } from '../../helpers/schema.js';

type Behaviour = (socket: Socket, port: number) => void;
const behaviours: Record<string, Behaviour> = {
  silent: () => {},
  trickle: (s) => {
    s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n');
    const timer = setInterval(() => s.write('g'), 100);
    s.on('close', () => clearInterval(timer));
    s.on('error', () => clearInterval(timer));
  },
  reset: (s) => s.resetAndDestroy(),
  cut: (s) => {
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\ngoroutine profile: total 3\n');
    setTimeout(() => s.destroy(), 50);
  },
  badChunk: (s) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nnot a chunk\r\n'),
  loop: (s, port) => s.end(`HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:${port}/debug/pprof/goroutine?debug=2\r\nContent-Length: 0\r\n\r\n`),
  toClosed: (s) => s.end(`HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:${closedPort}/debug/pprof/goroutine\r\nContent-Length: 0\r\n\r\n`),
  html: (s) => s.end('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 38\r\n\r\n<html><body>please log in</body></html'),
};

let closedPort = 0;
const servers: Server[] = [];
const ports: Record<string, number> = {};
const sockets = new Set<Socket>();
before(async () => {
  // a port that was free a moment ago and is closed now (not one of fetch's blocked ports)
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  for (const [name, behave] of Object.entries(behaviours)) {
    const server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
      s.once('data', () => behave(s, ports[name]!));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    ports[name] = (server.address() as { port: number }).port;
    servers.push(server);
  }
});
after(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
});

const cases: Array<[string, string, RegExp]> = [
  ['accepts and never answers', 'silent', /did not answer within 1000 ms/],
  ['answers, then trickles a byte at a time', 'trickle', /did not answer within 1000 ms/],
  ['resets the connection', 'reset', /closed the connection before answering whole|could not be reached/],
  ['cuts the body off', 'cut', /closed the connection before answering whole|sent a body that was cut off/],
  ['sends a bad chunk', 'badChunk', /malformed HTTP|closed the connection|cut off/],
  ['redirects to itself forever', 'loop', /redirected too many times \(a redirect loop\)/],
  ['redirects to a closed port', 'toClosed', /refused the connection \(ECONNREFUSED/],
  ['serves a login page', 'html', /an HTML page, not a Go profile/],
];

describe('kleak pprof URL against a misbehaving peer', () => {
  for (const [name, behaviour, message] of cases) {
    test(`${name}: exit 2, the cause named, JSON still one object`, async () => {
      const url = `http://127.0.0.1:${ports[behaviour]}`;
      const started = Date.now();
      const r = await runKleak(['pprof', url, '--timeout', '1s', '--json'], { timeoutMs: 30_000 });
      assert.equal(r.code, 2, r.stderr);
      assert.ok(Date.now() - started < 15_000, `bounded: ${Date.now() - started} ms`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
      const json = JSON.parse(r.stdout);
      assertSchema('error', json);
      assert.match(json.error.message, message);
    });
  }

  test('a port fetch refuses to use (6000, X11): named as such', async () => {
    const r = await runKleak(['pprof', 'http://127.0.0.1:6000', '--timeout', '1s']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /a port that fetch refuses to use/);
  });

  test('malformed URLs: no host, a port above 65535', async () => {
    for (const [url, message] of [
      ['http://', /"http:\/\/" is not a URL/],
      ['http://127.0.0.1:99999', /port 99999 is above 65535/],
    ] as const) {
      const r = await runKleak(['pprof', url, '--json']);
      assert.equal(r.code, 2);
      assert.match(JSON.parse(r.stdout).error.message, message);
    }
  });
});
