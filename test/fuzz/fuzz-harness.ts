// Runs a parser over mutated real inputs: each run must give a value or an InputError (kleak's "bad
// input": exit 2), never another exception, and finish within a time linear in the input's size.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TestContext } from 'node:test';
import { InputError } from '../../src/errors.js';
import { applyAll, fuzzOptions, mutations, type Mutation } from './mutations.js';

/**
 * The time bound catches hangs, not slowness (this machine is shared and noisy): a floor of seconds for
 * inputs of kilobytes that parse in microseconds, and 20 s per MB; the quadratic cases this exists for took minutes.
 */
const msPerMb = 20_000;
const floorMs = 5000;

export function fuzzParser(t: TestContext, name: string, seedInput: string, parse: (input: string) => unknown, runs = 300): void {
  const kinds = new Map<string, number>();
  let inputErrors = 0;
  let ran = 0;
  let slowestMs = 0;
  const details = fc.check(
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
      slowestMs = Math.max(slowestMs, ms);
      const bound = floorMs + (msPerMb * input.length) / 1e6;
      assert.ok(
        ms < bound,
        `${name} took ${ms.toFixed(0)} ms on ${input.length} chars after ${list.map((m) => m.kind).join(' + ')} (bound ${bound.toFixed(0)} ms)`,
      );
    }),
    fuzzOptions(runs),
  );
  if (details.failed) {
    const error = details.errorInstance as Error | undefined;
    throw new Error(
      `${name}: failed after ${details.numRuns} cases (seed ${details.seed}, path ${details.counterexamplePath}): ${error?.message ?? 'no message'}`,
      { cause: error },
    );
  }
  assert.ok(ran > 0);
  t.diagnostic(
    `${name}: ${ran} cases, ${inputErrors} rejected as bad input, slowest ${slowestMs.toFixed(0)} ms, mutation classes ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`,
  );
}
