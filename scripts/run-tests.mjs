// Runs the compiled tests with Node's test runner. First the test set-up (scripts/setup.mjs: the broker's
// jars, the fixtures, Prometheus, the real code the scan is checked on — fetched once, then found in place);
// then `all` starts one real Kafka broker for the whole run (tests find it in KLEAK_TEST_BOOTSTRAP) and stops
// it by PID at the end, also on failure. `quick` is the inner loop: the unit tests and captured inputs that
// need neither the set-up nor a broker.
//   node scripts/run-tests.mjs all|unit|integration|quick [filter]
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const mode = process.argv[2] ?? 'all';
const filter = process.argv[3];
const root = new URL('..', import.meta.url).pathname;
const testRoot = join(root, 'dist/test');

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith('.test.js') ? [join(dir, e.name)] : [],
  );
}
let files = find(testRoot).sort();
// unit tests that read what the set-up fetched or built (promtool, the manifest validator, the real code)
const needsSetup = (f) => /^(deploy|scan\/real-code|scan\/go-analysis|report\/html|collectors\/process\/go-buildinfo)/.test(relative(testRoot, f));
if (!['all', 'unit', 'integration', 'quick'].includes(mode)) {
  console.error(`unknown mode ${mode}: all, unit, integration or quick`);
  process.exit(2);
}
if (mode === 'unit') files = files.filter((f) => !relative(testRoot, f).startsWith('integration'));
if (mode === 'quick') files = files.filter((f) => !relative(testRoot, f).startsWith('integration') && !needsSetup(f));
if (mode === 'integration') files = files.filter((f) => relative(testRoot, f).startsWith('integration'));
if (filter) files = files.filter((f) => f.includes(filter));
if (files.length === 0) {
  console.error(`no test files for mode ${mode}${filter ? ` and filter ${filter}` : ''}`);
  process.exit(2);
}

if (mode !== 'quick') {
  const { setup } = await import('./setup.mjs');
  try {
    // the unit tests need no broker and no fixture service
    await setup(
      mode === 'unit'
        ? ['heapdump', 'k8s-validate', 'prometheus', 'real-code', 'chromium', 'old-go-binary', 'go-fixtures', 'go-analyzer', 'golangci-kleak']
        : undefined,
    );
  } catch (error) {
    console.error(`\nThe test set-up failed, so no test ran.\n\n${error.message}`);
    process.exit(2);
  }
}

const needsBroker = files.some((f) => relative(testRoot, f).startsWith('integration'));
let cluster;
if (needsBroker && !process.env.KLEAK_TEST_BOOTSTRAP) {
  const { launchKafka } = await import(join(root, 'dist/src/local-kafka/launch-kafka.js'));
  cluster = await launchKafka({ log: (line) => console.error(`[broker] ${line}`) });
  console.error(`[broker] shared test broker pid ${cluster.nodes[0].pid} at ${cluster.bootstrap}, started in ${cluster.startupMs} ms`);
}

const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
  env: { ...process.env, ...(cluster ? { KLEAK_TEST_BOOTSTRAP: cluster.bootstrap } : {}) },
});
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
const code = await new Promise((done) => child.on('exit', (c, s) => done(c ?? (s ? 1 : 0))));
if (cluster) await cluster.stop();
process.exit(code);
