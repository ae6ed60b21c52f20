// kleak advisories: the known leak bugs of the Kafka client libraries (kleak's OSV database), all of them or
// those one library version has — what `known-library-bug` findings are matched against.
import { Option, type Command } from 'commander';
import { advisoriesFor, loadAdvisories } from '../../advisories/index.js';
import { InputError } from '../../errors.js';
import { advisoryRows, renderAdvisoriesMarkdown, renderAdvisoriesTable } from '../../report/advisories-view.js';
import { kafkaPackages } from '../../signatures/packages.js';
import type { CliContext } from '../context.js';

interface AdvisoriesFlags {
  library?: string;
  version?: string;
  id?: string;
  json?: boolean;
  format?: 'table' | 'json' | 'markdown';
}

export function registerAdvisories(program: Command, ctx: CliContext): void {
  program
    .command('advisories')
    .description('known leak bugs of Kafka client libraries, by library and version (OSV advisories kleak matches versions against)')
    .option('--library <name>', `one library: ${[...new Set(kafkaPackages.map((p) => p.library))].join(', ')}`)
    .option('--version <version>', 'with --library: only the bugs this version has')
    .option('--id <id>', 'one advisory, e.g. SAR-11')
    .option('--json', 'print JSON (same as --format json)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'markdown']))
    .addHelpText(
      'after',
      '\nExamples:\n  $ kleak advisories --library sarama --version 1.36.0\n  $ kleak advisories --library librdkafka --format markdown\n  $ kleak advisories --id KGO-05 --json',
    )
    .action((flags: AdvisoriesFlags) => {
      const format = flags.json ? 'json' : (flags.format ?? 'table');
      const libraries = [...new Set(kafkaPackages.map((p) => p.library))];
      if (flags.library !== undefined && !libraries.includes(flags.library as never)) {
        throw new InputError(`kleak knows no Kafka client library called "${flags.library}".`, { hint: `Give one of: ${libraries.join(', ')}.` });
      }
      if (flags.version !== undefined && flags.library === undefined) {
        throw new InputError('--version needs --library: a version number means nothing without its library.', {
          hint: 'For example: kleak advisories --library sarama --version 1.36.0',
        });
      }
      if (flags.version !== undefined && !/^v?\d+(\.\d+)*([-.+][0-9A-Za-z.-]+)?$/.test(flags.version)) {
        throw new InputError(`"${flags.version}" is not a version number.`, { hint: 'Give it as the library releases it: 1.36.0, 2.2.4, 3.7.0.' });
      }
      let advisories = loadAdvisories();
      let heading = 'Known leak bugs of Kafka client libraries';
      if (flags.library) {
        const packages = kafkaPackages.filter((p) => p.library === flags.library);
        if (flags.version) {
          const version = flags.version.replace(/^v/, '');
          const ids = new Set(packages.flatMap((p) => advisoriesFor({ ecosystem: p.ecosystem, package: p.name, version }, advisories)).map((a) => a.id));
          advisories = advisories.filter((a) => ids.has(a.id));
          heading = `Known leak bugs of ${flags.library} ${version}`;
        } else {
          advisories = advisories.filter((a) => a.affected.some((x) => packages.some((p) => p.ecosystem === x.package.ecosystem && p.name === x.package.name)));
          heading = `Known leak bugs of ${flags.library}`;
        }
      }
      if (flags.id) {
        const id = flags.id.toUpperCase().replace(/^(x_)?KLEAK-/i, '');
        advisories = advisories.filter((a) => a.id === `x_KLEAK-${id}`);
        if (advisories.length === 0)
          throw new InputError(`No advisory ${flags.id}${flags.library ? ` for ${flags.library}${flags.version ? ` ${flags.version}` : ''}` : ''}.`, {
            hint: 'kleak advisories lists every id.',
          });
      }
      const rows = advisoryRows(advisories);
      if (format === 'json') {
        ctx.io.stdout(
          `${JSON.stringify({ schemaVersion: 1, command: 'advisories', ...(flags.library ? { library: flags.library } : {}), ...(flags.version ? { version: flags.version.replace(/^v/, '') } : {}), count: rows.length, advisories: rows, osv: advisories }, null, 2)}\n`,
        );
      } else if (format === 'markdown') ctx.io.stdout(renderAdvisoriesMarkdown(rows, heading));
      else ctx.io.stdout(renderAdvisoriesTable(rows, heading, ctx.chalk, ctx.io.columns ?? 120));
    });
}
