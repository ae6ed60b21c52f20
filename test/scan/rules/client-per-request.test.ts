// client-per-request in the source: the scan flags exactly the lines marked `// want "client-per-request"` in fixtures/scan (Go,
// JS and TS), and none of the `// ok` look-alikes beside them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scan } from '../../../src/core/scan.js';
import rule from '../../../src/scan/rules/client-per-request.js';
import { scanFixtures, scanRuleTests } from '../../helpers/scan-markers.js';

const id = 'client-per-request';

scanRuleTests(rule);

test('client-per-request: not closed is an error, closed on every path a warning with the cost, a helper names the chain', async () => {
  const run = await scan({ root: scanFixtures, includeTests: true });
  const at = (file: string, line: number) =>
    run.diagnosis.findings.find((f) => f.ruleId === id && f.locations[0]!.file === file && f.locations[0]!.line === line)!;
  assert.equal(at('go/client-per-request/handlers.go', 16).severity, 'error');
  assert.equal(at('go/client-per-request/handlers.go', 26).severity, 'warning');
  assert.match(at('go/client-per-request/handlers.go', 26).summary, /closes it \(defer p\.Close\(\)|closes it \(p\.Close\(\)\)/);
  assert.match(at('go/client-per-request/handlers.go', 48).summary, /handlers\.ViaHelper → handlers\.newProducer/);
  assert.match(at('go/client-per-request/handlers.go', 88).summary, /per-message code .*ConsumeClaim/);
  assert.equal(at('js/client-per-request/app.js', 16).severity, 'warning');
  assert.match(at('js/client-per-request/app.js', 16).summary, /disconnect\(\) in finally/);
  assert.equal(at('ts/reexport/routes.ts', 7).library, 'kafkajs', 'the instance is resolved through the repository re-export');
});
