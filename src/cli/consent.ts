// Asks before kleak does something to the target (a snapshot pause, a signal): --yes, or "y" on a terminal.
import { createInterface } from 'node:readline/promises';
import { UsageError } from '../errors.js';
import type { CliContext } from './context.js';

export async function consent(ctx: CliContext, what: string, yes: boolean | undefined, cancelled: string): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY || !ctx.io.isTty)
    throw new UsageError(`${what} Confirm with --yes.`, { hint: 'Add --yes to run it without a prompt (CI, scripts).' });
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${what}\nContinue? [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError(cancelled);
}
