// Commands of the design that are not built yet: they say so and exit 2; they never pretend.
import type { Command } from 'commander';
import { NotImplementedError } from '../../errors.js';

export interface PlannedCommand {
  name: string;
  args?: string;
  description: string;
  example: string;
  issue: number;
}

export function registerPlanned(program: Command, planned: PlannedCommand): void {
  program
    .command(`${planned.name}${planned.args ? ` ${planned.args}` : ''}`)
    .description(planned.description)
    .addHelpText('after', `\nExample:\n  $ ${planned.example}\n\nNot built yet (issue #${planned.issue}).`)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new NotImplementedError(`kleak ${planned.name} is not built yet.`, {
        hint: `It is planned in issue #${planned.issue}; nothing was run.`,
      });
    });
}
