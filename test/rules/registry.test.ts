// Every rule is registered once, has a kebab-case id equal to its file name, and a docs page.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { rules } from '../../src/rules/index.js';
import { repoRoot } from '../../src/repo-root.js';

const helpers = new Set(['define-rule.ts', 'index.ts', 'helpers.ts', 'run-rules.ts']);

test('every rule file is registered, and every rule has docs/rules/<id>.md and test/rules/<id>.test.ts', () => {
  const files = readdirSync(join(repoRoot, 'src/rules'))
    .filter((f) => f.endsWith('.ts') && !helpers.has(f))
    .map((f) => f.replace(/\.ts$/, ''));
  assert.deepEqual(rules.map((r) => r.id).sort(), files.sort());
  for (const rule of rules) {
    assert.ok(existsSync(join(repoRoot, 'docs/rules', `${rule.id}.md`)), `docs/rules/${rule.id}.md`);
    assert.ok(existsSync(join(repoRoot, 'test/rules', `${rule.id}.test.ts`)), `test/rules/${rule.id}.test.ts`);
    assert.ok(Object.keys(rule.meta.messages).length > 0, `${rule.id} declares its messages`);
    for (const library of ['sarama', 'franz-go', 'kafkajs', 'unknown'] as const) assert.ok(rule.meta.fix[library].length > 20, `${rule.id} fix for ${library}`);
  }
});
