// producer-closed-client-open in the source: the scan flags exactly the lines marked `// want "producer-closed-client-open"` in fixtures/scan (Go,
// JS and TS), and none of the `// ok` look-alikes beside them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scan } from '../../../src/core/scan.js';
import rule from '../../../src/scan/rules/producer-closed-client-open.js';
import { markers, scanFixtures, scanMarks, sortMarks } from '../../helpers/scan-markers.js';

const id = 'producer-closed-client-open';

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
