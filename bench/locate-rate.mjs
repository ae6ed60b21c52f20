// How often the runtime evidence alone locates the line that builds the leaking client: N fresh runs of
// `kleak diagnose --pprof --drive` per Go fixture against a real broker; a run counts when the finding's
// location is the fixture's own constructor line (computed from its source). The heap profile is sampled
// (about one sample per 512 KiB allocated), so a run may see no sample inside a constructor.
// Usage: npm run build && node bench/locate-rate.mjs [--runs 10] [--requests 50]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, requests: { type: 'string', default: '50' } } });
const root = new URL('..', import.meta.url).pathname;
const { launchKafka } = await import(join(root, 'dist/src/local-kafka/launch-kafka.js'));
const { ensureTopic } = await import(join(root, 'dist/src/local-kafka/topics.js'));
const { startFixture } = await import(join(root, 'dist/src/local-kafka/start-fixture.js'));

const fixtures = [
  // name, the rule whose location is checked, the source line that builds the client
  ['sarama-per-request', 'client-per-request', 'fixtures/go/sarama-per-request/main.go', 'sarama.NewClient('],
];
const cluster = await launchKafka();
try {
  for (const [name, rule, file, call] of fixtures) {
    const line =
      readFileSync(join(root, file), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes(call)) + 1;
    let located = 0;
    const samples = [];
    for (let run = 0; run < Number(values.runs); run++) {
      const topic = `locate-${name}-${run}`;
      await ensureTopic(cluster.bootstrap, topic);
      const service = await startFixture(name, { bootstrap: cluster.bootstrap, topic });
      try {
        const r = spawnSync(
          process.execPath,
          [
            join(root, 'bin/kleak.js'),
            'diagnose',
            '--pid',
            String(service.pid),
            '--pprof',
            service.url,
            '--drive',
            `${service.url}/produce`,
            '--method',
            'POST',
            '--requests',
            values.requests,
            '--format',
            'json',
          ],
          { cwd: root, encoding: 'utf8', timeout: 180_000 },
        );
        const finding = JSON.parse(r.stdout).findings.find((f) => f.ruleId === rule);
        const at = finding?.locations?.find((l) => l.file === file && l.line === line);
        if (at) located++;
        samples.push(at ? at.count : 0);
      } finally {
        await service.stop();
      }
    }
    console.log(
      `${name}: located at ${file}:${line} in ${located} of ${values.runs} runs (${values.requests} requests each; samples behind it per run: ${samples.join(', ')})`,
    );
  }
} finally {
  await cluster.stop();
}
