// The scan on public code nobody here wrote (bench/real-code/expected.json), whole repositories at their
// pinned commits: the examples and services where the findings are, and repositories no registry serves.
// (npm test checks what the registries serve of them: test/scan/real-code.test.ts.) Each clone present under
// DIR (named owner+name, checked out at the commit) is scanned; every finding is compared with the one read by
// hand, and the precision at warning and error is printed.
// Usage: npm run build && KLEAK_REAL_CODE=DIR node bench/real-code.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = new URL('..', import.meta.url).pathname;
const { scan } = await import(join(root, 'dist/src/core/scan.js'));
const base = process.env.KLEAK_REAL_CODE;
if (!base) {
  console.error('Set KLEAK_REAL_CODE to a directory of clones named owner+name, each at its commit in bench/real-code/expected.json.');
  process.exit(2);
}
const expected = JSON.parse(readFileSync(join(root, 'bench/real-code/expected.json'), 'utf8'));
const key = (f) => `${f.severity} ${f.ruleId} ${f.at}`;

const rows = [];
let truePositives = 0;
let falsePositives = 0;
let different = 0;
for (const r of expected) {
  const dir = join(base, r.repo.replace('/', '+'));
  const head = existsSync(dir) ? execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim() : undefined;
  if (head !== r.commit) {
    rows.push({ repo: r.repo, state: head ? `at ${head.slice(0, 12)}, not ${r.commit.slice(0, 12)}` : 'no clone' });
    continue;
  }
  const t0 = performance.now();
  const run = await scan({ root: dir });
  const seconds = (performance.now() - t0) / 1000;
  const got = run.diagnosis.findings.map((f) => ({ severity: f.severity, ruleId: f.ruleId, at: `${f.locations[0].file}:${f.locations[0].line}` }));
  const judged = new Map(r.findings.map((f) => [key(f), f]));
  const unjudged = got.filter((f) => !judged.has(key(f)));
  const gone = r.findings.filter((f) => !got.some((g) => key(g) === key(f)));
  different += unjudged.length + gone.length;
  for (const f of got) {
    const verdict = judged.get(key(f))?.verdict;
    if (f.severity === 'info') continue;
    if (verdict === 'true positive') truePositives++;
    else if (verdict === 'false positive') falsePositives++;
  }
  rows.push({
    repo: r.repo,
    state: unjudged.length || gone.length ? `differs: new ${unjudged.map(key).join('; ') || '-'}; gone ${gone.map(key).join('; ') || '-'}` : 'as judged',
    files: Object.values(run.evidence.source.files).reduce((a, b) => a + b, 0),
    findings: got.length,
    seconds: seconds.toFixed(2),
  });
}

console.log('| repository | files | findings | scan s | against the hand-read list |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.repo} | ${row.files ?? '—'} | ${row.findings ?? '—'} | ${row.seconds ?? '—'} | ${row.state} |`);
const judgedTotal = truePositives + falsePositives;
console.log(
  `\nwarning and error: ${truePositives} true, ${falsePositives} false positive${judgedTotal ? ` — precision ${((100 * truePositives) / judgedTotal).toFixed(0)}%` : ''}; ${different} finding(s) differ from the list`,
);
process.exit(different ? 1 : 0);
