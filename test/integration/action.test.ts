// The GitHub Action as docs/ci.md uses it: its leak-check step (scripts/action-check.sh) run the way the
// runner runs it — inputs from the doc's `with:` block and action.yml's defaults, mapped to the step's
// environment as action.yml maps them, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_ACTION_PATH set —
// against a leaky service (the job fails) and its fixed twin (it passes).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../../src/repo-root.js';
import { fixture } from '../helpers/fixtures.js';
import { createTopic, sharedBootstrap } from '../helpers/kafka.js';
import { assertCodeScanningSarif, assertSarif, assertSchema } from '../helpers/schema.js';

let bootstrap: string;
before(async () => {
  bootstrap = await sharedBootstrap();
});

const action = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8'));
const workflow = parse(/```yaml\n([\s\S]*?)```/.exec(readFileSync(join(repoRoot, 'docs/ci.md'), 'utf8'))![1]!);
const docStep = workflow.jobs.kleak.steps.find((s: any) => s.uses === './.kleak');
const checkStep = action.runs.steps.find((s: any) => s.id === 'check');

test('docs/ci.md uses only inputs and outputs action.yml declares', () => {
  assert.ok(docStep, 'docs/ci.md has a step that uses ./.kleak');
  for (const key of Object.keys(docStep.with)) assert.ok(key in action.inputs, `input ${key}`);
  const used = [...JSON.stringify(workflow).matchAll(/steps\.kleak\.outputs\.([\w-]+)/g)].map((m) => m[1]!);
  assert.ok(used.length > 0);
  for (const name of used) assert.ok(name in action.outputs, `output ${name}`);
  assert.equal(checkStep.run, 'bash "$GITHUB_ACTION_PATH/scripts/action-check.sh"');
});

/** The step's environment, as the runner builds it from action.yml's env mapping, the inputs and their defaults. */
function stepEnv(env: Record<string, string>): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries<any>(action.inputs)) if (spec.default !== undefined) inputs[name] = String(spec.default);
  for (const [name, value] of Object.entries<any>(docStep.with))
    inputs[name] = String(value).replace(/\$\{\{\s*env\.(\w+)\s*\}\}/g, (_, v: string) => env[v] ?? '');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries<any>(checkStep.env))
    out[name] = String(value).replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, i: string) => inputs[i] ?? '');
  return out;
}

for (const [name, leaks] of [
  ['sarama-per-request', true],
  ['sarama-shared', false],
] as const) {
  test(`the Action against ${name}: ${leaks ? 'fails the job, the leak in the summary' : 'passes'}; the reports and outputs are written`, async () => {
    const topic = await createTopic(bootstrap, name);
    const service = await fixture(name, { bootstrap, topic });
    const cwd = mkdtempSync(join(tmpdir(), 'kleak-action-'));
    writeFileSync(join(cwd, 'service.pid'), `${service.pid}\n`);
    const github = { GITHUB_OUTPUT: join(cwd, 'github-output'), GITHUB_STEP_SUMMARY: join(cwd, 'step-summary.md'), GITHUB_ACTION_PATH: repoRoot };
    for (const f of [github.GITHUB_OUTPUT, github.GITHUB_STEP_SUMMARY]) writeFileSync(f, '');
    const r = spawnSync('bash', [join(repoRoot, 'scripts/action-check.sh')], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NO_COLOR: '1',
        ...github,
        ...stepEnv({ KAFKA_BOOTSTRAP: bootstrap, SERVICE_URL: service.url }),
      },
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.equal(r.status, leaks ? 1 : 0, r.stderr);
    const outputs = Object.fromEntries(
      readFileSync(github.GITHUB_OUTPUT, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('=', 2) as [string, string]),
    );
    assert.equal(outputs['exit-code'], leaks ? '1' : '0');
    const summary = readFileSync(github.GITHUB_STEP_SUMMARY, 'utf8');
    assert.match(summary, /^# kleak diagnosis/);
    if (leaks) {
      assert.match(summary, /client-per-request/);
      assert.match(r.stdout + r.stderr, /::error::kleak found Kafka-client leaks at or above warning/);
    } else assert.doesNotMatch(summary, /^\| (error|warning) \|/m, 'nothing at warning or above');
    assertSchema('diagnosis', JSON.parse(readFileSync(join(cwd, outputs.json!), 'utf8')));
    const sarif = JSON.parse(readFileSync(join(cwd, outputs.sarif!), 'utf8'));
    assertSarif(sarif);
    assertCodeScanningSarif(sarif);
    assert.equal(
      sarif.runs[0].results.some((x: any) => x.ruleId === 'client-per-request'),
      leaks,
    );
  });
}

test('without a pid: exit 2 and a GitHub error annotation, nothing else run', () => {
  const r = spawnSync('bash', [join(repoRoot, 'scripts/action-check.sh')], {
    env: { PATH: process.env.PATH ?? '', GITHUB_ACTION_PATH: repoRoot },
    encoding: 'utf8',
  });
  assert.equal(r.status, 2);
  assert.match(r.stdout, /::error::kleak: give the pid or pid-file input/);
});
