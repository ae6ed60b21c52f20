// Every scan rule file is registered, and each has its doc page and its test (one rule = one file +
// one doc + one test); ids are kebab-case and unique among the scan's rules.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../src/repo-root.js';
import { scanRules } from '../../src/scan/rules/index.js';

test('every scan rule is registered, with docs/rules/<id>.md (a "kleak scan" section) and test/scan/rules/<id>.test.ts', async () => {
  const files = readdirSync(join(repoRoot, 'src/scan/rules'))
    .filter((f) => f.endsWith('.ts') && !['index.ts', 'helpers.ts'].includes(f))
    .map((f) => f.replace(/\.ts$/, ''));
  assert.deepEqual(scanRules.map((r) => r.id).sort(), files.sort());
  assert.equal(new Set(scanRules.map((r) => r.id)).size, scanRules.length);
  const { readFileSync } = await import('node:fs');
  for (const rule of scanRules) {
    const doc = join(repoRoot, 'docs/rules', `${rule.id}.md`);
    assert.ok(existsSync(doc), doc);
    assert.match(readFileSync(doc, 'utf8'), /kleak scan/, `${rule.id}.md says what the scan finds`);
    assert.ok(existsSync(join(repoRoot, 'test/scan/rules', `${rule.id}.test.ts`)), rule.id);
    assert.deepEqual(rule.needs, ['source']);
  }
});
