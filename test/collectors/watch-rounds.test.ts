// The adaptive drive against a real HTTP endpoint (no Kafka): it stops at its floor once the rates are clear (a
// slow endpoint, rounds of a second or more, after two rounds when every rate is clear), keeps driving while
// they are not, and raises the concurrency (up to a round at once) for a slow endpoint so that the rounds it
// needs come within half the budget.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { driveInRounds } from '../../src/collectors/watch/measure-drive.js';
import type { WatchSample } from '../../src/collectors/watch/types.js';

let server: Server;
let url: string;
let served = 0;
const delayMs = 100;
before(async () => {
  server = createServer((req, res) => {
    served++;
    // ?ms=N: a slower endpoint
    setTimeout(() => res.end('ok'), Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? delayMs));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/produce`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const sampleOf = (established: number): WatchSample => ({
  atMs: 0,
  takenAt: '',
  phase: 'driving',
  fds: 10,
  brokerEstablished: established,
  brokerSockets: established,
  brokerCloseWait: 0,
  processes: [],
});

/** a service whose broker connections grow by `rate(n)` per request, n the requests served so far */
const sampler = (rate: (served: number) => number) => {
  let established = 0;
  let counted = 0;
  return () => {
    for (; counted < served; counted++) established += rate(counted);
    return Promise.resolve(sampleOf(established));
  };
};

test('clear rates (a leak: 2 per request) stop at the floor of 15, of 50 allowed', async () => {
  served = 0;
  const { result, stop, confidence } = await driveInRounds(
    { url, requests: 50, method: 'POST', warmup: 0, settleTimeoutMs: 1000 },
    { floor: 15, roundSize: 5, budgetMs: 60_000 },
    sampleOf(0),
    sampler(() => 2),
    undefined,
  );
  assert.equal(stop.reason, 'slope established');
  assert.equal(stop.requests, 15);
  assert.equal(result.requests, 15);
  assert.deepEqual(stop.perRound.brokerEstablished, [2, 2, 2]);
  assert.equal(confidence.decision, 'grows per request');
  assert.equal(confidence.decidedBy, 'brokerEstablished');
  assert.deepEqual(confidence.intervals.brokerEstablished, { rate: 2, low: 2, high: 2, rounds: 3 });
  assert.equal(confidence.reason, 'slope established');
});

test('a slow endpoint (rounds of a second or more) with a clear 1.0 per request stops after two rounds, before the floor', async () => {
  served = 0;
  // 250 ms a request, one at a time: a round of 5 takes 1.25 s
  const { stop, confidence } = await driveInRounds(
    { url: `${url}?ms=250`, requests: 50, method: 'POST', warmup: 0, settleTimeoutMs: 1000, concurrency: 1 },
    { floor: 15, roundSize: 5, budgetMs: 60_000 },
    sampleOf(0),
    sampler(() => 1),
    undefined,
  );
  assert.equal(stop.reason, 'slope established');
  assert.equal(stop.requests, 10);
  assert.deepEqual(stop.perRound.brokerEstablished, [1, 1]);
  assert.deepEqual(confidence.intervals.brokerEstablished, { rate: 1, low: 1, high: 1, rounds: 2 });
});

test('rates that differ between the first two rounds wait for the floor and a third round', async () => {
  served = 0;
  const { stop, confidence } = await driveInRounds(
    { url, requests: 50, method: 'POST', warmup: 0, settleTimeoutMs: 1000 },
    { floor: 15, roundSize: 5, budgetMs: 60_000 },
    sampleOf(0),
    sampler((n) => (n === 0 ? 2 : 1)), // round 1: 6 connections for 5 requests (1.2), then 1.0
    undefined,
  );
  assert.equal(stop.reason, 'slope established');
  assert.equal(stop.requests, 15);
  assert.deepEqual(stop.perRound.brokerEstablished, [1.2, 1, 1]);
  assert.equal(confidence.decision, 'grows per request');
  assert.ok(confidence.intervals.brokerEstablished!.low > 0.5);
});

test('a slow endpoint found by the warm-up starts a round at once: a round takes one request, not five', async () => {
  served = 0;
  const started = Date.now();
  const { stop } = await driveInRounds(
    { url, requests: 50, method: 'POST', warmup: 0, settleTimeoutMs: 1000, concurrency: 1 },
    { floor: 15, roundSize: 5, budgetMs: 60_000, startConcurrency: 5 },
    sampleOf(0),
    sampler(() => 1),
    undefined,
  );
  assert.equal(stop.concurrency, 5);
  assert.equal(stop.requests, 15);
  // three rounds of 5 at once at 100 ms a request: ~0.3 s, where one by one they would take 1.5 s
  assert.ok(Date.now() - started < 1200, `${Date.now() - started} ms`);
});

test('not adaptive: every request is sent, in rounds that only measure, and the confidence says so', async () => {
  served = 0;
  const { result, stop, confidence } = await driveInRounds(
    { url, requests: 20, method: 'POST', warmup: 0, settleTimeoutMs: 1000 },
    { floor: 20, roundSize: 5, budgetMs: Infinity },
    sampleOf(0),
    sampler(() => 2),
    undefined,
    false,
  );
  assert.equal(result.requests, 20);
  assert.equal(stop.rounds, 4);
  assert.equal(confidence.reason, 'all requests sent');
  assert.equal(confidence.decision, 'grows per request');
  assert.deepEqual(confidence.intervals.brokerEstablished, { rate: 2, low: 2, high: 2, rounds: 4 });
});

test('rates that straddle the threshold keep it driving to the upper bound', async () => {
  served = 0;
  const { stop } = await driveInRounds(
    { url, requests: 30, method: 'POST', warmup: 0, settleTimeoutMs: 1000 },
    { floor: 15, roundSize: 5, budgetMs: 60_000 },
    sampleOf(0),
    sampler((n) => (Math.floor(n / 5) % 2 === 0 ? 1 : 0)), // rounds alternate 1.0 and 0.0 per request
    undefined,
  );
  assert.equal(stop.reason, 'upper bound');
  assert.equal(stop.requests, 30);
});

test('the concurrency raise for a slow endpoint stops at a round at once', async () => {
  served = 0;
  const { stop } = await driveInRounds(
    { url, requests: 50, method: 'POST', warmup: 0, settleTimeoutMs: 1000, concurrency: 1 },
    { floor: 15, roundSize: 5, budgetMs: 600 },
    sampleOf(0),
    sampler(() => 0),
    undefined,
  );
  assert.ok(stop.concurrency <= 5, `concurrency ${stop.concurrency}`);
});

test('a slow endpoint gets more requests in flight: the floor within half the budget', async () => {
  served = 0;
  // 100 ms a request: round 1 (5 at once one by one) takes 0.5 s; 10 more at 1 in flight would take 1 s, more
  // than the 0.25 s left of half a 1.5 s budget, so the concurrency goes to ⌈1 × 1000 / 250⌉ = 4 or more
  const { stop } = await driveInRounds(
    { url, requests: 50, method: 'POST', warmup: 0, settleTimeoutMs: 1000, concurrency: 1 },
    { floor: 15, roundSize: 5, budgetMs: 1500 },
    sampleOf(0),
    sampler(() => 0),
    undefined,
  );
  assert.ok(stop.concurrency >= 3, `concurrency ${stop.concurrency}`);
  assert.equal(stop.reason, 'slope established');
});

test('past half the budget already (a slow warm-up took it): the concurrency is still raised, for what is left', async () => {
  served = 0;
  // round 1 takes 0.5 s of a 0.9 s budget, past its half: 10 more at 1 in flight would take 1 s against the
  // 0.32 s that 80% of what is left gives, so the concurrency goes to ⌈1 × 1000 / 320⌉ = 4 or more
  const { stop } = await driveInRounds(
    { url, requests: 50, method: 'POST', warmup: 0, settleTimeoutMs: 1000, concurrency: 1 },
    { floor: 15, roundSize: 5, budgetMs: 900 },
    sampleOf(0),
    sampler(() => 0),
    undefined,
  );
  assert.ok(stop.concurrency >= 3, `concurrency ${stop.concurrency}`);
});

// A client built and closed per request opens sockets that live milliseconds; when the churn tracker's table reads
// have placed too few of them, the churn's broker counts are not to be trusted yet, and the drive goes on.
test('clear rates, but the churn tracker has not placed the sockets: the drive goes on until it has, or to its upper bound', async () => {
  // sockets placed well enough once `enoughFrom` requests were served
  const driveWith = (enoughFrom: number) => {
    served = 0;
    const tracker = {
      opened: () => served * 2,
      placedEnough: () => served >= enoughFrom,
      stop: () => Promise.reject(new Error('unused')),
      cancel: () => undefined,
    } as Parameters<typeof driveInRounds>[4];
    return driveInRounds(
      { url, requests: 50, method: 'POST', warmup: 0, settleTimeoutMs: 1000 },
      { floor: 15, roundSize: 5, budgetMs: 60_000 },
      sampleOf(0),
      sampler(() => 0),
      tracker,
    );
  };
  const late = await driveWith(28);
  assert.equal(late.stop.reason, 'slope established');
  assert.equal(late.stop.requests, 30, 'the first round once 28 requests had placed their sockets');
  const never = await driveWith(Infinity);
  assert.equal(never.stop.reason, 'upper bound');
  assert.equal(never.result.requests, 50);
  const placed = await driveWith(0);
  assert.equal(placed.stop.requests, 15, 'placed from the start: the floor');
});
