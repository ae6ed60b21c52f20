// analysistest-style markers: `// want "<rule-id>"` (Python: `# want "<rule-id>"`) on each line a rule must
// flag in fixtures/scan; every other line (the `// ok` / `# ok` look-alikes among them) must not be flagged. The scan's findings are
// compared with the markers exactly, per rule.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { scan } from '../../src/core/scan.js';
import { repoRoot } from '../../src/repo-root.js';
import type { AnyRule } from '../../src/rules/define-rule.js';

export const scanFixtures = join(repoRoot, 'fixtures/scan');

export interface Mark {
  ruleId: string;
  /** relative to fixtures/scan */
  place: string;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

/** The want markers under fixtures/scan/<sub>, as "rule file:line". */
export function markers(sub = '.'): Mark[] {
  const out: Mark[] = [];
  for (const file of files(join(scanFixtures, sub))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const m of line.matchAll(/(?:\/\/|#) want "([a-z-]+)"/g)) out.push({ ruleId: m[1]!, place: `${relative(scanFixtures, file)}:${i + 1}` });
      });
  }
  return out;
}

/** The scan's findings under fixtures/scan/<sub>, as "rule file:line" of their first location. */
export async function scanMarks(sub = '.'): Promise<Mark[]> {
  const run = await scan({ root: join(scanFixtures, sub), includeTests: true });
  return run.diagnosis.findings.map((f) => ({ ruleId: f.ruleId, place: `${join(sub, f.locations[0]!.file)}:${f.locations[0]!.line}` }));
}

export const sortMarks = (marks: Mark[]) => marks.map((m) => `${m.ruleId} ${m.place}`).sort();

/**
 * The two tests every scan rule has: its findings equal its want markers exactly, and each finding's text,
 * fix, location and fingerprint come from the rule.
 */
export function scanRuleTests(rule: AnyRule): void {
  const id = rule.id;
  test(`${id}: findings equal the want markers`, async () => {
    const want = markers().filter((m) => m.ruleId === id);
    assert.ok(want.length > 0, 'the fixtures mark at least one line');
    assert.deepEqual(sortMarks((await scanMarks()).filter((m) => m.ruleId === id)), sortMarks(want));
  });

  test(`${id}: severity, message and fix come from the rule`, async () => {
    const run = await scan({ root: scanFixtures, includeTests: true });
    const found = run.diagnosis.findings.filter((f) => f.ruleId === id);
    assert.ok(found.length > 0);
    for (const f of found) {
      assert.equal(f.title, rule.meta.title);
      assert.ok(f.summary.length > 20 && !/\{\w+\}/.test(f.summary), f.summary);
      assert.ok(f.fix.length > 0);
      assert.equal(f.locations[0]!.from, 'scan');
      assert.match(f.fingerprint ?? '', /^[0-9a-f]{32}$/);
    }
  });
}
