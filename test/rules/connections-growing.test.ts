// connections-growing over watched series, through the real trend code.
import connectionsGrowing from '../../src/rules/connections-growing.js';
import { drive, watchResult } from '../helpers/evidence.js';
import { ruleTester } from '../helpers/rule-tester.js';

const flat = Array.from({ length: 20 }, () => 4);
const linear = Array.from({ length: 20 }, (_, i) => 4 + 2 * i);
const plateau = Array.from({ length: 20 }, (_, i) => Math.min(4 + 2 * i, 12));
const sawtooth = Array.from({ length: 20 }, (_, i) => 4 + (i % 6) * 2);

ruleTester(connectionsGrowing, {
  valid: [
    { name: 'flat', evidence: { watch: watchResult({ established: flat }) } },
    { name: 'warm-up plateau', evidence: { watch: watchResult({ established: plateau }) } },
    { name: 'sawtooth (reaped and reopened)', evidence: { watch: watchResult({ established: sawtooth }) } },
    { name: 'a driver explains the growth', evidence: { watch: watchResult({ established: linear }, { drive: drive({ brokerEstablished: 2 }) }) } },
  ],
  invalid: [
    {
      name: 'steady growth, with the slope and the test',
      evidence: { watch: watchResult({ established: linear }) },
      findings: [
        {
          summary: /^broker connections grew 4 → 42 in 19 s: 120\.0 per minute, and still growing \(Mann-Kendall p = \d\.\de-\d+\)$/,
          library: 'sarama',
          data: { first: 4, last: 42, perMinute: 120 },
        },
      ],
    },
  ],
  missing: {},
});
