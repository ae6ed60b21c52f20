// The fuzz suite, longer than npm test runs it: more cases per parser, a wider time budget, any seed.
// Usage: npm run build && node bench/fuzz.mjs [--runs 5000] [--seed 1] [--budget-ms 600000]
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5000' },
    seed: { type: 'string', default: String(Date.now() % 100000) },
    'budget-ms': { type: 'string', default: '600000' },
  },
});
console.error(`fuzz: ${values.runs} cases per parser, seed ${values.seed}, budget ${values['budget-ms']} ms each`);
const r = spawnSync(process.execPath, ['--test', new URL('../dist/test/fuzz/parsers.test.js', import.meta.url).pathname], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: values.runs, FUZZ_SEED: values.seed, FUZZ_BUDGET_MS: values['budget-ms'] },
});
process.exit(r.status ?? 1);
