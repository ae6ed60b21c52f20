// ESLint RuleTester style: `valid` evidence yields no finding, each `invalid` case the findings it lists.
// Findings go through the engine (runRules), so each summary is rendered from the rule's template and data.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Evidence } from '../../src/collectors/types.js';
import type { AnyRule } from '../../src/rules/define-rule.js';
import { runRules } from '../../src/rules/run-rules.js';
import type { Finding } from '../../src/types.js';

export interface ExpectedFinding {
  summary: RegExp | string;
  severity?: Finding['severity'];
  confidence?: Finding['confidence'];
  library?: Finding['library'];
  messageId?: string;
  /** values the finding's data must carry */
  data?: Record<string, string | number>;
  /** each evidence description must match the pattern at its index */
  evidence?: RegExp[];
  /** a fix the finding's data decides (an upgrade line); without it, the rule's fix for the library */
  fix?: RegExp;
  /** with no location: why, as the finding says it */
  unlocated?: RegExp;
  /** the fields each location must carry, at its index (and no more locations than listed) */
  locations?: Array<Partial<Finding['locations'][number]>>;
}

export interface RuleCases {
  valid: Array<{ name: string; evidence: Evidence }>;
  invalid: Array<{ name: string; evidence: Evidence; findings: ExpectedFinding[] }>;
  /** evidence without what the rule needs: listed as not evaluated, never run */
  missing?: Evidence;
}

export function ruleTester(rule: AnyRule, cases: RuleCases): void {
  describe(rule.id, () => {
    for (const c of cases.valid) {
      test(`valid: ${c.name}`, () => {
        const { findings, notEvaluated } = runRules([rule], c.evidence);
        assert.deepEqual(notEvaluated, [], 'the evidence the rule needs was given');
        assert.deepEqual(
          findings.map((f) => f.summary),
          [],
        );
      });
    }
    for (const c of cases.invalid) {
      test(`invalid: ${c.name}`, () => {
        const { findings } = runRules([rule], c.evidence);
        assert.equal(findings.length, c.findings.length, `findings: ${findings.map((f) => f.summary).join(' | ')}`);
        c.findings.forEach((want, i) => {
          const got = findings[i]!;
          assert.equal(got.ruleId, rule.id);
          if (typeof want.summary === 'string') assert.equal(got.summary, want.summary);
          else assert.match(got.summary, want.summary);
          assert.equal(got.severity, want.severity ?? rule.meta.severity);
          if (want.confidence) assert.equal(got.confidence, want.confidence);
          if (want.library) assert.equal(got.library, want.library);
          if (want.messageId) assert.equal(got.messageId, want.messageId);
          for (const [k, v] of Object.entries(want.data ?? {})) assert.equal(got.data?.[k], v, `data.${k}`);
          want.evidence?.forEach((pattern, j) => assert.match(got.evidence[j]?.description ?? '', pattern));
          if (want.locations) {
            assert.equal(got.locations.length, want.locations.length, JSON.stringify(got.locations));
            want.locations.forEach((l, j) => {
              for (const [k, v] of Object.entries(l)) assert.equal((got.locations[j] as unknown as Record<string, unknown>)[k], v, `locations[${j}].${k}`);
            });
          }
          if (want.unlocated) {
            assert.deepEqual(got.locations, []);
            assert.match(got.unlocated ?? '', want.unlocated);
          }
          if (want.fix) assert.match(got.fix, want.fix);
          else assert.equal(got.fix, rule.meta.fix[got.library]);
        });
      });
    }
    if (cases.missing) {
      test('not evaluated without its evidence', () => {
        const { findings, notEvaluated } = runRules([rule], cases.missing!);
        assert.deepEqual(findings, []);
        assert.equal(notEvaluated[0]?.ruleId, rule.id);
      });
    }
  });
}
