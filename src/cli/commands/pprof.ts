// kleak pprof: Go goroutine and heap profiles, classified by Kafka library and role.
import type { Command } from 'commander';
import { collectGoEvidence } from '../../collectors/goruntime/index.js';
import { UsageError } from '../../errors.js';
import { rules } from '../../rules/index.js';
import { runRules } from '../../rules/run-rules.js';
import { renderPprofTable, toPprofJson } from '../../report/pprof-view.js';
import { exitCodeFor } from '../exit-code.js';
import type { CliContext } from '../context.js';
import { addOutputOptions, parseDuration, wantsJson, type OutputFlags } from '../options.js';

interface PprofFlags extends OutputFlags {
  compare?: string[];
  after?: string;
  timeout: string;
}

export function registerPprof(program: Command, ctx: CliContext): void {
  const command = program
    .command('pprof')
    .argument('<sources...>', "a Go service's pprof base URL, or goroutine dump / heap profile files")
    .description('Go goroutine and heap profiles, classified by Kafka library and role')
    .option('--compare <sources...>', 'an earlier profile (URL or files) to compare with: deltas per role')
    .option('--after <duration>', 'with a URL: profile now and again after this long, and compare')
    .option('--timeout <duration>', 'bound on each HTTP fetch', '10s')
    .addHelpText('after', '\nExamples:\n  $ kleak pprof http://127.0.0.1:6060\n  $ kleak pprof goroutines.txt heap.pb.gz\n  $ kleak pprof http://127.0.0.1:6060 --after 30s\n  $ kleak pprof after.txt --compare before.txt');
  addOutputOptions(command).action(async (sources: string[], flags: PprofFlags) => {
    const timeoutMs = parseDuration(flags.timeout, '--timeout');
    const compare = flags.compare;
    if (flags.after) {
      if (compare) throw new UsageError('--after and --compare cannot be combined.', { hint: 'Use --after with a URL, or --compare with an earlier profile.' });
      if (!sources.every((s) => /^https?:\/\//.test(s))) throw new UsageError('--after needs a URL to profile twice.', { hint: 'kleak pprof http://HOST:PORT --after 30s' });
      const { readGoProfiles } = await import('../../collectors/goruntime/fetch-profile.js');
      const first = await readGoProfiles(sources, timeoutMs);
      await new Promise((r) => setTimeout(r, parseDuration(flags.after!, '--after')));
      const { toGoEvidence } = await import('../../collectors/goruntime/index.js');
      const evidence = toGoEvidence(await readGoProfiles(sources, timeoutMs), first);
      return finish(evidence);
    }
    finish(await collectGoEvidence(sources, compare, timeoutMs));

    function finish(evidence: Awaited<ReturnType<typeof collectGoEvidence>>) {
      const { findings } = runRules(rules, evidence);
      ctx.io.stdout(wantsJson(flags) ? `${JSON.stringify(toPprofJson(evidence, sources, findings), null, 2)}\n` : renderPprofTable(evidence, findings, ctx.chalk));
      ctx.exitCode = exitCodeFor(findings, flags.failOn);
    }
  });
}
