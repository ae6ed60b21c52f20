// CLI output snapshots (attw style): the command, its stdout and its exit code, as Markdown,
// on captured inputs so the output is deterministic.
import { test } from 'node:test';
import { runKleak } from '../helpers/cli.js';
import { matchSnapshot } from '../helpers/snapshot.js';

const cases: Array<[string, string[]]> = [
  [
    'pprof-sarama-per-request',
    [
      'pprof',
      'fixtures/captured/pprof/sarama-per-request-21/goroutine-debug2.txt',
      '--compare',
      'fixtures/captured/pprof/sarama-per-request-1/goroutine-debug2.txt',
    ],
  ],
  ['pprof-reused-message', ['pprof', 'fixtures/captured/pprof/sarama-reused-message-3/goroutine-debug2.txt']],
  ['pprof-not-a-profile', ['pprof', 'fixtures/captured/proc/sarama-per-request-12/status.txt']],
  ['unknown-option', ['sockets', '--pid', '1', '--no-such-flag']],
];

for (const [name, args] of cases) {
  test(`kleak ${args.join(' ')}`, async () => {
    const r = await runKleak(args);
    matchSnapshot(
      `cli/__snapshots__/${name}.md`,
      `# kleak ${args.join(' ')}\n\nexit code: ${r.code}\n\n## stdout\n\n\`\`\`\n${r.stdout}\`\`\`\n\n## stderr\n\n\`\`\`\n${r.stderr}\`\`\`\n`,
    );
  });
}
