// The scan on public code nobody here wrote (bench/real-code/expected.json), whole repositories at their
// pinned commits: the examples and services where the findings are, and repositories no registry serves.
// (npm test checks what the registries serve of them: test/scan/real-code.test.ts.) Each clone present under
// DIR (named owner+name, checked out at the commit; bench/real-code/clone.sh makes them) is scanned; every
// finding is compared with the one read by hand, and the precision at warning and error is printed.
//
// Recall: a repository's `leaks` are the real leaks found by reading each of its client constructions (the
// ground truth, whatever the scan says). A leak counts as found when a finding of the same rule (any severity)
// is on the same file within 3 lines of the leak's line (`at`: the construction line, or for
// no-graceful-shutdown the line of the client the scan would name). Only a finding's first location counts: its
// further ones are where a client is dropped (a return), and would match a neighbouring construction by accident
// (fission: the consumer group's finding at 217 lists the return at 224, beside the producer built at 222). A repository with no `leaks` list was not
// read for recall and shows "—". The leaks missed are printed under the table.
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
const NEAR = 3;
const place = (at) => {
  const i = at.lastIndexOf(':');
  return { file: at.slice(0, i), line: Number(at.slice(i + 1)) };
};
const finds = (finding, leak) => {
  if (finding.ruleId !== leak.ruleId) return false;
  const a = place(finding.at);
  const b = place(leak.at);
  return a.file === b.file && Math.abs(a.line - b.line) <= NEAR;
};

const rows = [];
const missed = [];
let truePositives = 0;
let falsePositives = 0;
let different = 0;
let leaksTotal = 0;
let leaksFound = 0;
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
  let tp = 0;
  let fp = 0;
  for (const f of got) {
    const verdict = judged.get(key(f))?.verdict;
    if (f.severity === 'info') continue;
    if (verdict === 'true positive') tp++;
    else if (verdict === 'false positive') fp++;
  }
  truePositives += tp;
  falsePositives += fp;
  let recall = '—';
  if (r.leaks) {
    const found = r.leaks.filter((l) => got.some((f) => finds(f, l)));
    for (const l of r.leaks) if (!found.includes(l)) missed.push({ repo: r.repo, ...l });
    leaksTotal += r.leaks.length;
    leaksFound += found.length;
    recall = r.leaks.length ? `${found.length}/${r.leaks.length}` : '0/0';
  }
  rows.push({
    repo: r.repo,
    state: unjudged.length || gone.length ? `differs: new ${unjudged.map(key).join('; ') || '-'}; gone ${gone.map(key).join('; ') || '-'}` : 'as judged',
    files: Object.values(run.evidence.source.files).reduce((a, b) => a + b, 0),
    findings: got.length,
    precision: tp + fp ? `${tp}/${tp + fp}` : '—',
    recall,
    seconds: seconds.toFixed(2),
  });
}

const pct = (a, b) => (b ? `${((100 * a) / b).toFixed(0)}%` : '—');
console.log('| repository | files | findings | true/judged (warning, error) | leaks found | scan s | against the hand-read list |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) {
  console.log(
    `| ${row.repo} | ${row.files ?? '—'} | ${row.findings ?? '—'} | ${row.precision ?? '—'} | ${row.recall ?? '—'} | ${row.seconds ?? '—'} | ${row.state} |`,
  );
}
if (missed.length) {
  console.log('\nleaks the scan missed:');
  for (const m of missed) console.log(`- ${m.repo} ${m.ruleId} ${m.at}: ${m.why}`);
}
const judgedTotal = truePositives + falsePositives;
console.log(
  `\nwarning and error: ${truePositives} true, ${falsePositives} false positive${judgedTotal ? ` — precision ${pct(truePositives, judgedTotal)}` : ''}; ${different} finding(s) differ from the list`,
);
console.log(`recall: ${leaksFound} of ${leaksTotal} leaks read by hand found (${pct(leaksFound, leaksTotal)}; same rule, same file, within ${NEAR} lines)`);
process.exit(different ? 1 : 0);
