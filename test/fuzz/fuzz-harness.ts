// Runs a parser over mutated real inputs: each run must give a value or an InputError (kleak's "bad
// input": exit 2), never another exception, and finish within a time linear in the input's size.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TestContext } from 'node:test';
import { InputError } from '../../src/errors.js';
import { applyAll, fuzzOptions, mutations, type Mutation } from './mutations.js';

/** ms allowed per MB of input (plus a floor): far above linear work, far below any quadratic blow-up */
const msPerMb = 2000;

export function fuzzParser(t: TestContext, name: string, seedInput: string, parse: (input: string) => unknown, runs = 300): void {
  const kinds = new Map<string, number>();
  let inputErrors = 0;
  let ran = 0;
  fc.assert(
    fc.property(mutations, (list: Mutation[]) => {
      ran++;
      for (const m of list) kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
      const input = applyAll(seedInput, list);
      const started = performance.now();
      try {
        parse(input);
      } catch (error) {
        if (!(error instanceof InputError))
          throw new Error(
            `${name} threw ${(error as Error).name} (not an InputError) after ${list.map((m) => m.kind).join(' + ')}: ${(error as Error).message}`,
            { cause: error },
          );
        inputErrors++;
      }
      const ms = performance.now() - started;
      const bound = 250 + (msPerMb * input.length) / 1e6;
      assert.ok(
        ms < bound,
        `${name} took ${ms.toFixed(0)} ms on ${input.length} chars after ${list.map((m) => m.kind).join(' + ')} (bound ${bound.toFixed(0)} ms)`,
      );
    }),
    fuzzOptions(runs),
  );
  assert.ok(ran > 0);
  t.diagnostic(`${name}: ${ran} cases, ${inputErrors} rejected as bad input, mutation classes ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
}
