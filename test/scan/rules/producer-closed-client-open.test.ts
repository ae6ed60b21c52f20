// producer-closed-client-open in the source: the scan flags exactly the lines marked `// want "producer-closed-client-open"` in fixtures/scan (Go,
// JS and TS), and none of the `// ok` look-alikes beside them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { scan } from '../../../src/core/scan.js';
import rule from '../../../src/scan/rules/producer-closed-client-open.js';
import { scanFixtures, scanRuleTests } from '../../helpers/scan-markers.js';

scanRuleTests(rule);

test('producer-closed-client-open: the fix closes the client and the producer by the names the code gives them', async () => {
  const run = await scan({ root: join(scanFixtures, 'go/from-client'), includeTests: true });
  const f = run.diagnosis.findings.find((x) => x.ruleId === rule.id && x.locations[0]!.line === 41);
  assert.ok(f);
  assert.match(f.fix, /defer saramaClient\.Close\(\)\n\s*defer announcer\.Close\(\) \/\/ runs first/);
  assert.doesNotMatch(f.fix, /\bclient\.Close\(\)|\bproducer\.Close\(\)/);
});
