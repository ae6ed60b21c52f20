// fd-exhaustion: time to the fd limit from the Theil-Sen slope of steady growth.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fdExhaustion from '../../src/rules/fd-exhaustion.js';
import { formatDuration } from '../../src/rules/helpers.js';
import { drive, watchResult } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';

const flat = Array.from({ length: 20 }, () => 4);
const linear = Array.from({ length: 20 }, (_, i) => 4 + 2 * i);
const plateau = Array.from({ length: 20 }, (_, i) => Math.min(4 + 2 * i, 12));
const fast = Array.from({ length: 20 }, (_, i) => 100 + 10 * i); // 600 per minute
const slow = Array.from({ length: 20 }, (_, i) => 100 + Math.floor(i / 4)); // 15 per minute

ruleTester(fdExhaustion, {
  valid: [
    { name: 'a plateau', evidence: { watch: watchResult({ established: flat, fds: plateau }) } },
    { name: 'no known limit', evidence: { watch: watchResult({ established: flat, fds: linear }, { fdLimit: null }) } },
    { name: "driven: the rate is the driver's", evidence: { watch: watchResult({ established: flat, fds: fast }, { drive: drive({ fds: 1 }) }) } },
  ],
  invalid: [
    // (1024 - 290) / 600 per min = 73 s
    {
      name: 'limit within the hour: error',
      evidence: { watch: watchResult({ established: flat, fds: fast }, { fdLimit: 1024 }) },
      findings: [
        { summary: '290 of 1024 fds in use, growing 600 per minute: the limit is reached in about 73 s', severity: 'error', data: { msLeft: 73_400 } },
      ],
    },
    {
      name: 'limit within a day: warning',
      evidence: { watch: watchResult({ established: flat, fds: slow }, { fdLimit: 20_000 }) },
      findings: [{ summary: /^104 of 20000 fds in use, growing 15 per minute: the limit is reached in about 22\.1 h$/, severity: 'warning' }],
    },
  ],
  missing: {},
});

test('durations read like people write them', () => {
  assert.deepEqual(
    [formatDuration(73_000), formatDuration(3_000_000), formatDuration(10_800_000), formatDuration(5 * 86_400_000)],
    ['73 s', '50 min', '3 h', '5 days'],
  );
});
