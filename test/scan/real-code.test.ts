// The scan on public code nobody here wrote (bench/real-code/expected.json), as the registries serve it: the
// Go module proxy's releases of Sarama, franz-go and kafka-go, and kafkajs from npm, fetched at the pinned
// versions by the test set-up (scripts/setup.mjs real-code) into .cache/real-code. Each must give exactly the
// findings read by hand there. The whole repositories (their examples, and repositories no registry serves)
// are scanned by bench/real-code.mjs from clones; their figures are in the README.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scan } from '../../src/core/scan.js';
import { repoRoot } from '../../src/repo-root.js';
import { realCodeDir } from '../helpers/setup-paths.js';

interface Finding {
  ruleId: string;
  severity: string;
  at: string;
  verdict?: string;
  why?: string;
}
interface Expected {
  repo: string;
  commit: string;
  findings: Finding[];
  registry?: { go?: string; npm?: string; version: string; served: string; files: Record<string, number>; findings: Finding[] };
}

const expected = JSON.parse(readFileSync(join(repoRoot, 'bench/real-code/expected.json'), 'utf8')) as Expected[];
const served = expected.filter((r) => r.registry);

test('the list covers at least five repositories, each finding read by hand; at least four are served by a registry', () => {
  assert.ok(expected.length >= 5);
  assert.ok(served.length >= 4, `${served.length} served by a registry`);
  for (const r of expected) {
    assert.match(r.commit, /^[0-9a-f]{40}$/);
    for (const f of [...r.findings, ...(r.registry?.findings ?? [])]) assert.ok(f.verdict && f.why, `${r.repo} ${f.at}`);
    if (r.registry) assert.ok(r.registry.served && (r.registry.go || r.registry.npm), `${r.repo}: what the registry serves, and from which`);
  }
});

for (const r of served) {
  const registry = r.registry!;
  const dir = realCodeDir({ repo: r.repo, registry });
  test(`${registry.go ?? registry.npm}@${registry.version} (${r.repo}): the files and the findings read by hand`, async () => {
    assert.ok(
      existsSync(join(dir, '.kleak-complete')),
      `${dir} is not there: npm test fetches it before the tests (${registry.go ? 'Go module proxy' : 'npm registry'}); to do it alone: node scripts/setup.mjs real-code`,
    );
    const run = await scan({ root: dir });
    assert.deepEqual(run.evidence.source?.files, registry.files, 'files scanned');
    const got = run.diagnosis.findings.map((f) => `${f.severity} ${f.ruleId} ${f.locations[0]!.file}:${f.locations[0]!.line}`).sort();
    assert.deepEqual(got, registry.findings.map((f) => `${f.severity} ${f.ruleId} ${f.at}`).sort());
  });
}
