// The drive's confidence: each rate's 95% interval over the rounds (two rounds: t(1) = 12.706), a leading
// transient left out (a client that reaps its idle connections), and what the intervals decide against the
// 0.5 threshold. Pure; checked against values computed by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decide, rateInterval } from '../../src/collectors/watch/measure-drive.js';

test('one round: no interval; two rounds: t(1) = 12.706, narrow only when they agree', () => {
  assert.equal(rateInterval([1], false), undefined);
  assert.deepEqual(rateInterval([1, 1], false), { rate: 1, low: 1, high: 1, rounds: 2 });
  // mean 1.1, s/√2 = |1.2 − 1| / 2 = 0.1: half = 1.2706
  assert.deepEqual(rateInterval([1.2, 1], false), { rate: 1.1, low: -0.171, high: 2.371, rounds: 2 });
});

test('robust: a leading transient outside the interval of the rounds after it is left out (kafka-go reaping its connections)', () => {
  // broker connections of a kafka-go Writer per request whose Transport reaps idle ones after 1 s
  const reaping = [2, 1.4, 0, 0, -0.2];
  const all = rateInterval(reaping, false)!;
  assert.equal(all.rounds, 5);
  assert.ok(all.low < 0.5 && all.high > 0.5, 'over every round: undecided');
  const robust = rateInterval(reaping, true)!;
  assert.equal(robust.rounds, 3); // [0, 0, -0.2]
  assert.ok(robust.high < 0.5, `${JSON.stringify(robust)}`);
  // no transient: nothing left out
  assert.equal(rateInterval([1, 1.2, 0.8, 1], true)!.rounds, 4);
  // never fewer than three rounds
  assert.equal(rateInterval([4, 3.4, 2], true)!.rounds, 3);
});

test('one rate that stays above the threshold decides growth, whatever the others show', () => {
  const d = decide({ brokerEstablished: [2, 1.4, 0], goroutines: [4, 3.4, 2], socketsOpened: [2, 2, 2] }, true);
  assert.equal(d.decision, 'grows per request');
  assert.equal(d.decidedBy, 'goroutines');
  assert.equal(d.allDecided, false);
});

test('a rate whose latest round fell below the threshold does not decide growth (reaping began)', () => {
  // interval over [4, 4, 2.2]... above, but the latest round is 0.2
  const d = decide({ goroutines: [4, 4, 0.2] }, true);
  assert.equal(d.decision, 'undecided');
});

test('every staying rate below: sockets opened tell a client opened and closed per request from none', () => {
  assert.equal(decide({ brokerEstablished: [0, 0, 0], socketsOpened: [2, 2, 2] }, true).decision, 'opened and closed per request');
  const none = decide({ brokerEstablished: [0, 0, 0], socketsOpened: [0, 0.2, 0] }, true);
  assert.equal(none.decision, 'no growth');
  assert.equal(none.allDecided, true);
  // sockets opened not yet clear: undecided
  assert.equal(decide({ brokerEstablished: [0, 0, 0], socketsOpened: [0, 1, 0.4] }, true).decision, 'undecided');
  // not tracked: staying rates below are enough
  assert.equal(decide({ brokerEstablished: [0, 0, 0] }, true).decision, 'no growth');
});

test('rates that straddle the threshold stay undecided', () => {
  const d = decide({ brokerEstablished: [1, 0, 1, 0] }, true);
  assert.equal(d.decision, 'undecided');
  assert.equal(d.intervals.brokerEstablished!.rounds, 4);
});
